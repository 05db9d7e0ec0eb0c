//! The decoders the consent-source formats share, one per encoding a banner uses on the wire
//! (`research/cmp-cookie-formats.md` §4): the raw value's checks, percent-decoding (RFC 3986,
//! `+` stays literal: what JavaScript's `encodeURIComponent` writes), form-decoding
//! (`application/x-www-form-urlencoded`, `+` is a space: OneTrust), base64 (Didomi), JSON with a
//! depth limit, and ISO 8601 dates.
//!
//! Each fails with the [`Problem`] the consent reports; none panics or allocates more than a
//! copy of its input.

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::consent::Problem;
use crate::cookie_date::days_from_civil;
use crate::limits::{MAX_CONSENT_BYTES, MAX_SOURCE_JSON_DEPTH};

pub(crate) use super::json::Json;

/// Whether `b` is a control byte (C0 or DEL); tab included, as a cookie value never holds one.
fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7F
}

/// The checks of every raw cookie value: not empty (`absent`), at most [`MAX_CONSENT_BYTES`]
/// bytes (`oversized`), no control byte (`malformed`).
pub(crate) fn check_raw(value: &str) -> Result<(), Problem> {
    if value.is_empty() {
        return Err(Problem::Absent);
    }
    if value.len() > MAX_CONSENT_BYTES {
        return Err(Problem::Oversized);
    }
    // Without an early exit, the compiler checks many bytes at once.
    if value.bytes().fold(false, |found, b| found | is_control(b)) {
        return Err(Problem::Malformed("the value holds a control character"));
    }
    Ok(())
}

/// Marks a byte that is not a hexadecimal digit in [`HEX`].
const NOT_HEX: u8 = 0x10;

/// The value of each byte as an ASCII hexadecimal digit, [`NOT_HEX`] for the others: one load
/// per digit instead of three ranges tested.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time, where an index out of bounds fails the build"
)]
const HEX: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// The value of `b` as a hexadecimal digit, [`NOT_HEX`] if it is not one.
fn hex(b: u8) -> u8 {
    // Every `u8` is an index of the table: the compiler drops the bounds check.
    HEX.get(usize::from(b)).copied().unwrap_or(NOT_HEX)
}

/// Percent-decoding in one pass, `+` a space when `PLUS_IS_SPACE`: strict where the
/// `percent-encoding` crate is lenient (it keeps a `%` that starts no escape as it is, where
/// JavaScript's `decodeURIComponent` throws), and refusing escaped control bytes on the way (the
/// raw text has passed [`check_raw`]).
///
/// One loop over the bytes into a buffer of the input's length, written by index: a banner's
/// JSON escapes about one byte in six, so the runs between escapes are short, and copying them
/// with `memchr` and `extend_from_slice` (a call each) cost more than this loop does; so did
/// `Vec::push`, whose capacity test and length update come with every byte (measured with
/// callgrind on a `cc_cookie`: 6,970 instructions a value with `push`, 6,050 with this loop, 7,320
/// with iterators over both buffers).
fn unescape<const PLUS_IS_SPACE: bool>(text: &str) -> Result<Cow<'_, str>, Problem> {
    let bytes = text.as_bytes();
    let has_plus = PLUS_IS_SPACE && memchr::memchr(b'+', bytes).is_some();
    if memchr::memchr(b'%', bytes).is_none() {
        if !has_plus {
            return Ok(Cow::Borrowed(text));
        }
        return Ok(Cow::Owned(text.replace('+', " ")));
    }
    let mut out = vec![0_u8; bytes.len()];
    let mut written = 0;
    let mut read = 0;
    while let Some(&b) = bytes.get(read) {
        let byte = if b == b'%' {
            let high = bytes.get(read + 1).map_or(NOT_HEX, |&b| hex(b));
            let low = bytes.get(read + 2).map_or(NOT_HEX, |&b| hex(b));
            if (high | low) & NOT_HEX != 0 {
                return Err(Problem::Malformed("bad percent-encoding"));
            }
            let decoded = high << 4 | low;
            if is_control(decoded) {
                return Err(Problem::Malformed(
                    "the decoded value holds a control character",
                ));
            }
            read += 3;
            decoded
        } else {
            read += 1;
            if PLUS_IS_SPACE && b == b'+' { b' ' } else { b }
        };
        // `written` never passes `read`, which is at most the buffer's length.
        if let Some(slot) = out.get_mut(written) {
            *slot = byte;
        }
        written += 1;
    }
    out.truncate(written);
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| Problem::Malformed("percent-decoding gives bytes that are not utf-8"))
}

