//! The auditor: observations in, findings out, judged with the policy's decision function.

use std::collections::hash_map::Entry;

use crate::decision::Decision;
use crate::lifetime::Lifetime;
use crate::party::Party;
use crate::policy::{CookieDecl, Policy, Profile};

use super::finding::{Code, Finding};
use super::observation::{Expiry, Observation, ObservedCookie, ObservedStorage, Subject, Writer};
use super::scenario::Scenario;

/// How many seconds a written lifetime may exceed its limit before it is a finding: an
/// `Expires` date is read against the collector's clock, not the server's.
pub const LIFETIME_TOLERANCE_SECS: u64 = 60;

/// Thirteen months of 30 days (spec §3).
const THIRTEEN_MONTHS: u64 = 13 * crate::lifetime::MONTH;

/// What [`audit`] found.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Policy;
/// # use cookie_charter::audit::{CookieWrite, Expiry, Observation, ObservedCookie, Subject, Writer};
/// # use cookie_charter::party::Party;
/// # let policy = Policy::from_toml(r#"
/// #     [site]
/// #     name = "Example"
/// #     url = "https://www.example.com"
/// #     consent_cookie = "consent"
/// #     [purposes.marketing]
/// #     label = "Marketing"
/// #     [[cookies]]
/// #     name = "_ad"
/// #     provider = "Ads"
/// #     service = "Ads"
/// #     purpose = "marketing"
/// #     description = "Ads"
/// #     lifetime = "30 days"
/// # "#)?;
/// # let scenarios = policy.audit_scenarios(1_700_000_000);
/// # // `_ad`, written by the site's server for a year, seen in the scenario `scenario`.
/// # let seen = |scenario: &str, name: &str| Observation {
/// #     scenario: scenario.into(),
/// #     after_withdrawal: false,
/// #     page: "https://www.example.com/".into(),
/// #     time_ms: 1_700_000_000_000,
/// #     subject: Subject::Cookie(ObservedCookie {
/// #         name: name.into(),
/// #         value_len: 8,
/// #         domain: "www.example.com".into(),
/// #         host_only: true,
/// #         path: "/".into(),
/// #         partition_key: None,
/// #         party: Party::First,
/// #         write: Some(CookieWrite {
/// #             writer: Writer::Http { response_url: "https://www.example.com/".into() },
/// #             line: format!("{name}=1; Max-Age=31536000"),
/// #             lifetime: Expiry::Seconds(31_536_000),
/// #             after_withdrawal: false,
/// #         }),
/// #         stored: Some(Expiry::Seconds(31_535_990)),
/// #     }),
/// # };
/// use cookie_charter::audit::{self, Code, Severity};
///
/// let observations = [seen("accept_all", "_ad"), seen("none", "_ad"), seen("someday", "_ad")];
/// let judged = audit::audit(&policy, &scenarios, &observations);
/// let codes: Vec<_> = judged.findings.iter().map(|f| (f.scenario.as_str(), f.code)).collect();
/// assert_eq!(codes, [
///     ("none", Code::WithoutConsent),
///     ("none", Code::LifetimeOverDeclared),
///     ("accept_all", Code::LifetimeOverDeclared),
/// ]);
/// assert_eq!(judged.findings[0].severity(), Severity::High);
/// assert_eq!(judged.unjudged, 1); // `someday` is no scenario of the audit
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Judged {
    /// The findings, ordered by scenario (in the order given), phase, name, then code.
    pub findings: Vec<Finding>,
    /// Observations of a scenario not among those given: not judged.
    pub unjudged: usize,
}

/// What makes two observations the same problem: one finding counts them both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key<'o> {
    code: Code,
    scenario: usize,
    after_withdrawal: bool,
    storage: bool,
    name: &'o str,
    place: &'o str,
    path: &'o str,
}

