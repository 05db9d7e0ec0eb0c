//! `didomi`: Didomi (proprietary; developers.didomi.io "Cookies and storage", support.didomi.io
//! "Didomi Cookies: storage", decoded captures in `research/cmp-cookie-formats.md` §2.6).
//!
//! Cookie: `didomi_token` (`didomiTokenCookieName`; with `storageSources.cookies: false` the
//! server sees nothing). Grammar: base64 of the standard alphabet (padding present or not,
//! possibly percent-encoded as `%3D`) of a JSON object:
//!
//! ```text
//! { "user_id": "<uuid>", "created": "<ISO 8601>", "updated": "<ISO 8601>",
//!   "vendors":    { "enabled": [ids], "disabled": [ids] },
//!   "purposes":   { "enabled": [ids], "disabled": [ids] },
//!   "vendors_li": {...}, "purposes_li": {...}, "version": 2, "ac": "..." }
//! ```
//!
//! Keys: Didomi's custom (non-IAB) purpose ids (`geolocation_data`), or `vendor:<id>` for a
//! vendor (`vendor:google`, `vendor:c:googleana-m22KTp3Y`). Listed in `enabled` grants, in
//! `disabled` refuses (refusal wins when both list it), absent has no answer (missing arrays say
//! nothing). Legitimate interest (`*_li`) never counts as consent. IAB purposes are in the TC
//! string (`euconsent-v2`): read them with a `tcf` source. Date: `updated`, else `created`.
//! Revision: none.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// The prefix of a mapping key that names a vendor rather than a purpose.
pub(crate) const VENDOR: &str = "vendor:";

/// The consent a `didomi_token` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let text = decode::utf8(decode::base64(&text)?)?;
    let json = decode::json(&text)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the token is not a json object"));
    }
    let date = |field: &str| {
        json.get(field)
            .and_then(decode::Json::as_str)
            .and_then(decode::iso8601)
    };
    let meta = Meta {
        at: date("updated").or_else(|| date("created")),
        ..Meta::decided()
    };
    Ok(cx.consent(&meta, |key| {
        let (list, id) = match key.strip_prefix(VENDOR) {
            Some(id) => ("vendors", id),
            None => ("purposes", key),
        };
        let Some(lists) = json.get(list) else {
            return Answer::Unknown;
        };
        if lists.get("disabled").is_some_and(|l| l.lists(id)) {
            Answer::Denied
        } else if lists.get("enabled").is_some_and(|l| l.lists(id)) {
            Answer::Granted
        } else {
            Answer::Unknown
        }
    }))
}
