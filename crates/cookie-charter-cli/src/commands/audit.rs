//! `audit`, `scan` and `diff`: the audit of spec §12 from a HAR file or a live browser, its
//! reports, and two reports compared.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use cookie_charter::Policy;
use cookie_charter::audit::Scenario;
use cookie_charter_audit::allow::AllowList;
use cookie_charter_audit::har::{self, Har};
use cookie_charter_audit::report::{self, CollectorInfo, FailOn, Inputs, Report};
use cookie_charter_audit::scan::{self, ScanOptions};
use cookie_charter_audit::{diff, render};

/// Where the reports go, and what fails the run.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the JSON report to this file (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the Markdown page to this file (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the HTML page to this file (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Write JUnit XML to this file (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// An allow-list of accepted findings (TOML, see docs/audit.md).
    #[arg(long, value_name = "FILE")]
    allow: Option<PathBuf>,
    /// Exit 1 when a finding not accepted is at or above this severity: low, medium, high, never.
    #[arg(long, default_value = "low", value_parser = parse_fail_on)]
    fail_on: FailOn,
}

fn parse_fail_on(text: &str) -> Result<FailOn, String> {
    FailOn::parse(text).ok_or_else(|| format!("`{text}` is not `low`, `medium`, `high` or `never`"))
}

/// The arguments of `audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The policy file (.toml or .json).
    policy: PathBuf,
    /// The HAR file to judge (exported with cookies: Chrome's "with sensitive data").
    #[arg(long, value_name = "FILE")]
    har: PathBuf,
    /// The scenario the HAR was recorded in (absent: the consent its requests' consent cookie
    /// carries, as scenario `har`).
    #[arg(long, value_name = "NAME")]
    scenario: Option<String>,
    #[command(flatten)]
    report: ReportArgs,
}

/// The arguments of `scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The policy file (.toml or .json).
    policy: PathBuf,
    /// The pages to visit first.
    #[arg(required = true)]
    urls: Vec<String>,
    /// How many same-site links of those pages to visit after them (sorted, the same in every
    /// scenario).
    #[arg(long, default_value_t = 0)]
    pages: usize,
    /// Only these scenarios (repeatable; absent: all of them).
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Seconds a page may take to load.
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// The Chromium binary (default: `CHROMIUM_PATH`, else /usr/bin/chromium).
    #[arg(long, value_name = "PATH")]
    chromium: Option<PathBuf>,
    /// Also write each scenario's network as a HAR file in this directory.
    #[arg(long, value_name = "DIR")]
    har_dir: Option<PathBuf>,
    #[command(flatten)]
    report: ReportArgs,
}

/// The arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older JSON report.
    old: PathBuf,
    /// The newer JSON report.
    new: PathBuf,
    /// Print the changes as JSON.
    #[arg(long)]
    json: bool,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn scenario_ids(policy: &Policy) -> String {
    policy
        .audit_scenarios(0)
        .iter()
        .map(|s| format!("`{}`", s.id))
        .collect::<Vec<_>>()
        .join(", ")
}

fn find_scenario(policy: &Policy, id: &str, at: u64) -> Result<Scenario, String> {
    policy.audit_scenario(id, at).ok_or_else(|| {
        cookie_charter_audit::Error::UnknownScenario(id.to_owned(), scenario_ids(policy))
            .to_string()
    })
}

