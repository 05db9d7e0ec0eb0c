//! `tarteaucitron`: tarteaucitron.js (AmauriC/tarteaucitron.js, MIT).
//!
//! Cookie: `tarteaucitron` (its `cookieName` parameter). Written raw, never encoded: the writer
//! (`tarteaucitron.js` v1.32.0, `cookie.create`, the same since 2014) removes the key's old pair
//! and appends `'!' + key + '=' + status`. Grammar:
//!
//! ```text
//! value = *( "!" key "=" state )     ; each key once
//! state = "true" / "false" / "wait"
//! ```
//!
//! Keys: service keys (`gtag`, `youtube`, `facebookpixel`...). `true` grants, `false` refuses,
//! `wait` is "no decision yet" (written for every service before the visitor answers, issue
//! #148); an absent key was never loaded, and any other value (the hosted version writes
//! `!id=<hex>`) is no answer. The value records no date and no revision. Unlike the library's own
//! `indexOf` test, pairs are split on `!`: key `ga` is not granted by `!xga=true`.

use super::{Answer, Cx, Meta, decode};
use crate::consent::{Consent, Problem};
use crate::split;

/// The consent a `tarteaucitron` cookie gives.
pub(super) fn read(cx: &Cx<'_>, value: &str) -> Result<Consent, Problem> {
    let Some(rest) = value.strip_prefix('!') else {
        return Err(Problem::Malformed("the value does not start with `!`"));
    };
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for piece in split::split(rest, b'!') {
        let pair = split::split_once(piece, b'=').ok_or(Problem::Malformed("a pair has no `=`"))?;
        pairs.push(pair);
    }
    decode::unique(pairs.iter().map(|(key, _)| *key))?;
    Ok(cx.consent(&Meta::decided(), |key| {
        match pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, state)| *state)
        {
            Some("true") => Answer::Granted,
            Some("false") => Answer::Denied,
            _ => Answer::Unknown,
        }
    }))
}
