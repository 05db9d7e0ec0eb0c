//! The subcommands of spec §9 and what each prints.

mod audit;
mod guard;
mod headers;
mod signals;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use cookie_charter::{
    Consent, ConsentSource, Decision, Policy, PolicyFormat, Problem, SourceFormat,
};

/// Check a cookie policy, decide cookies for a consent, filter headers, render the charter.
#[derive(Debug, Parser)]
#[command(name = "cookie-charter", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a policy and print its warnings; exit 1 on errors.
    Check {
        /// The policy file (.toml or .json).
        policy: PathBuf,
    },
    /// Decide whether each cookie name is allowed.
    Decide {
        #[command(flatten)]
        common: Common,
        /// Print one JSON object per name.
        #[arg(long)]
        json: bool,
        /// The cookie names.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Filter Set-Cookie values (standard input, one per line, `Set-Cookie:` optional): print
    /// the kept ones unchanged and in order.
    Filter {
        #[command(flatten)]
        common: Common,
        /// After the kept headers, print each dropped one as a JSON object with its decision.
        #[arg(long)]
        json: bool,
    },
    /// Print the Set-Cookie headers that delete the cookies of a Cookie header the visitor no
    /// longer allows, one per line.
    Purge {
        #[command(flatten)]
        common: Common,
        /// The Cookie request header value, such as `a=1; _ga=GA1.2`.
        cookie_header: String,
    },
    /// Print the charter page (spec §7).
    Render(RenderArgs),
    /// Print the purposes a consent banner must ask about, one per line (none: no banner).
    Ask {
        #[command(flatten)]
        common: Common,
    },
    /// Print the Google Consent Mode v2 state of the seven signals, as JSON or as the
    /// `gtag('consent', …)` snippet.
    ConsentMode {
        #[command(flatten)]
        common: Common,
        /// Print the `gtag('consent', 'default' | 'update', …)` snippet instead of JSON.
        #[arg(long, value_parser = signals::parse_command)]
        gtag: Option<cookie_charter::GtagCommand>,
    },
    /// Decode an IAB TCF v2 TC string and print it as JSON; exit 1 if it is invalid.
    Tcf {
        /// The TC string (base64url segments joined by `.`).
        tc_string: String,
    },
    /// Judge a HAR file against the policy; exit 1 on findings, 2 when it cannot be read.
    Audit(audit::AuditArgs),
    /// Visit a site in Chromium in every consent scenario and judge what it stores; exit 1 on
    /// findings, 2 when the scan fails.
    Scan(audit::ScanArgs),
    /// Compare two JSON audit reports: cookies added, removed or changed per scenario.
    Diff(audit::DiffArgs),
    /// Print the browser guard's answer for a consent (spec §15) as JSON, or the `<script>`
    /// tags that put the guard in a page.
    Guard(guard::GuardArgs),
}

/// The arguments every deciding command takes.
#[derive(Debug, Args)]
struct Common {
    /// The policy file (.toml or .json).
    policy: PathBuf,
    /// The visitor's consent cookie value (absent: no consent).
    #[arg(long, default_value = "", allow_hyphen_values = true)]
    consent: String,
    /// An IAB TCF TC string to use as the consent instead of a consent cookie.
    #[arg(long, conflicts_with = "consent")]
    tc_string: Option<String>,
    /// A whole `Cookie` request header, such as `a=1; OptanonConsent=...`: the consent is read
    /// from it through the policy's consent sources (`site.consent_sources`), as a middleware
    /// does, and the source that decided is reported.
    #[arg(
        long = "cookie-header",
        id = "request_cookie_header",
        conflicts_with_all = ["consent", "tc_string"],
        allow_hyphen_values = true
    )]
    request_cookie_header: Option<String>,
    /// The request carries Global Privacy Control (`Sec-GPC: 1`).
    #[arg(long)]
    gpc: bool,
    /// The time of the request, in unix seconds (absent: now).
    #[arg(long)]
    now: Option<u64>,
}

impl Common {
    /// The consent of the request: the consent cookie or the TC string, with the GPC signal.
    /// An invalid TC string is an error: it never counts as a consent.
    fn consent(&self, policy: &Policy) -> Result<Consent, String> {
        let consent = match (&self.tc_string, &self.request_cookie_header) {
            (Some(tc), _) => policy
                .consent_from_tc_string(tc)
                .map_err(|e| format!("--tc-string: error[{}]: {e}", e.code()))?,
            (None, Some(header)) => policy.consent_from_cookie_header(header),
            (None, None) => Consent::from_cookie(&self.consent),
        };
        Ok(consent.with_gpc(self.gpc))
    }

