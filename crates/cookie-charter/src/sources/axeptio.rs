//! `axeptio`: Axeptio (proprietary; support.axeptio.eu "What cookies does Axeptio set?",
//! developers.axeptio.eu, captures in `research/cmp-cookie-formats.md` §2.10).
//!
//! Cookie: `axeptio_cookies`, "visitor consent information: date, anonymous unique identifier,
//! consent status" (`axeptio_authorized_vendors` repeats the accepted vendors and is not read).
//! Percent-encoded JSON, in two variants (older ones encode only `"` and `,`; newer ones
//! everything): both are percent-decoded. Grammar, after decoding:
//!
//! ```text
//! { "$$token": "<id>", "$$date": "<ISO 8601>", "$$cookiesVersion": {...},
//!   "$$completed": true | false, ["$$scope", "$$duration", "$$googleConsentMode": {...}],
//!   "<vendor>": true | false, ... }
//! ```
//!
//! Keys: the site's vendor names (`google_analytics`, `Google_Ads`, `facebook_pixel`...; never
//! starting with `$$`). `true` grants, `false` refuses, absent or anything else has no answer.
//! No decision yet: `$$completed` not `true` (as edgee's reader). Date: `$$date`. Revision: none.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// The prefix of Axeptio's own keys, which are not vendors.
pub(crate) const OWN_KEYS: &str = "$$";

/// The consent an `axeptio_cookies` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let json = decode::json(&text)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the value is not a json object"));
    }
    let meta = Meta {
        decided: json.get("$$completed").and_then(decode::Json::as_bool) == Some(true),
        at: json
            .get("$$date")
            .and_then(decode::Json::as_str)
            .and_then(decode::iso8601),
        revision: None,
    };
    Ok(cx.consent(&meta, |key| {
        json.get(key)
            .and_then(decode::Json::as_bool)
            .map_or(Answer::Unknown, Answer::of_bool)
    }))
}
