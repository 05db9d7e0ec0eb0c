//! The report: a versioned JSON document (its schema is documented in `docs/audit.md`), built
//! from the policy, the scenarios, the observations and the auditor's findings.

use std::path::Path;

use cookie_charter::Policy;
use cookie_charter::audit::{
    self, Expiry, Finding, Observation, Scenario, Severity, Subject, Writer,
};
use serde::{Deserialize, Serialize};

use crate::allow::AllowList;
use crate::error::{Error, Result};
use crate::hints::{self, Hint};
use crate::time::format_rfc3339_ms;

/// The `format` of every report.
pub const REPORT_FORMAT: &str = "cookie-charter-audit";
/// The schema version this program writes; it reads this one and older ones.
pub const REPORT_VERSION: u32 = 1;

/// A report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always `cookie-charter-audit`.
    pub format: String,
    /// The schema version.
    pub version: u32,
    /// Whether every scenario was visited to the end (a failed scan writes no report).
    pub complete: bool,
    /// The program that wrote it: `cookie-charter <version>`.
    pub generator: String,
    /// When it was written (RFC 3339).
    pub created: String,
    /// The policy judged against.
    pub policy: PolicyInfo,
    /// How the observations were collected.
    pub collector: CollectorInfo,
    /// The lowest severity that fails the run (`low`, `medium`, `high`, or `never`).
    pub fail_on: String,
    /// The scenarios, in order.
    pub scenarios: Vec<ScenarioInfo>,
    /// Counts.
    pub summary: Summary,
    /// The findings, by scenario, then name, then code.
    pub findings: Vec<FindingEntry>,
    /// Every observation, in the order collected.
    pub observations: Vec<ObservationEntry>,
}

/// The policy a report judged against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyInfo {
    /// The site's name (in its first language).
    pub site: String,
    /// The site's URL.
    pub url: String,
    /// The policy revision.
    pub revision: u64,
    /// `charter` or `cnil`.
    pub profile: String,
    /// The consent cookie's name.
    pub consent_cookie: String,
}

/// How the observations were collected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectorInfo {
    /// `har` or `browser`.
    pub kind: String,
    /// The HAR file, or the URLs visited first.
    pub sources: Vec<String>,
    /// The browser's product and version, for `browser`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub browser: Option<String>,
    /// The browser's third-party cookie setting, pinned for the scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party_cookies: Option<String>,
    /// What this collector cannot see.
    #[serde(default)]
    pub blind_spots: Vec<String>,
}

/// One scenario of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Its id.
    pub id: String,
    /// The consent cookie value written before the first navigation (none for `none`).
    pub consent: Option<String>,
    /// For `withdraw`: the value written before reloading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_consent: Option<String>,
    /// The pages visited, in order.
    pub pages: Vec<String>,
}

/// The counts of a report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Findings not accepted by the allow-list.
    pub findings: usize,
    /// Findings the allow-list accepts.
    pub accepted: usize,
    /// Findings not accepted, by severity.
    pub high: usize,
    /// See `high`.
    pub medium: usize,
    /// See `high`.
    pub low: usize,
    /// Whether a finding not accepted is at or above `fail_on` (exit status 1).
    pub failed: bool,
}

/// A finding in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindingEntry {
    /// Its stable code.
    pub code: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Its scenario.
    pub scenario: String,
    /// Found after the withdrawal of `withdraw`.
    pub after_withdrawal: bool,
    /// `cookie` or `storage`.
    pub kind: String,
    /// The cookie name or storage key.
    pub name: String,
    /// The rule that decided.
    pub rule: String,
    /// The purpose of its declaration.
    pub purpose: Option<String>,
    /// The scenario's consent state for that purpose.
    pub consent_state: Option<String>,
    /// What the policy declares.
    pub declared: Option<String>,
    /// What was observed.
    pub observed: Option<String>,
    /// The finding in one sentence.
    pub message: String,
    /// How many observations prove it.
    pub occurrences: u32,
    /// The reason of the allow-list entry that accepts it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
    /// For `undeclared`: what known-cookie data suggests (never a decision).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<Hint>,
    /// The first observation that proves it.
    pub evidence: ObservationEntry,
}

