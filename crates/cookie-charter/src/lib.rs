//! cookie-charter: a site's cookie charter as one policy file, and the decision for every cookie.
//!
//! Load a [`Policy`] from TOML or JSON, read the visitor's [`Consent`] from their consent cookie,
//! and [`decide`](Policy::decide) for each cookie name: the [`Decision`] says whether it is
//! allowed and which [`Rule`] of the charter decided (spec §3: `undeclared`, `necessary`,
//! `third_party`, `anonymous_statistics`, `consent`, the first that applies).
//!
//! On responses, [`filter_set_cookies`](Policy::filter_set_cookies) keeps the `Set-Cookie`
//! headers the visitor allows (reading each name as a browser does, RFC 6265bis) and
//! [`purge`](Policy::purge) writes the headers that delete the cookies of a `Cookie` request
//! header the visitor no longer allows. [`respond`](Policy::respond) does both for one request,
//! as a middleware does.
//!
//! The crate does no I/O and holds no `unsafe` code: the caller reads files and headers.
//!
//! # Getting started
//!
//! A site declares its cookies once; each request is then judged with the visitor's consent.
//!
//! ```
//! use cookie_charter::{Consent, Handled, Policy, Purge, Request, Rule};
//!
//! // 1. Load the policy (once, at start-up; it is immutable and shared between threads).
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
//!     name = "_pk_id"
//!     provider = "Example"
//!     service = "Matomo"
//!     purpose = "statistics"
//!     description = "Counts visits, anonymously"
//!     lifetime = "13 months"
//!     anonymous = true
//!     [[cookies]]
//!     name = "_ad_*"
//!     provider = "Ads Inc."
//!     service = "Advertising"
//!     purpose = "marketing"
//!     description = "Tracks you"
//!     lifetime = "13 months"
//!     domain = "ads.example.net"
//! "#)?;
//! assert!(policy.warnings().is_empty());
//! let now = 1_700_000_100; // unix seconds
//!
//! // 2. Read the visitor's consent from the request's `Cookie` header: they refused marketing.
//! let cookie_header = "consent=v=1&rev=1&at=1700000000&marketing=0; _ad_id=42";
//! let consent = policy.consent_from_cookie_header(cookie_header);
//! assert_eq!(consent, Consent::from_cookie("v=1&rev=1&at=1700000000&marketing=0"));
//!
//! // 3. Decide for any cookie name.
//! assert!(policy.decide("consent", &consent, now).allowed);
//! let stats = policy.decide("_pk_id", &consent, now);
//! assert_eq!((stats.allowed, stats.rule), (true, Rule::AnonymousStatistics));
//! let ad = policy.decide("_ad_id", &consent, now);
//! assert_eq!((ad.allowed, ad.rule), (false, Rule::ThirdParty));
//! assert_eq!(policy.decide("unknown", &consent, now).rule, Rule::Undeclared);
//! // The banner has nothing left to ask.
//! assert!(policy.purposes_to_ask(&consent, now).is_empty());
//!
//! // 4. Filter the `Set-Cookie` headers of the response.
//! let set_cookies = ["_pk_id=1.2; Max-Age=3600; Path=/", "_ad_id=43; Path=/", "tracker=1"];
//! let filtered = policy.filter_set_cookies(set_cookies, &consent, now);
//! assert_eq!(filtered.kept, ["_pk_id=1.2; Max-Age=3600; Path=/"]);
//! assert_eq!(filtered.dropped.len(), 2);
//!
//! // 5. Or let `respond` do it all for the request: filter, then delete what the visitor
//! //    holds but no longer allows (here the `_ad_id` the browser sent).
//! let request = Request::new().with_cookie(cookie_header);
//! let response = policy.respond(&request, Handled::Unchanged, set_cookies, Purge::On, now);
//! let sent: Vec<&str> = response.set_cookies().collect();
//! assert_eq!(sent[0], "_pk_id=1.2; Max-Age=3600; Path=/");
//! assert!(sent[1..].iter().all(|h| h.starts_with("_ad_id=; Max-Age=0; Path=/")));
//! # Ok::<(), cookie_charter::Error>(())
//! ```
//!
//! # Beyond the server's own cookies
//!
//! - Consent sources ([`ConsentSource`], `site.consent_sources`): read the consent from the
//!   cookie of the banner the site already runs (OneTrust, Cookiebot, Didomi, a TCF string...).
//! - [`tcf`]: decode IAB TCF v2.2 TC strings ([`TcString`]) and the consent they give
//!   ([`Policy::consent_from_tcf`]).
//! - Signed consent cookies ([`ConsentKeys`], [`Policy::verify_consent`]): a consent the
//!   server issued, with its record id.
//! - Signals: Google Consent Mode v2 ([`Policy::consent_mode`]) and Global Privacy Control
//!   ([`gpc_enabled`], [`Consent::with_gpc`]).
//! - The browser guard's answer ([`Policy::guard`]) and the charter page
//!   ([`Policy::render_charter`]).
//! - [`audit`]: judge what a browser observed on the site against the policy.

#![forbid(unsafe_code)]
pub mod audit;
mod charter;
mod choices;
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
mod state_table;
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
pub use guard::{
    GUARD_ANSWER_ELEMENT_ID, GUARD_ANSWER_VERSION, GuardAnswer, GuardEntry, guard_insertion_point,
};
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
