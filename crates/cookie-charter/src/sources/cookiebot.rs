//! `cookiebot`: Cookiebot (Usercentrics A/S).
//!
//! Cookie: `CookieConsent`. Documented for server-side reading by the vendor: CybotAS/CookiebotWP
//! `documentation/CookiebotAPI.md` (PHP) and cookieinfo.net "Server side usage – C#/VB", which
//! percent-decode the value and read it as below. On the wire only `'` (`%27`) and `,` (`%2C`)
//! are encoded; `+`, `/` and `=` in `stamp` are literal, so the value is percent-decoded, never
//! form-decoded. Grammar, after percent-decoding:
//!
//! ```text
//! value  = "-1" / "0" / object
//! object = "{" pair *( "," pair ) "}"      ; a JavaScript object literal, not JSON
//! pair   = key ":" ( "true" / "false" / 1*DIGIT / "'" *char "'" )
//! ```
//!
//! with the keys `stamp`, `necessary`, `preferences`, `statistics`, `marketing` (booleans),
//! `method` (`'explicit'` or `'implied'`), `ver`, `utc` (milliseconds since 1970), `region`, and
//! optionally `iab2` and `gacm`. Older cookies lack `method` and `region`.
//!
//! Keys: the four fixed categories (`necessary` is always `true`); the policy's purposes
//! `preferences`, `statistics` and `marketing` map to theirs by default. `true` grants, `false`
//! refuses. `0` ("the user has not accepted cookies", necessary only) refuses every category.
//! `-1` ("not within a region that requires consent") and `method:'implied'` record no choice of
//! the visitor: no decision, every purpose `unset` (the consent rules this engine applies do not
//! take implied consent). Date: `utc`. Revision: none (`ver` is the format's version, not the site's).

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};

/// Cookiebot's categories, the keys a mapping may use (`necessary` is always `true`).
pub(super) const CATEGORIES: [&str; 4] = ["necessary", "preferences", "statistics", "marketing"];

/// A value of the object literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal<'a> {
    Bool(bool),
    Number(&'a str),
    Text(&'a str),
}

/// The pairs of `{key:value,...}`, as Cookiebot writes them (bare or double-quoted keys,
/// single- or double-quoted strings).
fn object(text: &str) -> Result<Vec<(&str, Literal<'_>)>, Problem> {
    const BAD: Problem = Problem::Malformed("not a cookiebot object literal");
    let inner = text
        .trim()
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or(BAD)?;
    let mut pairs = Vec::new();
    let mut rest = inner.trim_start();
    if rest.is_empty() {
        return Ok(pairs);
    }
    loop {
        let (key, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').ok_or(BAD)?;
                (
                    quoted.get(..end).ok_or(BAD)?,
                    quoted.get(end + 1..).ok_or(BAD)?,
                )
            }
            None => {
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(rest.len());
                (rest.get(..end).ok_or(BAD)?, rest.get(end..).ok_or(BAD)?)
            }
        };
        if key.is_empty() {
            return Err(BAD);
        }
        let after = after
            .trim_start()
            .strip_prefix(':')
            .ok_or(BAD)?
            .trim_start();
        let (value, after) = match after.as_bytes().first() {
            Some(&quote @ (b'\'' | b'"')) => {
                let body = after.get(1..).ok_or(BAD)?;
                let end = body.find(char::from(quote)).ok_or(BAD)?;
                (
                    Literal::Text(body.get(..end).ok_or(BAD)?),
                    body.get(end + 1..).ok_or(BAD)?,
                )
            }
            _ => {
                let end = after.find([',', '}']).unwrap_or(after.len());
                let word = after.get(..end).ok_or(BAD)?.trim_end();
                let literal = match word {
                    "true" => Literal::Bool(true),
                    "false" => Literal::Bool(false),
                    _ if !word.is_empty() && word.bytes().all(|b| b.is_ascii_digit()) => {
                        Literal::Number(word)
                    }
                    _ => return Err(BAD),
                };
                (literal, after.get(end..).ok_or(BAD)?)
            }
        };
        pairs.push((key, value));
        let after = after.trim_start();
        if after.is_empty() {
            break;
        }
        rest = after.strip_prefix(',').ok_or(BAD)?.trim_start();
    }
    decode::unique(pairs.iter().map(|(key, _)| *key))?;
    Ok(pairs)
}

/// The consent a `CookieConsent` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let text = decode::percent(value)?;
    match text.trim() {
        "-1" => return Ok(cx.consent(&Meta::default(), |_| Answer::Unknown)),
        "0" => return Ok(cx.consent(&Meta::decided(), |_| Answer::Denied)),
        _ => {}
    }
    let pairs = object(&text)?;
    let get = |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let meta = Meta {
        decided: get("method") != Some(Literal::Text("implied")),
        at: match get("utc") {
            Some(Literal::Number(ms)) => decode::epoch_millis(ms),
            _ => None,
        },
        revision: None,
    };
    Ok(cx.consent(&meta, |key| match get(key) {
        Some(Literal::Bool(granted)) => Answer::of_bool(granted),
        _ => Answer::Unknown,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_object_literal() {
        let pairs = object(
            "{stamp:'G+6rY/Oq==',necessary:true,preferences:false,method:'explicit',ver:1,utc:1705162226478,region:'ae'}",
        )
        .unwrap();
        assert_eq!(pairs.len(), 7);
        assert_eq!(pairs[0], ("stamp", Literal::Text("G+6rY/Oq==")));
        assert_eq!(pairs[2], ("preferences", Literal::Bool(false)));
        assert_eq!(pairs[5], ("utc", Literal::Number("1705162226478")));
        assert_eq!(object("{}").unwrap(), vec![]);
        assert_eq!(
            object("{ \"a\" : \"x,}\" , b : true }").unwrap(),
            vec![("a", Literal::Text("x,}")), ("b", Literal::Bool(true))]
        );
        for bad in [
            "",
            "{",
            "}",
            "{a}",
            "{a:}",
            "{a:tru}",
            "{:1}",
            "{a:1,}",
            "{a:'x}",
            "{a:1 b:2}",
            "{a:-1}",
            "[a:1]",
        ] {
            assert_eq!(object(bad).map_err(|p| p.code()), Err("malformed"), "{bad}");
        }
        assert_eq!(object("{a:1,a:1}"), Err(Problem::DuplicateKey));
    }
}
