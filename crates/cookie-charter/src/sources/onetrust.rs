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
//! OptanonConsent = param *( "&" param )          ; param = key [ "=" value ]
//! groups         = [ group *( "," group ) ]      ; after decoding; may be empty
//! group          = id ":" ( "0" / "1" )          ; id: C0001..C0005 by default, or custom
//! ```
//!
//! with other keys such as `isGpcEnabled`, `datestamp`, `version` (the script's version),
//! `consentId`, `interactionCount`, `hosts`, `genVendors`, `geolocation`, `AwaitingReconsent`.
//!
//! Only `groups` and `AwaitingReconsent` are read (each must appear at most once); the other
//! parameters are skipped without being decoded.
//!
//! Keys: group ids (`C0002`, `V2STACK42`, `BG36`, legacy `2`...). `1` grants, `0` refuses, an
//! absent group has no answer. No decision yet: no `OptanonAlertBoxClosed`, or
//! `AwaitingReconsent=true`. Date: `OptanonAlertBoxClosed` (one that is not a date is
//! `malformed`); `datestamp` is a localised text and is not read. Revision: none. OneTrust's TC
//! string is in `eupubconsent-v2`: read it with a `tcf` source.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};
use crate::split;

/// The cookie OneTrust sets when the visitor dismisses the banner.
pub(crate) const ALERT_BOX_CLOSED: &str = "OptanonAlertBoxClosed";

/// The consent an `OptanonConsent` cookie gives, with the request's `OptanonAlertBoxClosed`.
pub(super) fn read(cx: &Cx<'_>, value: &str, closed: Option<&str>) -> Result<Consent, Problem> {
    // The two parameters read; one written twice is ambiguous (`duplicate_key`), other
    // parameters are not read at all.
    let (mut groups, mut reconsent) = (None, None);
    for piece in split::split(value, b'&') {
        let (key, value) = split::split_once(piece, b'=').unwrap_or((piece, ""));
        let slot = match decode::form(key)?.as_ref() {
            "groups" => &mut groups,
            "AwaitingReconsent" => &mut reconsent,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(Problem::DuplicateKey);
        }
    }
    let groups_text = decode::form(groups.unwrap_or_default())?;
    let mut states: Vec<(&str, &str)> = Vec::new();
    for group in split::split(&groups_text, b',') {
        if group.is_empty() {
            continue;
        }
        let pair =
            split::split_once(group, b':').ok_or(Problem::Malformed("a group has no `:`"))?;
        states.push(pair);
    }
    decode::unique(states.iter().map(|(id, _)| *id))?;
    let reconsent = match reconsent {
        Some(value) => decode::form(value)? == "true",
        None => false,
    };
    let closed = match closed.filter(|c| !c.is_empty()) {
        Some(closed) => {
            decode::check_raw(closed)?;
            let text = decode::percent(closed)?;
            Some(decode::iso8601(&text).ok_or(Problem::Malformed(
                "`OptanonAlertBoxClosed` is not an iso 8601 date",
            ))?)
        }
        None => None,
    };
    let meta = Meta {
        decided: closed.is_some() && !reconsent,
        at: closed,
        revision: None,
    };
    Ok(cx.consent(&meta, |key| {
        match states
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