impl FindingEntry {
    /// Its severity.
    pub fn severity(&self) -> Option<Severity> {
        Severity::parse(&self.severity)
    }
}

/// A lifetime in a report: `"session"` or seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LifetimeEntry {
    /// Seconds.
    Seconds(i64),
    /// `"session"`.
    Session(SessionTag),
}

/// The word `session`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionTag {
    /// `session`.
    #[serde(rename = "session")]
    Session,
}

impl From<Expiry> for LifetimeEntry {
    fn from(e: Expiry) -> Self {
        match e {
            Expiry::Session => Self::Session(SessionTag::Session),
            Expiry::Seconds(s) => Self::Seconds(s),
        }
    }
}

impl std::fmt::Display for LifetimeEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Self::Session(_) => f.write_str("session"),
            Self::Seconds(s) if s <= 0 => write!(f, "deleted ({s} s)"),
            Self::Seconds(s) => {
                let s = u64::try_from(s).unwrap_or_default();
                write!(f, "{}", cookie_charter::Lifetime::Seconds(s))
            }
        }
    }
}

/// An observation in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationEntry {
    /// Its scenario.
    pub scenario: String,
    /// Seen after the withdrawal of `withdraw`.
    pub after_withdrawal: bool,
    /// The top-level page.
    pub page: String,
    /// When (RFC 3339).
    pub time: String,
    /// What was seen.
    pub subject: SubjectEntry,
}

/// What an observation is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SubjectEntry {
    /// A cookie.
    Cookie {
        /// Its name.
        name: String,
        /// The length of its value.
        value_len: usize,
        /// Its domain (no leading dot); empty when unknown (a cookie a HAR request sent).
        domain: String,
        /// Host-only.
        host_only: bool,
        /// Its path; empty when unknown.
        path: String,
        /// The top-level site of a partitioned cookie.
        partition_key: Option<String>,
        /// `first` or `third`.
        party: String,
        /// The last write seen.
        write: Option<WriteEntry>,
        /// The remaining lifetime as stored.
        stored_lifetime: Option<LifetimeEntry>,
    },
    /// A web storage key.
    Storage {
        /// `local` or `session`.
        area: String,
        /// The origin of its frame.
        origin: String,
        /// The URL of its frame.
        frame: String,
        /// The key.
        key: String,
        /// The length of its value.
        value_len: usize,
        /// `first` or `third`.
        party: String,
        /// Written after the withdrawal.
        written_after_withdrawal: bool,
    },
    /// A request to another site.
    Request {
        /// The URL.
        url: String,
        /// Its host.
        host: String,
        /// What the browser fetched it as.
        resource_type: Option<String>,
    },
}

/// A cookie write in a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteEntry {
    /// `http`, `script` or `collector`.
    pub by: String,
    /// The response URL or the script URL.
    pub url: Option<String>,
    /// The script's stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// The raw `Set-Cookie` line or `document.cookie` string.
    pub line: String,
    /// The lifetime as written.
    pub lifetime: LifetimeEntry,
    /// Written after the withdrawal.
    pub after_withdrawal: bool,
}

