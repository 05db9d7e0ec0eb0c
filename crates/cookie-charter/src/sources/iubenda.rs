//! `iubenda`: iubenda (proprietary; rudderlabs/rudder-sdk-js
//! `packages/analytics-js-plugins/src/iubendaConsentManager/utils.ts` reads it server-side too,
//! captures in `research/cmp-cookie-formats.md` §2.15, confidence medium).
//!
//! Cookie: `_iub_cs-<site id>` (`/^_iub_cs-\d+$/`); by default any cookie of that form, or the
//! exact name the source gives. Read as `JSON.parse(decodeURIComponent(value))`; grammar, after
//! decoding:
//!
//! ```text
//! { "timestamp": "<ISO 8601>", "version": "1.75.1", "id": <site id>,
//!   "purposes": { "1": true, "3": true, ... },     ; per-purpose mode
//!   "consent": true | false, ... }                 ; simple mode
//! ```
//!
//! Purpose ids (from third-party code, not an iubenda document): 1 necessary, 2 functionality,
//! 3 experience, 4 measurement, 5 marketing.
//!
//! Keys: purpose ids (`"4"` or `4`); `consent` reads the simple mode's flag. `true` grants,
//! `false` refuses, an absent purpose has no answer (absent is not false). No decision yet: no
//! `purposes` object and no `consent` flag (`{"id":…}` alone is written before any choice).
//! Date: `timestamp`. Revision: none. Several `_iub_cs-<id>` cookies that disagree (for other
//! sites of the same parent domain) fail closed: name the site's cookie in `cookie`.

use super::{Answer, Cx, DISAGREE, Meta, decode};
use crate::consent::{Consent, Problem};
use crate::cookie_header::parse_cookie_header;

/// The start of iubenda's cookie names.
pub(crate) const PREFIX: &str = "_iub_cs-";

/// The key of the simple mode's flag.
pub(crate) const SIMPLE: &str = "consent";

/// Whether `name` is `_iub_cs-` followed by digits.
pub(crate) fn is_cookie_name(name: &str) -> bool {
    name.strip_prefix(PREFIX)
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The value of the request's `_iub_cs-<digits>` cookies: `Ok(None)` when there is none, an
/// error when two disagree.
pub(super) fn find(header: &str) -> Result<Option<&str>, Problem> {
    let mut found: Option<&str> = None;
    for pair in parse_cookie_header(header).filter(|p| is_cookie_name(p.name)) {
        match found {
            Some(value) if value != pair.value => return Err(DISAGREE),
            _ => found = Some(pair.value),
        }
    }
    Ok(found)
}

/// The consent an `_iub_cs-<id>` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let json = decode::json(&text)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the value is not a json object"));
    }
    let purposes = json
        .get("purposes")
        .filter(|p| matches!(p, decode::Json::Object(_)));
    let simple = json.get(SIMPLE).and_then(decode::Json::as_bool);
    let meta = Meta {
        decided: purposes.is_some() || simple.is_some(),
        at: json
            .get("timestamp")
            .and_then(decode::Json::as_str)
            .and_then(decode::iso8601),
        revision: None,
    };
    Ok(cx.consent(&meta, |key| {
        let answer = if key == SIMPLE {
            simple
        } else {
            purposes
                .and_then(|p| p.get(key))
                .and_then(decode::Json::as_bool)
        };
        answer.map_or(Answer::Unknown, Answer::of_bool)
    }))
}
