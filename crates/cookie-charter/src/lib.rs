//! cookie-charter: a site's cookie charter as one policy file, and the decision for every cookie.
//!
//! Load a [`Policy`] from TOML or JSON, read the visitor's [`Consent`] from their consent cookie,
//! and [`decide`](Policy::decide) for each cookie name: the [`Decision`] says whether it is
//! allowed and which [`Rule`] of the charter decided.
//!
//! On responses, [`filter_set_cookies`](Policy::filter_set_cookies) keeps the `Set-Cookie`
//! headers the visitor allows (reading each name as a browser does, RFC 6265bis) and
//! [`purge`](Policy::purge) writes the headers that delete the cookies of a `Cookie` request
//! header the visitor no longer allows.
//!
//! ```
//! use cookie_charter::{Consent, Policy, Rule};
//!
//! let policy = Policy::from_toml(r#"
//!     [site]
//!     name = "Example"
//!     url = "https://www.example.com"
//!     consent_cookie = "consent"
//!     [purposes.marketing]
//!     label = "Marketing"
//!     [[cookies]]
//!     name = "consent"
//!     provider = "Example"
//!     service = "Consent banner"
//!     purpose = "necessary"
//!     description = "Remembers your choice"
//!     lifetime = "6 months"
//!     [[cookies]]
//!     name = "_ad_*"
//!     provider = "Ads Inc."
//!     service = "Advertising"
//!     purpose = "marketing"
//!     description = "Tracks you"
//!     lifetime = "13 months"
//!     domain = "ads.example.net"
//! "#)?;
//! let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=0");
//! let now = 1_700_000_100;
//! assert!(policy.decide("consent", &consent, now).allowed);
//! let ad = policy.decide("_ad_id", &consent, now);
//! assert!(!ad.allowed);
//! assert_eq!(ad.rule, Rule::ThirdParty);
//! assert_eq!(policy.decide("unknown", &consent, now).rule, Rule::Undeclared);
//! # Ok::<(), cookie_charter::Error>(())
//! ```

#![forbid(unsafe_code)]
pub mod audit;
mod charter;
mod consent;
mod consent_mode;
mod cookie_date;
mod cookie_header;
mod decision;
mod document;
mod error;
mod filter;
mod gpc;
mod guard;
mod lifetime;
pub mod limits;
mod load;
mod matcher;
pub mod party;
mod policy;
mod policy_format;
mod purge;
mod purpose;
mod respond;
mod set_cookie;
mod signature;
mod sources;
mod split;
pub mod tcf;
mod tcf_consent;
mod text;

pub use charter::Format;
pub use consent::{CONSENT_VERSION, Choice, Consent, ConsentState, Problem};
pub use consent_mode::{ConsentMode, GtagCommand, Signal, Signals};
pub use cookie_date::{format_http_date, parse_cookie_date};
pub use cookie_header::{CookiePair, CookiePairs, parse_cookie_header};
pub use decision::{Decision, Rule};
pub use error::{Error, ErrorKind, Location, Result};
pub use filter::{Dropped, Filtered, Verdict};
pub use gpc::{GPC_HEADER, gpc_enabled};
pub use guard::{GUARD_ANSWER_ELEMENT_ID, GUARD_ANSWER_VERSION, GuardAnswer, GuardEntry};
pub use lifetime::{DAY, Lifetime, MONTH, YEAR};
pub use party::Party;
pub use policy::{
    CNIL_MAX_STATISTICS_LIFETIME, CookieDecl, DEFAULT_CONSENT_MAX_AGE, Policy, Profile, Site,
    Warning,
};
pub use policy_format::PolicyFormat;
pub use purge::Purged;
pub use purpose::{
    MAX_TCF_PURPOSE, NECESSARY, Purpose, PurposeId, RESERVED_IDS, STATISTICS, is_purpose_id,
};
pub use respond::{Handled, Purge, Request, Response};
pub use set_cookie::{
    Attribute, Attributes, HeaderProblem, MAX_ATTRIBUTE_VALUE_BYTES, MAX_NAME_VALUE_BYTES,
    SetCookie,
};
pub use signature::{
    ConsentKeys, KEY_ID_KEY, KeyId, MIN_KEY_BYTES, RECORD_ID_KEY, RecordId, SIGNATURE_KEY,
    Signature, SignatureProblem,
};
pub use sources::{ConsentSource, SourceFormat, SourceRef};
pub use tcf::{TcError, TcErrorKind, TcString};
pub use text::{Localized, Text};
