//! `cookieyes`: CookieYes (proprietary; the official SDK `@cookieyes/core`, MIT,
//! `sdk/core/src/cookie.ts`, documents `parseCookie` for server-side reading).
//!
//! Cookie: `cookieyes-consent`. The hosted script writes it raw, the SDK with
//! `encodeURIComponent`: the value is percent-decoded when it holds a `%`. Grammar:
//!
//! ```text
//! value = pair *( "," pair )                  ; each key once
//! pair  = key ":" [ value ]
//! meta  = consentid / consent ("yes" / "no" / "") / action ("yes" / "no" / "")
//!         / tax (taxonomy hash) / lastRenewedDate (milliseconds since 1970)
//! other = category ":" ( "yes" / "no" / "" )  ; necessary, functional, analytics,
//!                                             ; performance, advertisement, other...
//! ```
//!
//! Keys: category ids. `yes` grants, `no` refuses, empty or absent has no answer. No decision
//! yet: `action` other than `yes` (the cookie is written before any decision with empty values;
//! `consent:yes,action:no` comes from opt-out regions or implied defaults, which this engine does
//! not take as consent, as edgee's reader does not). Date: `lastRenewedDate`. Revision: `tax`.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};
use crate::split;

/// The keys that are not categories.
pub(crate) const META_KEYS: [&str; 5] =
    ["consentid", "consent", "action", "tax", "lastRenewedDate"];

/// The consent a `cookieyes-consent` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for pair in split::split(&text, b',') {
        pairs.push(split::split_once(pair, b':').ok_or(Problem::Malformed("a pair has no `:`"))?);
    }
    decode::unique(pairs.iter().map(|(key, _)| *key))?;
    let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let meta = Meta {
        decided: get("action") == Some("yes"),
        at: get("lastRenewedDate").and_then(decode::epoch_millis),
        revision: get("tax").map(std::borrow::Cow::Borrowed),
    };
    Ok(cx.consent(&meta, |key| match get(key) {
        Some("yes") => Answer::Granted,
        Some("no") => Answer::Denied,
        _ => Answer::Unknown,
    }))
}