    /// Says on standard error why a consent cookie gives no consent: the command goes on
    /// without it.
    fn report_problem(&self, consent: &Consent, now: u64) {
        if self.tc_string.is_some() {
            return;
        }
        if let Some(problem) = consent.problem_at(now).filter(|p| *p != Problem::Absent) {
            eprintln!(
                "cookie-charter: consent ignored ({}): {problem}",
                problem.code()
            );
        }
    }
}

/// Runs a command; `Err` is a message for standard error (exit 2).
pub fn run(cli: Cli, out: &mut impl Write) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check { policy } => check(&policy, out),
        Command::Filter { common, json } => {
            headers::filter(&common, json, &mut std::io::stdin().lock(), out)
        }
        Command::Purge {
            common,
            cookie_header,
        } => headers::purge(&common, &cookie_header, out),
        Command::Render(args) => render(&args, out),
        Command::Ask { common } => signals::ask(&common, out),
        Command::ConsentMode { common, gtag } => signals::consent_mode(&common, gtag, out),
        Command::Tcf { tc_string } => signals::tcf(&tc_string, out),
        Command::Audit(args) => audit::audit(&args, out),
        Command::Scan(args) => audit::scan(&args, out),
        Command::Diff(args) => audit::diff(&args, out),
        Command::Guard(args) => guard::guard(&args, &mut std::io::stdin().lock(), out),
        Command::Decide {
            common,
            json,
            names,
        } => {
            let policy = load(&common.policy)?;
            let consent = common.consent(&policy)?;
            let now = common.now.unwrap_or_else(unix_now);
            common.report_problem(&consent, now);
            // With a whole `Cookie` header, say which source decided: a first line in text, a
            // field of each object in JSON.
            let source = common
                .request_cookie_header
                .as_ref()
                .map(|_| decided_by(&policy, &consent));
            if let (Some(source), false) = (&source, json) {
                writeln!(out, "consent source: {}", source.text).map_err(|e| e.to_string())?;
            }
            for name in &names {
                let decision = policy.decide(name, &consent, now);
                let line = if json {
                    let mut object = decision_json(name, &decision);
                    if let (Some(source), Some(map)) = (&source, object.as_object_mut()) {
                        map.insert("consent_source".to_owned(), source.json.clone());
                    }
                    object.to_string()
                } else {
                    decision_text(name, &decision)
                };
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The source that gave a consent read from a `Cookie` header, in words and as JSON.
struct DecidedBy {
    text: String,
    json: serde_json::Value,
}

/// The cookie a source reads, as `check` and `decide` name it.
fn source_cookie(source: &ConsentSource) -> String {
    match source.format() {
        SourceFormat::Complianz | SourceFormat::WpConsent => {
            format!("`{}<category>`", source.cookie())
        }
        SourceFormat::Iubenda if source.cookie() == "_iub_cs-" => "`_iub_cs-<id>`".to_owned(),
        SourceFormat::Onetrust => format!("`{}` and `OptanonAlertBoxClosed`", source.cookie()),
        _ => format!("`{}`", source.cookie()),
    }
}

/// Which source gave `consent`: a declared source, the engine's own cookie when the policy
/// declares none, or none when the request held no source's cookie.
fn decided_by(policy: &Policy, consent: &Consent) -> DecidedBy {
    let problem = consent.problem().map(Problem::code);
    if let Some(decided) = consent.source() {
        let cookie = policy
            .consent_sources()
            .get(decided.index)
            .map(source_cookie)
            .unwrap_or_default();
        return DecidedBy {
            text: format!("{decided}, cookie {cookie}"),
            json: serde_json::json!({
                "index": decided.index,
                "format": decided.format.as_str(),
                "cookie": policy.consent_sources().get(decided.index).map(ConsentSource::cookie),
                "problem": problem,
            }),
        };
    }
    let own = &policy.site().consent_cookie;
    if policy.consent_sources().is_empty() && consent.problem() != Some(Problem::Absent) {
        return DecidedBy {
            text: format!("site.consent_cookie, cookie `{own}`"),
            json: serde_json::json!({
                "index": null,
                "format": SourceFormat::CookieCharter.as_str(),
                "cookie": own,
                "problem": problem,
            }),
        };
    }
    DecidedBy {
        text: "none (the request holds no consent source's cookie)".to_owned(),
        json: serde_json::Value::Null,
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn read(path: &Path) -> Result<String, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    Policy::text_of(&bytes)
        .map(str::to_owned)
        .map_err(|e| format!("{}: error[{}]: {e}", path.display(), e.code()))
}

fn parse(path: &Path, text: &str) -> Result<Policy, cookie_charter::Error> {
    match PolicyFormat::of_path(path) {
        PolicyFormat::Toml => Policy::from_toml(text),
        PolicyFormat::Json => Policy::from_json(text),
    }
}

fn load(path: &Path) -> Result<Policy, String> {
    let text = read(path)?;
    parse(path, &text).map_err(|e| format!("{}: error[{}]: {e}", path.display(), e.code()))
}

fn check(path: &Path, out: &mut impl Write) -> Result<ExitCode, String> {
    let text = read(path)?;
    match parse(path, &text) {
        Ok(policy) => {
            for (i, source) in policy.consent_sources().iter().enumerate() {
                writeln!(out, "{}: {}", path.display(), source_line(i, source))
                    .map_err(|e| e.to_string())?;
            }
            for warning in policy.warnings() {
                writeln!(
                    out,
                    "{}: warning[{}]: {warning}",
                    path.display(),
                    warning.code
                )
                .map_err(|e| e.to_string())?;
            }
            let sources = match policy.consent_sources().len() {
                0 => String::new(),
                n => format!(", {n} consent sources"),
            };
            writeln!(
                out,
                "{}: ok: {} cookies, {} purposes{sources}, {} warnings",
                path.display(),
                policy.cookies().len(),
                policy.purposes().len(),
                policy.warnings().len()
            )
            .map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            writeln!(out, "{}: error[{}]: {e}", path.display(), e.code())
                .map_err(|e| e.to_string())?;
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `consent source N: <format> reads <cookie>: <purpose> = <key> + <key>; ...`.
fn source_line(index: usize, source: &ConsentSource) -> String {
    let mapping: Vec<String> = source
        .purposes()
        .map(|(purpose, keys)| format!("{purpose} = {}", keys.join(" + ")))
        .collect();
    let mapping = if source.format() == SourceFormat::CookieCharter {
        "purposes by their ids".to_owned()
    } else {
        mapping.join("; ")
    };
    let revision = source
        .revision()
        .map(|r| format!(" (current revision `{r}`)"))
        .unwrap_or_default();
    format!(
        "consent source {index}: {} reads {}{revision}: {mapping}",
        source.format(),
        source_cookie(source)
    )
}

/// `name: allowed|denied (rule, purpose, state)`.
fn decision_text(name: &str, d: &Decision<'_>) -> String {
    let verdict = if d.allowed { "allowed" } else { "denied" };
    match (d.purpose, d.consent_state) {
        (Some(purpose), Some(state)) => {
            format!(
                "{name}: {verdict} (rule {}, purpose {purpose}, consent {state})",
                d.rule
            )
        }
        _ => format!("{name}: {verdict} (rule {})", d.rule),
    }
}

/// `{"cookie","allowed","rule","purpose","consent_state"}`.
pub fn decision_json(name: &str, d: &Decision<'_>) -> serde_json::Value {
    serde_json::json!({
        "cookie": name,
        "allowed": d.allowed,
        "rule": d.rule.as_str(),
        "purpose": d.purpose,
        "consent_state": d.consent_state.map(|s| s.as_str()),
    })
}

/// The arguments of `render`.
#[derive(Debug, Args)]
struct RenderArgs {
    /// The policy file (.toml or .json).
    policy: PathBuf,
    /// The language of the page (absent: the policy's first language).
    #[arg(long)]
    lang: Option<String>,
    /// `markdown` or `html`.
    #[arg(long, default_value = "markdown", value_parser = parse_format)]
    format: cookie_charter::Format,
}

fn parse_format(text: &str) -> Result<cookie_charter::Format, String> {
    cookie_charter::Format::parse(text)
        .ok_or_else(|| format!("`{text}` is not a format: use `markdown` or `html`"))
}

/// Prints the charter page in the language and format asked for.
fn render(args: &RenderArgs, out: &mut impl Write) -> Result<ExitCode, String> {
    let policy = load(&args.policy)?;
    let lang = match &args.lang {
        Some(lang) => lang.as_str(),
        None => policy.site().languages.first().map_or("en", String::as_str),
    };
    out.write_all(policy.render_charter(lang, args.format).as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
