//! Decisions: whether a cookie is allowed, and which rule of the charter said so (spec §3).

use std::fmt;

use crate::consent::ConsentState;

/// The rules of the charter, in the order they are tried.
///
/// # Examples
///
/// ```
/// use cookie_charter::Rule;
///
/// assert_eq!(Rule::ThirdParty.as_str(), "third_party");
/// assert_eq!(Rule::parse("anonymous_statistics"), Some(Rule::AnonymousStatistics));
/// assert_eq!(Rule::parse("other"), None);
/// assert_eq!(Rule::ALL[0], Rule::Undeclared);
/// assert_eq!(Rule::Consent.to_string(), "consent");
/// ```
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
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, ConsentState, Decision, Rule};
///
/// # let policy = cookie_charter::Policy::from_toml(r#"
/// # [site]
/// # name = "Example"
/// # url = "https://www.example.com"
/// # consent_cookie = "consent"
/// # [purposes.marketing]
/// # label = "Marketing"
/// # [purposes.preferences]
/// # label = "Preferences"
/// # [[cookies]]
/// # name = "consent"
/// # provider = "Example"
/// # service = "Consent banner"
/// # purpose = "necessary"
/// # description = "Remembers your choice"
/// # lifetime = "6 months"
/// # [[cookies]]
/// # name = "_pk_id"
/// # provider = "Example"
/// # service = "Matomo"
/// # purpose = "statistics"
/// # description = "Counts visits"
/// # lifetime = "13 months"
/// # anonymous = true
/// # [[cookies]]
/// # name = "theme"
/// # provider = "Example"
/// # service = "Site"
/// # purpose = "preferences"
/// # description = "Remembers the theme"
/// # lifetime = "1 year"
/// # [[cookies]]
/// # name = "_ad_*"
/// # provider = "Ads Inc."
/// # service = "Advertising"
/// # purpose = "marketing"
/// # description = "Tracks you"
/// # lifetime = "13 months"
/// # domain = "ads.example.net"
/// # "#)?;
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=1");
/// let decision = policy.decide("_ad_id", &consent, 1_700_000_100);
/// assert_eq!(decision, Decision {
///     allowed: true,
///     rule: Rule::ThirdParty,
///     purpose: Some("marketing"),
///     consent_state: Some(ConsentState::Granted),
/// });
/// assert_eq!(policy.decide("_unknown", &consent, 1_700_000_100), Decision::UNDECLARED);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
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
