//! Decisions: whether a cookie is allowed, and which rule of the charter said so (spec §3).

use std::fmt;

use crate::consent::ConsentState;

/// The rules of the charter, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// 1. No declaration matches the name: denied (fail closed).
    Undeclared,
    /// 2. The purpose is `necessary`: allowed whatever the consent.
    Necessary,
    /// 3. A third-party cookie: allowed only with consent for its purpose.
    ThirdParty,
    /// 4. Anonymous first-party statistics meeting the profile's conditions: allowed.
    AnonymousStatistics,
    /// 5. Everything else: allowed only with consent for its purpose.
    Consent,
}

impl Rule {
    /// The stable id: `undeclared`, `necessary`, `third_party`, `anonymous_statistics`, `consent`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Undeclared => "undeclared",
            Self::Necessary => "necessary",
            Self::ThirdParty => "third_party",
            Self::AnonymousStatistics => "anonymous_statistics",
            Self::Consent => "consent",
        }
    }

    /// Reads a rule id.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }

    /// Every rule, in the order they are tried.
    pub const ALL: [Rule; 5] = [
        Self::Undeclared,
        Self::Necessary,
        Self::ThirdParty,
        Self::AnonymousStatistics,
        Self::Consent,
    ];
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of [`Policy::decide`](crate::Policy::decide) for one cookie name.
///
/// `purpose` and `consent_state` are `None` only for [`Rule::Undeclared`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision<'p> {
    /// Whether the cookie may be set or read.
    pub allowed: bool,
    /// The rule that decided.
    pub rule: Rule,
    /// The purpose of the matching declaration.
    pub purpose: Option<&'p str>,
    /// The visitor's state for that purpose (always `granted` for `necessary`).
    pub consent_state: Option<ConsentState>,
}

impl Decision<'_> {
    /// The decision for a name no declaration matches.
    pub const UNDECLARED: Decision<'static> = Decision {
        allowed: false,
        rule: Rule::Undeclared,
        purpose: None,
        consent_state: None,
    };
}
