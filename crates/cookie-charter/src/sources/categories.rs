//! `complianz` and `wp_consent`: one cookie per category, `allow` or `deny`, as WordPress
//! consent plugins write them.
//!
//! - WP Consent API (WordPress/wp-consent-level-api, GPL2, v2.0.1): the JavaScript writes
//!   `consent_api.cookie_prefix + '_' + category` = `allow` / `deny`, raw; the prefix is
//!   `wp_consent` by default (filter `wp_consent_cookie_prefix`), so the cookies are
//!   `wp_consent_<category>`. Categories (`consent_categories()`): `functional`, `preferences`,
//!   `statistics`, `statistics-anonymous`, `marketing`; the policy's purposes of those ids map to
//!   theirs by default. Complianz and other WordPress banners write these through the API.
//! - Complianz (Really-Simple-Plugins/complianz-gdpr, GPL2, v7.2.0): `cmplz_set_consent(category,
//!   value)` writes `cmplz_<category>` = `allow` / `deny` raw (`cmplz_rt_` on a multisite main
//!   site); categories `functional` (always `allow`), `preferences`, `statistics`, `marketing`.
//!   `cmplz_policy_id` holds the revision of the site's cookie policy (a mismatch means asking
//!   again); `cmplz_banner-status` and `cmplz_consented_services` are not read.
//!
//! The source's `cookie` is the prefix (`cmplz_`, `wp_consent_`); the source is present when the
//! request holds any cookie of that prefix. Grammar of each cookie: `"allow" / "deny"`.
//!
//! Keys: categories. `allow` grants, `deny` refuses, a missing cookie or any other value has no
//! answer. (The plugins' own PHP readers take a missing cookie as consent in opt-out regions;
//! this engine does not.) No date. Revision (Complianz): `cmplz_policy_id`.

use super::{Answer, Cx, Meta, Prefixed, decode};
use crate::consent::{Consent, Problem};

/// The WP Consent API's categories, the only keys of a `wp_consent` mapping.
pub(super) const WP_CONSENT_CATEGORIES: [&str; 5] = [
    "functional",
    "preferences",
    "statistics",
    "statistics-anonymous",
    "marketing",
];

/// The cookie of Complianz's policy revision, after the prefix.
pub(crate) const POLICY_ID: &str = "policy_id";

/// The consent of the request's cookies of the source's prefix (by the name after the prefix).
pub(super) fn read(cx: &Cx<'_>, cookies: &Prefixed<'_>) -> Result<Consent, Problem> {
    let get = |category: &str| cookies.get(category).copied();
    // Only the cookies the source reads are checked: another plugin's cookie of the same prefix
    // does not make the consent fail.
    for (_, keys) in &cx.source.mapping {
        for key in keys {
            if let Some(value) = get(key).filter(|v| !v.is_empty()) {
                decode::check_raw(value)?;
            }
        }
    }
    let revision = match cx.source.revision {
        Some(_) => match get(POLICY_ID) {
            Some(id) => {
                decode::check_raw(id)?;
                Some(std::borrow::Cow::Borrowed(id))
            }
            None => None,
        },
        None => None,
    };
    let meta = Meta {
        revision,
        ..Meta::decided()
    };
    Ok(cx.consent(&meta, |key| match get(key) {
        Some("allow") => Answer::Granted,
        Some("deny") => Answer::Denied,
        _ => Answer::Unknown,
    }))
}
