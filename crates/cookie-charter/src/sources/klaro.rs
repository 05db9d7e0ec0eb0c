//! `klaro`: Klaro (klaro-org/klaro-js, BSD-3-Clause).
//!
//! Cookie: `klaro` (its `storageName`, formerly `cookieName`; with `storageMethod:
//! 'localStorage'` the server sees nothing). Written by `saveConsents` (`src/consent-manager.js`,
//! v0.7.22) as `encodeURIComponent(JSON.stringify(consents))` and read back with
//! `JSON.parse(decodeURIComponent(value))`. Grammar, after percent-decoding:
//!
//! ```text
//! value = JSON object { "<service name>": true | false, ... }
//! ```
//!
//! Keys: the site's `services[].name`. `true` grants, `false` refuses, an absent key or any other
//! value is no answer. The cookie is written when the visitor saves a choice; it records no date
//! and no revision.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// The consent a `klaro` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let json = decode::json(&text)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the value is not a json object"));
    }
    Ok(cx.consent(&Meta::decided(), |key| {
        json.get(key)
            .and_then(decode::Json::as_bool)
            .map_or(Answer::Unknown, Answer::of_bool)
    }))
}
