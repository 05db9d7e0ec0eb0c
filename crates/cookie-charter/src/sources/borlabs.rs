//! `borlabs`: Borlabs Cookie for WordPress (commercial; no public source: the format comes from
//! captures, `research/cmp-cookie-formats.md` §2.12, confidence medium).
//!
//! Cookie: `borlabs-cookie`. Percent-encoded JSON; grammar, after decoding:
//!
//! ```text
//! { "consents": { "<group>": ["<service id>", ...], ... },
//!   "domainPath": "host/", "expires": "<HTTP date>", "uid": "<id>" | "anonymous",
//!   "version": "1" | 1, ["v3": true] }
//! ```
//!
//! Consent means the service is listed in its group's array; the groups seen are `essential`,
//! `statistics`, `marketing`, `external-media`.
//!
//! Keys: a group (`statistics`) is granted when `consents` lists it with at least one service,
//! refused otherwise; `<group>/<service>` (`marketing/facebook-pixel`) is granted when the group
//! lists the service, refused otherwise. No decision yet: no `consents` object. The value
//! records no date of the choice (`expires` is the cookie's) and no revision.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// The consent a `borlabs-cookie` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    let json = decode::json(&text)?;
    if !matches!(json, decode::Json::Object(_)) {
        return Err(Problem::Malformed("the value is not a json object"));
    }
    let consents = json
        .get("consents")
        .filter(|c| matches!(c, decode::Json::Object(_)));
    let meta = Meta {
        decided: consents.is_some(),
        ..Meta::default()
    };
    Ok(cx.consent(&meta, |key| {
        let Some(consents) = consents else {
            return Answer::Unknown;
        };
        Answer::of_bool(match key.split_once('/') {
            Some((group, service)) => consents.get(group).is_some_and(|l| l.lists(service)),
            None => consents
                .get(key)
                .and_then(decode::Json::as_array)
                .is_some_and(|l| !l.is_empty()),
        })
    }))
}