impl From<&Observation> for ObservationEntry {
    fn from(o: &Observation) -> Self {
        let subject = match &o.subject {
            Subject::Cookie(c) => SubjectEntry::Cookie {
                name: c.name.clone(),
                value_len: c.value_len,
                domain: c.domain.clone(),
                host_only: c.host_only,
                path: c.path.clone(),
                partition_key: c.partition_key.clone(),
                party: c.party.to_string(),
                write: c.write.as_ref().map(|w| {
                    let (by, url, stack) = match &w.writer {
                        Writer::Http { response_url } => ("http", Some(response_url.clone()), None),
                        Writer::Script { script_url, stack } => {
                            ("script", Some(script_url.clone()), stack.clone())
                        }
                        Writer::Collector => ("collector", None, None),
                    };
                    WriteEntry {
                        by: by.to_owned(),
                        url,
                        stack,
                        line: w.line.clone(),
                        lifetime: w.lifetime.into(),
                        after_withdrawal: w.after_withdrawal,
                    }
                }),
                stored_lifetime: c.stored.map(Into::into),
            },
            Subject::Storage(s) => SubjectEntry::Storage {
                area: s.area.as_str().to_owned(),
                origin: s.origin.clone(),
                frame: s.frame.clone(),
                key: s.key.clone(),
                value_len: s.value_len,
                party: s.party.to_string(),
                written_after_withdrawal: s.written_after_withdrawal,
            },
            Subject::Request(r) => SubjectEntry::Request {
                url: r.url.clone(),
                host: r.host.clone(),
                resource_type: r.resource_type.clone(),
            },
        };
        Self {
            scenario: o.scenario.clone(),
            after_withdrawal: o.after_withdrawal,
            page: o.page.clone(),
            time: format_rfc3339_ms(o.time_ms),
            subject,
        }
    }
}

impl SubjectEntry {
    /// `cookie`, `storage` or `request`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Cookie { .. } => "cookie",
            Self::Storage { .. } => "storage",
            Self::Request { .. } => "request",
        }
    }

    /// The name, key or host.
    pub fn name(&self) -> &str {
        match self {
            Self::Cookie { name, .. } => name,
            Self::Storage { key, .. } => key,
            Self::Request { host, .. } => host,
        }
    }

    /// Where it is: a cookie's domain and path, a key's area and origin, a request's URL.
    pub fn place(&self) -> String {
        match self {
            Self::Cookie { domain, path, .. } => format!("{domain}{path}"),
            Self::Storage { area, origin, .. } => format!("{area} {origin}"),
            Self::Request { url, .. } => url.clone(),
        }
    }
}

/// The lowest severity that fails a run, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    /// Findings at or above this severity fail.
    At(Severity),
    /// No finding fails.
    Never,
}

impl FailOn {
    /// Reads `low`, `medium`, `high` or `never`.
    pub fn parse(text: &str) -> Option<Self> {
        if text == "never" {
            return Some(Self::Never);
        }
        Severity::parse(text).map(Self::At)
    }

    /// Its id.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::At(s) => s.as_str(),
            Self::Never => "never",
        }
    }

    /// Whether a finding of `severity` fails.
    pub fn fails(self, severity: Severity) -> bool {
        matches!(self, Self::At(at) if severity >= at)
    }
}

/// Everything a report is built from.
pub struct Inputs<'a> {
    /// The policy.
    pub policy: &'a Policy,
    /// The scenarios, in order, with the pages visited in each.
    pub scenarios: &'a [(Scenario, Vec<String>)],
    /// The observations.
    pub observations: &'a [Observation],
    /// How they were collected.
    pub collector: CollectorInfo,
    /// The allow-list.
    pub allow: &'a AllowList,
    /// What fails the run.
    pub fail_on: FailOn,
    /// Now, in unix milliseconds.
    pub now_ms: u64,
}