/// Judges `observations` against `policy`, each in the consent of its scenario (looked up by
/// id in `scenarios`, decided at the scenario's time).
///
/// Request observations are evidence only: they give no finding. A cookie whose observed
/// lifetime is zero or less is a deletion, not a presence: it gives none either.
///
/// # Examples
///
/// ```
/// # use cookie_charter::Policy;
/// # use cookie_charter::audit::{CookieWrite, Expiry, Observation, ObservedCookie, Subject, Writer};
/// # use cookie_charter::party::Party;
/// # let policy = Policy::from_toml(r#"
/// #     [site]
/// #     name = "Example"
/// #     url = "https://www.example.com"
/// #     consent_cookie = "consent"
/// #     [purposes.marketing]
/// #     label = "Marketing"
/// #     [[cookies]]
/// #     name = "_ad"
/// #     provider = "Ads"
/// #     service = "Ads"
/// #     purpose = "marketing"
/// #     description = "Ads"
/// #     lifetime = "30 days"
/// # "#)?;
/// # let scenarios = policy.audit_scenarios(1_700_000_000);
/// # // `_ad`, written by the site's server for a year, seen in the scenario `scenario`.
/// # let seen = |scenario: &str, name: &str| Observation {
/// #     scenario: scenario.into(),
/// #     after_withdrawal: false,
/// #     page: "https://www.example.com/".into(),
/// #     time_ms: 1_700_000_000_000,
/// #     subject: Subject::Cookie(ObservedCookie {
/// #         name: name.into(),
/// #         value_len: 8,
/// #         domain: "www.example.com".into(),
/// #         host_only: true,
/// #         path: "/".into(),
/// #         partition_key: None,
/// #         party: Party::First,
/// #         write: Some(CookieWrite {
/// #             writer: Writer::Http { response_url: "https://www.example.com/".into() },
/// #             line: format!("{name}=1; Max-Age=31536000"),
/// #             lifetime: Expiry::Seconds(31_536_000),
/// #             after_withdrawal: false,
/// #         }),
/// #         stored: Some(Expiry::Seconds(31_535_990)),
/// #     }),
/// # };
/// use cookie_charter::audit::{self, Code};
/// use cookie_charter::{ConsentState, Rule};
///
/// let observations = [seen("accept_all", "_ad"), seen("accept_all", "_other")];
/// let judged = audit::audit(&policy, &scenarios, &observations);
/// let over = &judged.findings[0];
/// assert_eq!((over.code, over.name.as_str()), (Code::LifetimeOverDeclared, "_ad"));
/// assert_eq!(over.declared.as_deref(), Some("1 month"));
/// assert_eq!(over.rule, Rule::Consent);
/// assert_eq!(over.consent_state, Some(ConsentState::Granted));
/// assert_eq!(over.occurrences, 1);
/// assert_eq!(judged.findings[1].code, Code::Undeclared);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
pub fn audit(policy: &Policy, scenarios: &[Scenario], observations: &[Observation]) -> Judged {
    let mut judged = Judged::default();
    let mut seen: foldhash::HashMap<Key<'_>, usize> = foldhash::HashMap::default();
    // Observations of one scenario usually come together: remember the last lookup.
    let mut last: Option<(&str, usize)> = None;
    let mut codes = Vec::with_capacity(8);
    for observation in observations {
        let index = match last {
            Some((id, i)) if id == observation.scenario => i,
            _ => match scenarios.iter().position(|s| s.id == observation.scenario) {
                Some(i) => {
                    last = Some((observation.scenario.as_str(), i));
                    i
                }
                None => {
                    judged.unjudged += 1;
                    continue;
                }
            },
        };
        let Some(scenario) = scenarios.get(index) else {
            continue;
        };
        codes.clear();
        let (name, place, path, storage) = match &observation.subject {
            Subject::Cookie(cookie) => {
                judge_cookie(policy, scenario, observation, cookie, &mut codes);
                (
                    cookie.name.as_str(),
                    cookie.domain.as_str(),
                    cookie.path.as_str(),
                    false,
                )
            }
            Subject::Storage(item) => {
                judge_storage(policy, scenario, observation, item, &mut codes);
                (
                    item.key.as_str(),
                    item.origin.as_str(),
                    item.area.as_str(),
                    true,
                )
            }
            Subject::Request(_) => continue,
        };
        for &code in &codes {
            let key = Key {
                code,
                scenario: index,
                after_withdrawal: observation.after_withdrawal,
                storage,
                name,
                place,
                path,
            };
            match seen.entry(key) {
                Entry::Occupied(slot) => {
                    if let Some(finding) = judged.findings.get_mut(*slot.get()) {
                        finding.occurrences = finding.occurrences.saturating_add(1);
                    }
                }
                Entry::Vacant(slot) => {
                    slot.insert(judged.findings.len());
                    judged
                        .findings
                        .push(describe(policy, scenario, observation, code));
                }
            }
        }
    }
    let order = |id: &str| scenarios.iter().position(|s| s.id == id);
    judged.findings.sort_by(|a, b| {
        (order(&a.scenario), a.after_withdrawal, &a.name, a.code)
            .cmp(&(order(&b.scenario), b.after_withdrawal, &b.name, b.code))
            .then_with(|| place_of(a).cmp(&place_of(b)))
    });
    judged
}

/// The domain and path (or origin and area) of a finding's evidence, to order equal names.
fn place_of(finding: &Finding) -> (&str, &str) {
    match &finding.evidence.subject {
        Subject::Cookie(c) => (c.domain.as_str(), c.path.as_str()),
        Subject::Storage(s) => (s.origin.as_str(), s.area.as_str()),
        Subject::Request(r) => (r.host.as_str(), ""),
    }
}