fn write_file(path: &Path, text: &str, out: &mut impl Write) -> Result<(), String> {
    if path == Path::new("-") {
        return out.write_all(text.as_bytes()).map_err(|e| e.to_string());
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write `{}`: {e}", path.display()))
}

/// A way to print a report.
type Render = fn(&Report) -> String;

/// Writes the reports asked for, or a summary on standard output, and gives the exit status.
fn finish(report: &Report, args: &ReportArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let outputs: [(&Option<PathBuf>, Render); 4] = [
        (&args.json, Report::to_json),
        (&args.markdown, render::markdown),
        (&args.html, render::html),
        (&args.junit, render::junit),
    ];
    // Every page is made before any is written: no half-written set of reports.
    let texts: Vec<(&PathBuf, String)> = outputs
        .iter()
        .filter_map(|(path, make)| path.as_ref().map(|p| (p, make(report))))
        .collect();
    let to_stdout = texts.iter().any(|(p, _)| p.as_path() == Path::new("-"));
    for (path, text) in &texts {
        write_file(path, text, out)?;
    }
    if !to_stdout {
        let mut summary = String::new();
        for f in report.findings.iter().filter(|f| f.accepted.is_none()) {
            let phase = if f.after_withdrawal {
                " (after withdrawal)"
            } else {
                ""
            };
            summary.push_str(&format!(
                "{}{phase}: {}[{}]: {}\n",
                f.scenario, f.severity, f.code, f.message
            ));
        }
        let s = &report.summary;
        summary.push_str(&format!(
            "{} findings ({} high, {} medium, {} low), {} accepted: {}\n",
            s.findings,
            s.high,
            s.medium,
            s.low,
            s.accepted,
            if s.failed { "failed" } else { "passed" }
        ));
        out.write_all(summary.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(ExitCode::from(report.exit_status()))
}

fn allow_list(args: &ReportArgs) -> Result<AllowList, String> {
    match &args.allow {
        Some(path) => AllowList::read(path).map_err(|e| format!("error[{}]: {e}", e.code())),
        None => Ok(AllowList::default()),
    }
}

/// `cookie-charter audit POLICY --har FILE [--scenario NAME]`.
pub fn audit(args: &AuditArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let policy = super::load(&args.policy)?;
    let allow = allow_list(&args.report)?;
    let har = Har::read(&args.har).map_err(|e| format!("error[{}]: {e}", e.code()))?;
    let at = har.start_ms().unwrap_or_else(now_ms) / 1000;
    let scenario = match &args.scenario {
        Some(id) => find_scenario(&policy, id, at)?,
        None => {
            let consent = har
                .first_consent(&policy.site().consent_cookie)
                .map(|v| cookie_charter::Consent::from_cookie(&v))
                .unwrap_or_default();
            Scenario::custom("har", consent, at)
        }
    };
    let observations = har::observations(&har, &policy, &scenario);
    let pages: Vec<String> = har.log.pages.iter().map(|p| p.title.clone()).collect();
    let report = report::build(Inputs {
        policy: &policy,
        scenarios: &[(scenario, pages)],
        observations: &observations,
        collector: CollectorInfo {
            kind: "har".to_owned(),
            sources: vec![args.har.display().to_string()],
            browser: Some(format!(
                "{} {}",
                har.log.creator.name, har.log.creator.version
            )),
            third_party_cookies: None,
            blind_spots: vec![
                "web storage (local and session)".to_owned(),
                "cookies written by scripts, until a request sends them".to_owned(),
                "the domain, path and lifetime of a cookie only seen sent".to_owned(),
            ],
        },
        allow: &allow,
        fail_on: args.report.fail_on,
        now_ms: now_ms(),
    });
    finish(&report, &args.report, out)
}

/// `cookie-charter scan POLICY URL... [--pages N]`.
pub fn scan(args: &ScanArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let policy = super::load(&args.policy)?;
    let allow = allow_list(&args.report)?;
    let at = now_ms() / 1000;
    let scenarios = if args.scenarios.is_empty() {
        policy.audit_scenarios(at)
    } else {
        args.scenarios
            .iter()
            .map(|id| find_scenario(&policy, id, at))
            .collect::<Result<_, _>>()?
    };
    let options = ScanOptions {
        chromium: args.chromium.clone().unwrap_or_else(scan::default_chromium),
        urls: args.urls.clone(),
        pages: args.pages,
        timeout: Duration::from_secs(args.timeout.max(1)),
        scenarios,
        progress: std::io::stderr().is_terminal(),
    };
    let result = scan::scan(&policy, &options)
        .map_err(|e| format!("scan failed, no report written: error[{}]: {e}", e.code()))?;
    if let Some(dir) = &args.har_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        for (id, har) in &result.hars {
            let text = serde_json::to_string_pretty(har).map_err(|e| e.to_string())?;
            write_file(&dir.join(format!("{id}.har")), &text, out)?;
        }
    }
    let report = report::build(Inputs {
        policy: &policy,
        scenarios: &result.scenarios,
        observations: &result.observations,
        collector: CollectorInfo {
            kind: "browser".to_owned(),
            sources: args.urls.clone(),
            browser: Some(result.browser.clone()),
            third_party_cookies: Some(scan::THIRD_PARTY_COOKIES.to_owned()),
            blind_spots: vec![
                "cookies set and removed within one page".to_owned(),
                "IndexedDB, Cache Storage and other storage than local and session".to_owned(),
            ],
        },
        allow: &allow,
        fail_on: args.report.fail_on,
        now_ms: now_ms(),
    });
    finish(&report, &args.report, out)
}

/// `cookie-charter diff OLD NEW`: exit 0 when nothing changed, 1 when something did.
pub fn diff(args: &DiffArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let read = |p: &Path| Report::read(p).map_err(|e| format!("error[{}]: {e}", e.code()));
    let (old, new) = (read(&args.old)?, read(&args.new)?);
    let changes = diff::diff(&old, &new);
    let text = if args.json {
        serde_json::to_string_pretty(&changes).map_err(|e| e.to_string())? + "\n"
    } else {
        diff::text(&changes)
    };
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
