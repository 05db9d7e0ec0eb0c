//! Scenarios: the consent states an audit visits a site in (spec §12).

use crate::consent::{Choice, Consent};
use crate::policy::Policy;
use crate::purpose::PurposeId;

/// The id of the scenario without any choice.
pub const NONE: &str = "none";
/// The id of the scenario that refuses every purpose.
pub const REFUSE_ALL: &str = "refuse_all";
/// The id of the scenario that accepts every purpose.
pub const ACCEPT_ALL: &str = "accept_all";
/// The id of the scenario that accepts every purpose, then refuses them all and reloads.
pub const WITHDRAW: &str = "withdraw";
/// The prefix of the scenarios that accept one purpose only (`only_<purpose>`).
pub const ONLY_PREFIX: &str = "only_";

/// One consent state to visit the site in, in a fresh browser profile.
///
/// # Examples
///
/// ```
/// use cookie_charter::audit::{ACCEPT_ALL, NONE, Scenario, WITHDRAW};
/// use cookie_charter::{Choice, Consent, Policy};
///
/// let policy = Policy::from_toml(r#"
///     [site]
///     name = "Example"
///     url = "https://www.example.com"
///     consent_cookie = "consent"
///     [purposes.marketing]
///     label = "Marketing"
///     [[cookies]]
///     name = "_ad"
///     provider = "Ads"
///     service = "Ads"
///     purpose = "marketing"
///     description = "Ads"
///     lifetime = "30 days"
/// "#)?;
/// let now = 1_700_000_000;
/// let none = policy.audit_scenario(NONE, now).unwrap();
/// assert_eq!(none.consent_cookie(), None);
/// let accept = policy.audit_scenario(ACCEPT_ALL, now).unwrap();
/// assert_eq!(
///     accept.consent_cookie().as_deref(),
///     Some("v=1&rev=1&at=1700000000&marketing=1&statistics=1"),
/// );
/// let withdraw = policy.audit_scenario(WITHDRAW, now).unwrap();
/// assert_eq!(withdraw.consent_in(false).choice("marketing"), Some(Choice::Granted));
/// assert_eq!(withdraw.consent_in(true).choice("marketing"), Some(Choice::Denied));
/// assert!(policy.audit_scenario("only_statistics", now).is_none()); // needs no consent here
///
/// let har = Scenario::custom("har", Consent::from_cookie("v=1&rev=1&at=5&marketing=0"), 5);
/// assert_eq!((har.id.as_str(), har.at, har.withdrawn.is_none()), ("har", 5, true));
/// assert_eq!(har.consent_in(true), &har.consent);
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// Its id: `none`, `refuse_all`, `accept_all`, `only_<purpose>` or `withdraw`.
    pub id: String,
    /// The consent the visit starts with; its cookie is written before the first navigation
    /// (none for `none`, whose consent has the problem `absent`).
    pub consent: Consent,
    /// For `withdraw`: the consent written after the first visit, before reloading.
    pub withdrawn: Option<Consent>,
    /// The time the consents are judged at, in unix seconds (when they were given).
    pub at: u64,
}

impl Scenario {
    /// The consent in force in one phase of the scenario.
    pub fn consent_in(&self, after_withdrawal: bool) -> &Consent {
        match (&self.withdrawn, after_withdrawal) {
            (Some(withdrawn), true) => withdrawn,
            _ => &self.consent,
        }
    }

    /// The consent cookie value to write before the first navigation; `None` for `none`.
    pub fn consent_cookie(&self) -> Option<String> {
        self.consent
            .problem()
            .is_none()
            .then(|| self.consent.to_cookie())
    }

    /// A scenario judged with a consent read from elsewhere (a HAR's consent cookie).
    pub fn custom(id: impl Into<String>, consent: Consent, at: u64) -> Self {
        Self {
            id: id.into(),
            consent,
            withdrawn: None,
            at,
        }
    }
}

impl Policy {
    /// The scenarios of an audit at `now` (unix seconds), in order: `none`, `refuse_all`,
    /// `accept_all`, one `only_<purpose>` per purpose that needs consent (in the policy's
    /// order), then `withdraw`.
    ///
    /// Each consent answers every purpose but `necessary`, for the policy's current revision
    /// (the highest of the site's and its purposes'), given at `now`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::Policy;
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [purposes.marketing]
    ///     label = "Marketing"
    ///     [[cookies]]
    ///     name = "_ad"
    ///     provider = "Ads"
    ///     service = "Ads"
    ///     purpose = "marketing"
    ///     description = "Ads"
    ///     lifetime = "30 days"
    /// "#)?;
    /// let ids: Vec<_> = policy.audit_scenarios(1_700_000_000).into_iter().map(|s| s.id).collect();
    /// assert_eq!(ids, ["none", "refuse_all", "accept_all", "only_marketing", "withdraw"]);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn audit_scenarios(&self, now: u64) -> Vec<Scenario> {
        let answered: Vec<&PurposeId> = self
            .purposes
            .iter()
            .filter(|p| !p.is_necessary())
            .map(|p| &p.id)
            .collect();
        let revision = self
            .purposes
            .iter()
            .map(|p| p.revision)
            .fold(self.site.revision, u64::max);
        let all = |choice: Choice| {
            let mut consent = Consent::new(revision, now);
            for id in &answered {
                consent.set((*id).clone(), choice);
            }
            consent
        };
        let mut scenarios = vec![
            Scenario::custom(NONE, Consent::default(), now),
            Scenario::custom(REFUSE_ALL, all(Choice::Denied), now),
            Scenario::custom(ACCEPT_ALL, all(Choice::Granted), now),
        ];
        for purpose in &self.purposes {
            if !self.needs_consent(purpose.id.as_str()) {
                continue;
            }
            let mut consent = all(Choice::Denied);
            consent.set(purpose.id.clone(), Choice::Granted);
            scenarios.push(Scenario::custom(
                format!("{ONLY_PREFIX}{}", purpose.id),
                consent,
                now,
            ));
        }
        scenarios.push(Scenario {
            id: WITHDRAW.to_owned(),
            consent: all(Choice::Granted),
            withdrawn: Some(all(Choice::Denied)),
            at: now,
        });
        scenarios
    }

    /// The scenario of the audit at `now` whose id is `id`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Policy};
    ///
    /// let policy = Policy::from_toml(
    ///     "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\n",
    /// )?;
    /// let refuse = policy.audit_scenario("refuse_all", 1_700_000_000).unwrap();
    /// assert_eq!(refuse.consent.choice("statistics"), Some(Choice::Denied));
    /// assert!(policy.audit_scenario("only_marketing", 1_700_000_000).is_none());
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn audit_scenario(&self, id: &str, now: u64) -> Option<Scenario> {
        self.audit_scenarios(now).into_iter().find(|s| s.id == id)
    }
}