/// The consent findings of a name: `undeclared`, or `without_consent`/`not_purged` when the
/// scenario's consent denies it. Returns the declaration when there is one.
fn judge_consent<'p>(
    policy: &'p Policy,
    scenario: &Scenario,
    observation: &Observation,
    name: &str,
    written_after_withdrawal: bool,
    codes: &mut Vec<Code>,
) -> Option<&'p CookieDecl> {
    let Some(declaration) = policy.declaration(name) else {
        codes.push(Code::Undeclared);
        return None;
    };
    let consent = scenario.consent_in(observation.after_withdrawal);
    if !policy.decide(name, consent, scenario.at).allowed {
        codes.push(
            if observation.after_withdrawal && !written_after_withdrawal {
                Code::NotPurged
            } else {
                Code::WithoutConsent
            },
        );
    }
    Some(declaration)
}

/// The lifetime of `cookie` to judge, in seconds: `None` for a session cookie, a deletion, or
/// the collector's own write.
fn judged_lifetime(cookie: &ObservedCookie) -> Option<u64> {
    if cookie
        .write
        .as_ref()
        .is_some_and(|w| w.writer == Writer::Collector)
    {
        return None;
    }
    match cookie.lifetime() {
        Some(Expiry::Seconds(s)) if s > 0 => u64::try_from(s).ok(),
        _ => None,
    }
}

/// Whether a lifetime of `seconds` exceeds the declared one.
fn over_declared(declared: Lifetime, seconds: u64) -> bool {
    match declared {
        Lifetime::Session => true,
        Lifetime::Seconds(limit) => seconds > limit.saturating_add(LIFETIME_TOLERANCE_SECS),
    }
}

/// Whether the 13-month cap applies to the cookie `name` under `policy`.
fn capped(policy: &Policy, name: &str) -> bool {
    policy.site.profile == Profile::Cnil || name == policy.site.consent_cookie
}

fn judge_cookie(
    policy: &Policy,
    scenario: &Scenario,
    observation: &Observation,
    cookie: &ObservedCookie,
    codes: &mut Vec<Code>,
) {
    if matches!(cookie.lifetime(), Some(Expiry::Seconds(s)) if s <= 0) {
        return;
    }
    let written_after = cookie.write.as_ref().is_some_and(|w| w.after_withdrawal);
    let Some(declaration) = judge_consent(
        policy,
        scenario,
        observation,
        &cookie.name,
        written_after,
        codes,
    ) else {
        return;
    };
    if let Some(seconds) = judged_lifetime(cookie) {
        if over_declared(declaration.lifetime, seconds) {
            codes.push(Code::LifetimeOverDeclared);
        }
        if capped(policy, &cookie.name) && seconds > THIRTEEN_MONTHS + LIFETIME_TOLERANCE_SECS {
            codes.push(Code::LifetimeOver13Months);
        }
    }
    if declaration.party != cookie.party {
        codes.push(Code::WrongParty);
    }
    if let Some(domain) = &declaration.domain {
        if !domain_matches(&cookie.domain, domain) {
            codes.push(Code::WrongDomain);
        }
    }
    if let Some(path) = &declaration.path {
        if !path_matches(&cookie.path, path) {
            codes.push(Code::WrongPath);
        }
    }
}

fn judge_storage(
    policy: &Policy,
    scenario: &Scenario,
    observation: &Observation,
    item: &ObservedStorage,
    codes: &mut Vec<Code>,
) {
    let Some(declaration) = judge_consent(
        policy,
        scenario,
        observation,
        &item.key,
        item.written_after_withdrawal,
        codes,
    ) else {
        return;
    };
    if declaration.party != item.party {
        codes.push(Code::WrongParty);
    }
}