/// Percent-decoding (RFC 3986; `+` stays a `+`), as `decodeURIComponent`: a `%` that does not
/// start an escape, escapes that are not UTF-8 and escaped control bytes are `malformed` (raw
/// ones are [`check_raw`]'s). Text without `%` is returned as it is.
pub(crate) fn percent(text: &str) -> Result<Cow<'_, str>, Problem> {
    unescape::<false>(text)
}

/// Form-decoding (`application/x-www-form-urlencoded`): `+` is a space, then as [`percent`].
pub(crate) fn form(text: &str) -> Result<Cow<'_, str>, Problem> {
    unescape::<true>(text)
}

/// Base64 of the standard alphabet, padding optional (Didomi writes both); anything else
/// (another alphabet, whitespace, bits left over) is `malformed`.
pub(crate) fn base64(text: &str) -> Result<Vec<u8>, Problem> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE
        .decode(text)
        .map_err(|_| Problem::Malformed("bad base64"))
}

/// Bytes that must be UTF-8 text without control bytes.
pub(crate) fn utf8(bytes: Vec<u8>) -> Result<String, Problem> {
    if bytes.iter().copied().any(is_control) {
        return Err(Problem::Malformed(
            "the decoded value holds a control character",
        ));
    }
    String::from_utf8(bytes).map_err(|_| Problem::Malformed("the decoded value is not utf-8"))
}

/// Strict JSON (`serde_json`), nested at most [`MAX_SOURCE_JSON_DEPTH`] deep: deeper or invalid
/// text is `malformed`, an object that repeats a key is `duplicate_key`.
pub(crate) fn json(text: &str) -> Result<Json<'_>, Problem> {
    super::json::parse(text, MAX_SOURCE_JSON_DEPTH, None)
}

/// [`json`] keeping only the `keys` of a top-level object: the others are checked as JSON and
/// for depth, but neither kept nor checked for repeats (a key that is not read cannot be read
/// two ways).
pub(crate) fn json_fields<'a>(
    text: &'a str,
    keys: &'static [&'static str],
) -> Result<Json<'a>, Problem> {
    super::json::parse(text, MAX_SOURCE_JSON_DEPTH, Some(keys))
}

/// The keys of a value, each once: `duplicate_key` otherwise. A few keys are compared pair by
/// pair (no allocation); more are sorted.
pub(crate) fn unique<'a>(keys: impl Iterator<Item = &'a str> + Clone) -> Result<(), Problem> {
    const FEW: usize = 16;
    let repeated = if keys.clone().nth(FEW).is_none() {
        keys.clone()
            .enumerate()
            .any(|(i, key)| keys.clone().skip(i + 1).any(|other| other == key))
    } else {
        let mut sorted: Vec<&str> = keys.collect();
        sorted.sort_unstable();
        sorted.windows(2).any(|w| w.first() == w.get(1))
    };
    if repeated {
        Err(Problem::DuplicateKey)
    } else {
        Ok(())
    }
}

/// Exactly `n` ASCII digits as a number.
fn digits(text: &[u8], n: usize) -> Option<u32> {
    if text.len() != n || !text.iter().all(u8::is_ascii_digit) {
        return None;
    }
    text.iter()
        .try_fold(0_u32, |acc, b| Some(acc * 10 + u32::from(b - b'0')))
}

