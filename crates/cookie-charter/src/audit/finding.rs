//! Findings: what the auditor found wrong, each with the observation that proves it.

use std::fmt;

use crate::consent::ConsentState;
use crate::decision::Rule;

use super::observation::Observation;

/// The stable codes of findings (spec §12).
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