/// The finding of `code` for `observation`, with its words: made once per distinct finding.
fn describe(
    policy: &Policy,
    scenario: &Scenario,
    observation: &Observation,
    code: Code,
) -> Finding {
    let (what, name, party, lifetime, domain, path) = match &observation.subject {
        Subject::Cookie(c) => (
            "cookie",
            c.name.as_str(),
            c.party,
            judged_lifetime(c),
            c.domain.as_str(),
            c.path.as_str(),
        ),
        Subject::Storage(s) => (
            match s.area {
                super::StorageArea::Local => "localStorage key",
                super::StorageArea::Session => "sessionStorage key",
            },
            s.key.as_str(),
            s.party,
            None,
            s.origin.as_str(),
            "",
        ),
        Subject::Request(r) => ("request", r.host.as_str(), Party::Third, None, "", ""),
    };
    let decision = policy.decide(
        name,
        scenario.consent_in(observation.after_withdrawal),
        scenario.at,
    );
    let declaration = policy.declaration(name);
    let purpose = decision.purpose.unwrap_or("none");
    let state = state_text(&decision);
    let shown = lifetime.map(|s| Lifetime::Seconds(s).to_string());
    let declared_lifetime = declaration.map(|d| d.lifetime.to_string());
    let (declared, observed, message) = match code {
        Code::Undeclared => (
            None,
            None,
            format!("{what} `{name}` is not declared in the policy"),
        ),
        Code::WithoutConsent => (
            Some(purpose.to_owned()),
            Some(state.to_owned()),
            format!(
                "{what} `{name}` ({purpose}) is present although the consent does not allow it (rule {}, consent {state})",
                decision.rule
            ),
        ),
        Code::NotPurged => (
            Some(purpose.to_owned()),
            Some(state.to_owned()),
            format!(
                "{what} `{name}` ({purpose}) is still present after consent was withdrawn (consent {state})"
            ),
        ),
        Code::LifetimeOverDeclared => (
            declared_lifetime.clone(),
            shown.clone(),
            format!(
                "{what} `{name}` lives {}, longer than its declared {}",
                shown.as_deref().unwrap_or("?"),
                declared_lifetime.as_deref().unwrap_or("?")
            ),
        ),
        Code::LifetimeOver13Months => (
            Some("13 months".to_owned()),
            shown.clone(),
            format!(
                "{what} `{name}` lives {}, longer than 13 months",
                shown.as_deref().unwrap_or("?")
            ),
        ),
        Code::WrongParty => {
            let declared = declaration.map_or(Party::First, |d| d.party);
            (
                Some(declared.to_string()),
                Some(party.to_string()),
                format!("{what} `{name}` is declared {declared} party but was set {party} party"),
            )
        }
        Code::WrongDomain => {
            let declared = declaration.and_then(|d| d.domain.clone());
            let message = format!(
                "{what} `{name}` is stored for `{domain}`, outside its declared domain `{}`",
                declared.as_deref().unwrap_or("")
            );
            (declared, Some(domain.to_owned()), message)
        }
        Code::WrongPath => {
            let declared = declaration.and_then(|d| d.path.clone());
            let message = format!(
                "{what} `{name}` is stored for path `{path}`, outside its declared path `{}`",
                declared.as_deref().unwrap_or("")
            );
            (declared, Some(path.to_owned()), message)
        }
    };
    Finding {
        code,
        scenario: scenario.id.clone(),
        after_withdrawal: observation.after_withdrawal,
        name: name.to_owned(),
        rule: decision.rule,
        purpose: decision.purpose.map(str::to_owned),
        consent_state: decision.consent_state,
        declared,
        observed,
        message,
        evidence: observation.clone(),
        occurrences: 1,
    }
}

fn state_text(decision: &Decision<'_>) -> &'static str {
    decision.consent_state.map_or("none", |s| s.as_str())
}

/// Whether a cookie stored for `domain` is within the declared `declared` domain: the same
/// host or one of its subdomains.
fn domain_matches(domain: &str, declared: &str) -> bool {
    let domain = domain.strip_prefix('.').unwrap_or(domain);
    domain.eq_ignore_ascii_case(declared)
        || domain
            .len()
            .checked_sub(declared.len() + 1)
            .and_then(|cut| domain.get(cut..))
            .and_then(|tail| tail.strip_prefix('.'))
            .is_some_and(|tail| tail.eq_ignore_ascii_case(declared))
}

/// Whether the cookie path `path` is within `declared` (RFC 6265 path-match: the same path, or
/// one below it).
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::path_matches;
///
/// assert!(path_matches("/app", "/app"));
/// assert!(path_matches("/app/cart", "/app"));
/// assert!(path_matches("/app/cart", "/app/"));
/// assert!(!path_matches("/application", "/app"));
/// assert!(!path_matches("/", "/app"));
/// ```
pub fn path_matches(path: &str, declared: &str) -> bool {
    if path == declared {
        return true;
    }
    path.strip_prefix(declared)
        .is_some_and(|rest| declared.ends_with('/') || rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_match_the_host_and_below() {
        assert!(domain_matches("ads.example.net", "ads.example.net"));
        assert!(domain_matches(".x.ads.example.net", "ads.example.net"));
        assert!(domain_matches("ADS.example.net", "ads.example.net"));
        assert!(!domain_matches("example.net", "ads.example.net"));
        assert!(!domain_matches("badads.example.net", "ads.example.net"));
        assert!(!domain_matches("net", "ads.example.net"));
    }

    #[test]
    fn paths_match_as_browsers_do() {
        assert!(path_matches("/app", "/app"));
        assert!(path_matches("/app/x", "/app"));
        assert!(path_matches("/app/x", "/app/"));
        assert!(path_matches("/anything", "/"));
        assert!(!path_matches("/apple", "/app"));
        assert!(!path_matches("/", "/app"));
    }
}
