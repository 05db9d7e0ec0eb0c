//! `onetrust`: OneTrust (proprietary; my.onetrust.com "OneTrust Cookies", developer.onetrust.com
//! "When Consent Changes", captures in `research/cmp-cookie-formats.md` §2.5).
//!
//! Cookies: `OptanonConsent` (the source's `cookie`) holds the groups' states; it exists before
//! any interaction, with the default states (`:1` under implied or opt-out geolocations).
//! `OptanonAlertBoxClosed` (an ISO 8601 timestamp) is set when the visitor dismisses the banner:
//! it is the "the visitor decided" signal and the date of the choice. Grammar of
//! `OptanonConsent`, an `application/x-www-form-urlencoded` query string (`+` is a space, `%XX`
//! UTF-8; very old versions leave `:` unencoded):
//!
//! ```text
//! OptanonConsent = param *( "&" param )          ; param = key [ "=" value ], each key once
//! groups         = [ group *( "," group ) ]      ; after decoding; may be empty
//! group          = id ":" ( "0" / "1" )          ; id: C0001..C0005 by default, or custom
//! ```
//!
//! with other keys such as `isGpcEnabled`, `datestamp`, `version` (the script's version),
//! `consentId`, `interactionCount`, `hosts`, `genVendors`, `geolocation`, `AwaitingReconsent`.
//!
//! Keys: group ids (`C0002`, `V2STACK42`, `BG36`, legacy `2`...). `1` grants, `0` refuses, an
//! absent group has no answer. No decision yet: no `OptanonAlertBoxClosed`, or
//! `AwaitingReconsent=true`. Date: `OptanonAlertBoxClosed` (one that is not a date is
//! `malformed`); `datestamp` is a localised text and is not read. Revision: none. OneTrust's TC
//! string is in `eupubconsent-v2`: read it with a `tcf` source.

use std::borrow::Cow;

use super::{Answer, Cx, Meta, cookie_value, decode};
use crate::consent::{Consent, Problem};
use crate::split;

/// The cookie OneTrust sets when the visitor dismisses the banner.
pub(crate) const ALERT_BOX_CLOSED: &str = "OptanonAlertBoxClosed";

/// The consent an `OptanonConsent` cookie gives, with the request's `OptanonAlertBoxClosed`.
pub(super) fn read(cx: &Cx<'_>, value: &str, header: &str) -> Result<Consent, Problem> {
    let mut params: Vec<(&str, &str)> = Vec::new();
    for piece in split::split(value, b'&') {
        if piece.is_empty() {
            continue;
        }
        params.push(split::split_once(piece, b'=').unwrap_or((piece, "")));
    }
    // Keys are plain words: compare them as sent, but decoded ones must not repeat either.
    let keys = params
        .iter()
        .map(|(key, _)| decode::form(key))
        .collect::<Result<Vec<Cow<'_, str>>, Problem>>()?;
    decode::unique(keys.iter().map(AsRef::as_ref))?;
    let param = |name: &str| {
        keys.iter()
            .position(|key| key == name)
            .and_then(|i| params.get(i))
            .map(|(_, value)| decode::form(value))
            .transpose()
    };
    let groups_text = param("groups")?.unwrap_or_default();
    let mut groups: Vec<(&str, &str)> = Vec::new();
    for group in split::split(&groups_text, b',') {
        if group.is_empty() {
            continue;
        }
        groups
            .push(split::split_once(group, b':').ok_or(Problem::Malformed("a group has no `:`"))?);
    }
    decode::unique(groups.iter().map(|(id, _)| *id))?;
    let reconsent = param("AwaitingReconsent")?.is_some_and(|v| v == "true");
    let closed = match cookie_value(header, ALERT_BOX_CLOSED)? {
        Some(closed) if !closed.is_empty() => {
            decode::check_raw(closed)?;
            let text = decode::percent(closed)?;
            Some(decode::iso8601(&text).ok_or(Problem::Malformed(
                "`OptanonAlertBoxClosed` is not an iso 8601 date",
            ))?)
        }
        _ => None,
    };
    let meta = Meta {
        decided: closed.is_some() && !reconsent,
        at: closed,
        revision: None,
    };
    Ok(cx.consent(&meta, |key| {
        match groups
            .iter()
            .find(|(id, _)| *id == key)
            .map(|(_, state)| *state)
        {
            Some("1") => Answer::Granted,
            Some("0") => Answer::Denied,
            _ => Answer::Unknown,
        }
    }))
}