/// Judges the observations and builds the report.
pub fn build(inputs: Inputs<'_>) -> Report {
    let policy = inputs.policy;
    let scenarios: Vec<Scenario> = inputs.scenarios.iter().map(|(s, _)| s.clone()).collect();
    let judged = audit::audit(policy, &scenarios, inputs.observations);
    let findings: Vec<FindingEntry> = judged
        .findings
        .iter()
        .map(|f| finding_entry(f, inputs.allow))
        .collect();
    let mut summary = Summary::default();
    for f in &findings {
        if f.accepted.is_some() {
            summary.accepted += 1;
            continue;
        }
        summary.findings += 1;
        match f.severity() {
            Some(Severity::High) => summary.high += 1,
            Some(Severity::Medium) => summary.medium += 1,
            Some(Severity::Low) | None => summary.low += 1,
        }
        if f.severity().is_some_and(|s| inputs.fail_on.fails(s)) {
            summary.failed = true;
        }
    }
    let site = policy.site();
    let lang = site.languages.first().map_or("en", String::as_str);
    Report {
        format: REPORT_FORMAT.to_owned(),
        version: REPORT_VERSION,
        complete: true,
        generator: format!("cookie-charter {}", env!("CARGO_PKG_VERSION")),
        created: format_rfc3339_ms(inputs.now_ms),
        policy: PolicyInfo {
            site: site
                .name
                .get(lang, &site.languages)
                .map_or_else(String::new, |l| l.text.to_owned()),
            url: site.url.clone(),
            revision: site.revision,
            profile: site.profile.to_string(),
            consent_cookie: site.consent_cookie.clone(),
        },
        collector: inputs.collector,
        fail_on: inputs.fail_on.as_str().to_owned(),
        scenarios: inputs
            .scenarios
            .iter()
            .map(|(s, pages)| ScenarioInfo {
                id: s.id.clone(),
                consent: s.consent_cookie(),
                withdrawn_consent: s.withdrawn.as_ref().map(cookie_charter::Consent::to_cookie),
                pages: pages.clone(),
            })
            .collect(),
        summary,
        findings,
        observations: inputs.observations.iter().map(Into::into).collect(),
    }
}

fn finding_entry(f: &Finding, allow: &AllowList) -> FindingEntry {
    let kind = match f.evidence.subject {
        Subject::Storage(_) => "storage",
        _ => "cookie",
    };
    let hints = if f.code == audit::Code::Undeclared {
        hints::for_name(&f.name)
    } else {
        Vec::new()
    };
    FindingEntry {
        code: f.code.as_str().to_owned(),
        severity: f.severity().as_str().to_owned(),
        scenario: f.scenario.clone(),
        after_withdrawal: f.after_withdrawal,
        kind: kind.to_owned(),
        name: f.name.clone(),
        rule: f.rule.as_str().to_owned(),
        purpose: f.purpose.clone(),
        consent_state: f.consent_state.map(|s| s.as_str().to_owned()),
        declared: f.declared.clone(),
        observed: f.observed.clone(),
        message: f.message.clone(),
        occurrences: f.occurrences,
        accepted: allow.accepts(f).map(str::to_owned),
        hints,
        evidence: (&f.evidence).into(),
    }
}

impl Report {
    /// The exit status of the run: 1 when it failed (a finding at or above `fail_on`), else 0.
    pub fn exit_status(&self) -> u8 {
        u8::from(self.summary.failed)
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }

    /// Reads a report file; one of a newer schema version is refused.
    pub fn read(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            action: "read",
            path: shown.clone(),
            source,
        })?;
        Self::parse(&bytes, &shown)
    }

    /// Reads report bytes; `path` names them in errors.
    pub fn parse(bytes: &[u8], path: &str) -> Result<Self> {
        let malformed = |why: String| Error::MalformedReport {
            path: path.to_owned(),
            why,
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        if value.get("format").and_then(serde_json::Value::as_str) != Some(REPORT_FORMAT) {
            return Err(malformed(format!("its `format` is not `{REPORT_FORMAT}`")));
        }
        let version = value
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| malformed("no numeric `version`".to_owned()))?;
        if version > u64::from(REPORT_VERSION) || version == 0 {
            return Err(Error::UnsupportedVersion {
                path: path.to_owned(),
                version: version.to_string(),
                supported: format!("report versions 1 to {REPORT_VERSION}"),
            });
        }
        serde_json::from_value(value).map_err(|e| malformed(e.to_string()))
    }
}
