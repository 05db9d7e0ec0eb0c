//! Findings: what the auditor found wrong, each with the observation that proves it.

use std::fmt;

use crate::consent::ConsentState;
use crate::decision::Rule;

use super::observation::Observation;

/// The stable codes of findings (spec §12).
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{Code, Severity};
///
/// assert_eq!(Code::parse("not_purged"), Some(Code::NotPurged));
/// assert_eq!(Code::WrongPath.as_str(), "wrong_path");
/// assert_eq!(Code::Undeclared.severity(), Severity::Medium);
/// assert_eq!(Code::WithoutConsent.to_string(), "without_consent");
/// assert_eq!(Code::parse("other"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// No declaration matches the cookie or storage key.
    Undeclared,
    /// Present in a scenario whose consent does not allow it.
    WithoutConsent,
    /// Still present after the withdrawal of the `withdraw` scenario, not written again.
    NotPurged,
    /// Written to live longer than its declared lifetime.
    LifetimeOverDeclared,
    /// Written to live longer than 13 months (`cnil` profile, or the consent cookie).
    LifetimeOver13Months,
    /// Declared first party and observed third, or the reverse.
    WrongParty,
    /// Stored for a domain outside the declared one.
    WrongDomain,
    /// Stored for a path outside the declared one.
    WrongPath,
}

impl Code {
    /// Every code, in the order findings of one subject are listed.
    pub const ALL: [Code; 8] = [
        Self::Undeclared,
        Self::WithoutConsent,
        Self::NotPurged,
        Self::LifetimeOverDeclared,
        Self::LifetimeOver13Months,
        Self::WrongParty,
        Self::WrongDomain,
        Self::WrongPath,
    ];

    /// The stable id: `undeclared`, `without_consent`, `not_purged`, `lifetime_over_declared`,
    /// `lifetime_over_13_months`, `wrong_party`, `wrong_domain` or `wrong_path`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Undeclared => "undeclared",
            Self::WithoutConsent => "without_consent",
            Self::NotPurged => "not_purged",
            Self::LifetimeOverDeclared => "lifetime_over_declared",
            Self::LifetimeOver13Months => "lifetime_over_13_months",
            Self::WrongParty => "wrong_party",
            Self::WrongDomain => "wrong_domain",
            Self::WrongPath => "wrong_path",
        }
    }

    /// Reads a code id.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// How serious a finding of this code is.
    pub const fn severity(self) -> Severity {
        match self {
            Self::WithoutConsent | Self::NotPurged => Severity::High,
            Self::Undeclared
            | Self::WrongParty
            | Self::LifetimeOverDeclared
            | Self::LifetimeOver13Months => Severity::Medium,
            Self::WrongDomain | Self::WrongPath => Severity::Low,
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is; `--fail-on` compares with it.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{Code, Severity};
///
/// assert_eq!(Severity::parse("high"), Some(Severity::High));
/// assert_eq!(Severity::Low.as_str(), "low");
/// assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
/// assert_eq!(Severity::parse("critical"), None);
/// assert_eq!(Code::WrongDomain.severity(), Severity::Low);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// A declaration that does not describe what the site does (domain, path).
    Low,
    /// A charter that is incomplete or wrong (undeclared, party, lifetime).
    Medium,
    /// A cookie or key stored without the visitor's consent, or kept after its withdrawal.
    High,
}

impl Severity {
    /// The stable id: `low`, `medium` or `high`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// Reads a severity id.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong, with the decision behind it and the observation that proves it.
///
/// The same problem seen several times (on several pages of a scenario) is one finding whose
/// `evidence` is the first observation and whose `occurrences` counts them all.
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
/// let observations = [seen("refuse_all", "_ad"), seen("refuse_all", "_ad")];
/// let judged = audit::audit(&policy, &scenarios, &observations);
/// let finding = &judged.findings[0];
/// assert_eq!(finding.code, Code::WithoutConsent);
/// assert_eq!(finding.severity(), Severity::High);
/// assert_eq!(finding.purpose.as_deref(), Some("marketing"));
/// assert_eq!(finding.occurrences, 2); // one finding for the same problem seen twice
/// assert_eq!(finding.evidence.scenario, "refuse_all");
/// assert!(!finding.after_withdrawal);
/// assert!(!finding.message.is_empty());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub code: Code,
    /// The scenario it was found in.
    pub scenario: String,
    /// Found after the withdrawal of the `withdraw` scenario.
    pub after_withdrawal: bool,
    /// The cookie name or storage key.
    pub name: String,
    /// The rule that decided for the name (`undeclared` when none matches).
    pub rule: Rule,
    /// The purpose of the matching declaration.
    pub purpose: Option<String>,
    /// The scenario's consent state for that purpose.
    pub consent_state: Option<ConsentState>,
    /// What the policy declares, in its own words (`13 months`, `first`, `/app`...).
    pub declared: Option<String>,
    /// What was observed, in the same words.
    pub observed: Option<String>,
    /// The finding in one sentence.
    pub message: String,
    /// The first observation that proves it.
    pub evidence: Observation,
    /// How many observations prove it.
    pub occurrences: u32,
}

impl Finding {
    /// The severity of its code.
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }
}
