//! `cookieconsent`: vanilla-cookieconsent v3 and v2 (orestbida/cookieconsent, MIT).
//!
//! Cookie: `cc_cookie` (its `cookie.name`; with `useLocalStorage` the server sees nothing).
//!
//! - v3 (v3.1.0, `src/utils/cookies.js`) writes `encodeURIComponent(JSON.stringify(value))` with
//!   `categories` (accepted category names, read-only ones such as `necessary` included),
//!   `revision`, `data`, `consentTimestamp`, `consentId` (a UUID), `services` (per category, the
//!   accepted service names), `languageCode`, `lastConsentTimestamp`, `expirationTime`. The
//!   library holds the consent invalid when `consentId` or either timestamp is missing or
//!   `categories` is not an array (`src/core/api.js`).
//! - v2 (branch `v2.9`, `src/cookieconsent.js`) writes the JSON **raw** by default
//!   (`use_rfc_cookie: false`), with `categories` (or `level` up to 2.8), `revision`, `data`,
//!   `consent_date`, `consent_uuid`, `last_consent_update`.
//!
//! Grammar: a JSON object, raw when the value starts with `{`, percent-encoded otherwise (the
//! library tries `JSON.parse(value)` then `JSON.parse(decodeURIComponent(value))`).
//!
//! Keys: a category name (`analytics`) is granted when `categories` lists it and refused when it
//! does not; `<category>/<service>` (`analytics/ga`) is granted when `services[category]` lists
//! the service, refused when that list lacks it, and has no answer when the value holds no such
//! list (v2). No decision yet: no consent id (`consentId`, v2 `consent_uuid`), a missing
//! timestamp, or `categories` that is not an array. Date: `lastConsentTimestamp`
//! (v2 `last_consent_update`). Revision: `revision`.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// The fields read (`data` and the others are site data or bookkeeping).
const FIELDS: [&str; 10] = [
    "categories",
    "level",
    "services",
    "revision",
    "consentId",
    "consentTimestamp",
    "lastConsentTimestamp",
    "consent_uuid",
    "consent_date",
    "last_consent_update",
];

/// The consent a `cc_cookie` gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = if value.starts_with('{') {
        std::borrow::Cow::Borrowed(value)
    } else {
        decode::percent(value)?
    };
    let json = decode::json_fields(&text, &FIELDS)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the value is not a json object"));
    }
    let v3 = json.get("consentId").is_some();
    let (id, first, last) = if v3 {
        ("consentId", "consentTimestamp", "lastConsentTimestamp")
    } else {
        ("consent_uuid", "consent_date", "last_consent_update")
    };
    let date = |field: &str| {
        json.get(field)
            .and_then(decode::Json::as_str)
            .and_then(decode::iso8601)
    };
    let categories = json
        .get("categories")
        .or(if v3 { None } else { json.get("level") });
    let has_id = json
        .get(id)
        .and_then(decode::Json::as_str)
        .is_some_and(|id| !id.is_empty());
    let at = date(last);
    let meta = Meta {
        decided: has_id
            && categories.and_then(decode::Json::as_array).is_some()
            && date(first).is_some()
            && at.is_some(),
        at,
        revision: json.get("revision").and_then(decode::Json::as_revision),
    };
    let services = json.get("services");
    Ok(cx.consent(&meta, |key| match key.split_once('/') {
        Some((category, service)) => match services.and_then(|s| s.get(category)) {
            Some(list) if list.as_array().is_some() => Answer::of_bool(list.lists(service)),
            _ => Answer::Unknown,
        },
        None => Answer::of_bool(categories.is_some_and(|c| c.lists(key))),
    }))
}