/// An ISO 8601 date-time as JavaScript's `Date.prototype.toISOString` writes it
/// (`2024-11-20T19:02:36.823Z`), or with a `±HH:MM` offset or no fraction: unix seconds
/// (fractions dropped). `None` for anything else or a date before 1970.
pub(crate) fn iso8601(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    let (date, rest) = (bytes.get(..10)?, bytes.get(10..)?);
    if date.get(4) != Some(&b'-') || date.get(7) != Some(&b'-') {
        return None;
    }
    let year = digits(date.get(..4)?, 4)?;
    let month = digits(date.get(5..7)?, 2)?;
    let day = digits(date.get(8..10)?, 2)?;
    let (time, mut zone) = (rest.get(..9)?, rest.get(9..)?);
    if !matches!(time.first(), Some(b'T' | b't')) || time.get(3) != Some(&b':') {
        return None;
    }
    if time.get(6) != Some(&b':') {
        return None;
    }
    let hour = digits(time.get(1..3)?, 2)?;
    let minute = digits(time.get(4..6)?, 2)?;
    let second = digits(time.get(7..9)?, 2)?;
    if zone.first() == Some(&b'.') {
        let fraction = zone
            .iter()
            .skip(1)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if fraction == 0 {
            return None;
        }
        zone = zone.get(1 + fraction..)?;
    }
    let offset: i64 = match zone {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = i64::from(digits(&[*h1, *h2], 2)?);
            let minutes = i64::from(digits(&[*m1, *m2], 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = hours * 3600 + minutes * 60;
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds =
        days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second.min(59))
            - offset;
    u64::try_from(seconds).ok()
}

/// Milliseconds since 1970 written as digits (Cookiebot's `utc`, CookieYes's
/// `lastRenewedDate`): unix seconds.
pub(crate) fn epoch_millis(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u64>().ok().map(|ms| ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The one-pass decoder agrees with the `percent-encoding` crate wherever the text is
        /// valid, and refuses exactly the text that is not: a `%` starting no escape, bytes that
        /// are not UTF-8, control bytes.
        #[test]
        fn percent_agrees_with_the_percent_encoding_crate(
            text in "([a-zA-Z0-9+ {}:,\"\u{e9}]|%[0-9a-fA-F]{2}|%[0-9a-g]?)*",
        ) {
            let theirs = percent_encoding::percent_decode_str(&text).collect::<Vec<u8>>();
            let bad_escape = text.match_indices('%').any(|(i, _)| {
                !text.as_bytes().get(i + 1..i + 3).is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            });
            let expected = match String::from_utf8(theirs) {
                _ if bad_escape => None,
                Ok(s) if !s.bytes().any(is_control) => Some(s),
                _ => None,
            };
            prop_assert_eq!(percent(&text).ok().map(Cow::into_owned), expected.clone());
            let spaced = text.replace('+', " ");
            let form_expected = expected.map(|_| percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned());
            prop_assert_eq!(form(&text).ok().map(Cow::into_owned), form_expected);
        }
    }

    #[test]
    fn raw_values_are_checked_for_size_and_control_bytes() {
        assert_eq!(check_raw(""), Err(Problem::Absent));
        assert_eq!(check_raw(&"a".repeat(4096)), Ok(()));
        assert_eq!(check_raw(&"a".repeat(4097)), Err(Problem::Oversized));
        for bad in ["a\0b", "a\tb", "\u{7f}", "x\r\n"] {
            assert_eq!(check_raw(bad).map_err(|p| p.code()), Err("malformed"));
        }
        assert_eq!(check_raw("{\"é\":true}"), Ok(()));
    }

    #[test]
    fn percent_decoding_is_strict_and_keeps_plus() {
        assert_eq!(percent("a+b%20c").as_deref(), Ok("a+b c"));
        assert!(matches!(percent("plain"), Ok(Cow::Borrowed("plain"))));
        assert_eq!(percent("%C3%A9").as_deref(), Ok("é"));
        for bad in ["%", "%2", "%zz", "a%2g", "%FF", "%C3", "%00", "%0A"] {
            assert_eq!(
                percent(bad).map_err(|p| p.code()),
                Err("malformed"),
                "{bad}"
            );
        }
    }

    #[test]
    fn form_decoding_turns_plus_into_space() {
        assert_eq!(form("a+b%2Bc").as_deref(), Ok("a b+c"));
        assert_eq!(form("C0001%3A1").as_deref(), Ok("C0001:1"));
        assert_eq!(form("%zz+").map_err(|p| p.code()), Err("malformed"));
    }

    #[test]
    fn base64_takes_the_standard_alphabet_with_or_without_padding() {
        assert_eq!(base64("eyJhIjoxfQ=="), Ok(b"{\"a\":1}".to_vec()));
        assert_eq!(base64("eyJhIjoxfQ"), Ok(b"{\"a\":1}".to_vec()));
        for bad in ["eyJh-IjoxfQ", "eyJhI joxfQ", "e", "eyJhIjoxfR"] {
            assert_eq!(base64(bad).map_err(|p| p.code()), Err("malformed"), "{bad}");
        }
        assert_eq!(utf8(vec![0xff]).map_err(|p| p.code()), Err("malformed"));
        assert_eq!(
            utf8(b"a\0".to_vec()).map_err(|p| p.code()),
            Err("malformed")
        );
    }

    #[test]
    fn json_is_strict_limited_in_depth_and_refuses_repeated_keys() {
        assert!(json("{\"a\":[1,{\"b\":null}]}").is_ok());
        let deep = format!("{}{}", "[".repeat(17), "]".repeat(17));
        assert_eq!(json(&deep).map_err(|p| p.code()), Err("malformed"));
        let ok = format!("{}{}", "[".repeat(16), "]".repeat(16));
        assert!(json(&ok).is_ok());
        // Brackets inside strings do not count.
        let quoted = format!("[\"{}\"]", "[".repeat(100));
        assert!(json(&quoted).is_ok());
        assert_eq!(json("{\"a\":1,\"a\":2}"), Err(Problem::DuplicateKey));
        assert_eq!(
            json("{\"x\":{\"a\":1,\"a\":1}}"),
            Err(Problem::DuplicateKey)
        );
        for bad in ["", "{", "{a:1}", "{'a':1}", "[1,]", "{\"a\":1} x"] {
            assert_eq!(json(bad).map_err(|p| p.code()), Err("malformed"), "{bad}");
        }
    }

    #[test]
    fn json_fields_keeps_only_its_keys_and_still_checks_the_others() {
        const KEYS: [&str; 2] = ["a", "b"];
        let value = json_fields("{\"a\":1,\"x\":{\"y\":[1,2]},\"b\":[\"s\"],\"x\":2}", &KEYS);
        let Ok(Json::Object(entries)) = value else {
            panic!("{value:?}");
        };
        assert_eq!(entries.len(), 2);
        let deep = format!("{{\"a\":1,\"x\":{}{}}}", "[".repeat(16), "]".repeat(16));
        assert_eq!(
            json_fields(&deep, &KEYS).map_err(|p| p.code()),
            Err("malformed")
        );
        assert_eq!(
            json_fields("{\"a\":1,\"x\":[}", &KEYS).map_err(|p| p.code()),
            Err("malformed")
        );
        assert_eq!(
            json_fields("{\"a\":1,\"a\":2}", &KEYS),
            Err(Problem::DuplicateKey)
        );
        assert_eq!(
            json_fields("[1]", &KEYS),
            Ok(Json::Array(vec![Json::UInt(1)]))
        );
    }

    #[test]
    fn iso_dates_read_as_javascript_writes_them() {
        assert_eq!(iso8601("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(iso8601("2024-11-20T19:02:36.823Z"), Some(1_732_129_356));
        assert_eq!(iso8601("2024-11-20T19:02:36Z"), Some(1_732_129_356));
        assert_eq!(iso8601("2024-11-20T20:02:36+01:00"), Some(1_732_129_356));
        assert_eq!(iso8601("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        for bad in [
            "",
            "2024-11-20",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-11-20T24:00:00Z",
            "2024-11-20T19:02:36.Z",
            "2024-11-20T19:02:36",
            "1969-12-31T23:59:59Z",
            "2024-11-20 19:02:36Z",
            "+02024-11-20T19:02:36Z",
        ] {
            assert_eq!(iso8601(bad), None, "{bad}");
        }
        assert_eq!(epoch_millis("1705162226478"), Some(1_705_162_226));
        assert_eq!(epoch_millis("-1"), None);
        assert_eq!(epoch_millis("99999999999999999999"), None);
    }
}
