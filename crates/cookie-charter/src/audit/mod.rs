//! The audit (spec §12): does the site do what its charter says?
//!
//! A collector (a browser driven through the scenarios, or a HAR file read offline) produces
//! [`Observation`]s; [`audit`] judges them with the same [`decide`](crate::Policy::decide) that
//! filters responses, and returns [`Finding`]s, each with the observation that proves it. This
//! module does no I/O.
//!
//! ```
//! use cookie_charter::Policy;
//! use cookie_charter::audit::{self, Code, Observation, ObservedCookie, Subject};
//! use cookie_charter::party::Party;
//!
//! let policy = Policy::from_toml(r#"
//!     [site]
//!     name = "Example"
//!     url = "https://www.example.com"
//!     consent_cookie = "consent"
//!     [purposes.marketing]
//!     label = "Marketing"
//!     [[cookies]]
//!     name = "_ad"
//!     provider = "Ads"
//!     service = "Ads"
//!     purpose = "marketing"
//!     description = "Ads"
//!     lifetime = "30 days"
//! "#)?;
//! let scenarios = policy.audit_scenarios(1_700_000_000);
//! let cookie = ObservedCookie {
//!     name: "_ad".into(),
//!     value_len: 8,
//!     domain: "www.example.com".into(),
//!     host_only: true,
//!     path: "/".into(),
//!     partition_key: None,
//!     party: Party::First,
//!     write: None,
//!     stored: None,
//! };
//! let seen = Observation {
//!     scenario: "none".into(),
//!     after_withdrawal: false,
//!     page: "https://www.example.com/".into(),
//!     time_ms: 1_700_000_000_000,
//!     subject: Subject::Cookie(cookie),
//! };
//! let judged = audit::audit(&policy, &scenarios, &[seen]);
//! assert_eq!(judged.findings.len(), 1);
//! assert_eq!(judged.findings[0].code, Code::WithoutConsent);
//! # Ok::<(), cookie_charter::Error>(())
//! ```

mod finding;
mod judge;
mod observation;
mod scenario;

pub use finding::{Code, Finding, Severity};
pub use judge::{Judged, LIFETIME_TOLERANCE_SECS, audit, path_matches};
pub use observation::{
    CookieWrite, Expiry, Observation, ObservedCookie, ObservedRequest, ObservedStorage,
    StorageArea, Subject, Writer,
};
pub use scenario::{ACCEPT_ALL, NONE, ONLY_PREFIX, REFUSE_ALL, Scenario, WITHDRAW};

#[cfg(test)]
mod tests;
