//! `Set-Cookie` values read the way browsers read them (RFC 6265bis §5.6), so that the name a
//! decision is made on is exactly the name the browser stores.
//!
//! This parsing is the core of the consent filter, so it is written here rather than taken from
//! the `cookie` crate: that crate follows the RFC 6265 *grammar* (it rejects `test7` and `=v`,
//! which browsers store as nameless cookies, and trims Unicode whitespace where browsers trim
//! only spaces and tabs), so the name it reports can differ from the stored one, and any such
//! difference is a consent bypass.
//!
//! The name-value pair is read eagerly (it is all the filter needs); attributes are read lazily
//! through [`SetCookie::attributes`] and the typed accessors.

use std::fmt;

use crate::cookie_date::parse_cookie_date;
use crate::split;

/// Browsers ignore a cookie whose name and value together exceed 4096 bytes.
pub const MAX_NAME_VALUE_BYTES: usize = 4096;

/// Browsers ignore an attribute whose value exceeds 1024 bytes.
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 1024;

/// Why a `Set-Cookie` value does not give a named cookie (the filter drops it, failing closed).
///
/// # Examples
///
/// ```
/// use cookie_charter::{HeaderProblem, SetCookie};
///
/// // A nameless cookie parses (browsers store it) but the filter drops it as `Nameless`.
/// assert_eq!(SetCookie::parse("=v").map(|c| c.name), Ok(""));
/// assert_eq!(HeaderProblem::Nameless.as_str(), "nameless");
/// assert_eq!(SetCookie::parse("  ").unwrap_err().as_str(), "empty");
/// assert_eq!(SetCookie::parse("a=1\nb=2").unwrap_err(), HeaderProblem::ControlCharacter);
/// let huge = format!("a={}", "x".repeat(5000));
/// assert_eq!(SetCookie::parse(&huge).unwrap_err().to_string(), "too_large");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderProblem {
    /// It holds a control character other than tab (CR, LF, NUL, DEL...).
    ControlCharacter,
    /// Name and value together exceed [`MAX_NAME_VALUE_BYTES`]: browsers ignore it.
    TooLarge,
    /// Neither a name nor a value: browsers ignore it.
    Empty,
    /// No name (`v` or `=v`): browsers store a nameless cookie, which no declaration can match.
    Nameless,
}

impl HeaderProblem {
    /// The stable id: `control_character`, `too_large`, `empty` or `nameless`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ControlCharacter => "control_character",
            Self::TooLarge => "too_large",
            Self::Empty => "empty",
            Self::Nameless => "nameless",
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a byte is a control character browsers refuse in a cookie line (all but tab).
#[inline]
pub(crate) fn is_forbidden_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// Whether any byte is a control character browsers refuse. Written without early exit so that
/// the compiler vectorizes it: this scan of the whole header is a large part of the filter's cost.
#[inline]
pub(crate) fn has_forbidden_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |found, &b| {
        found | u8::from(((b < 0x20) & (b != b'\t')) | (b == 0x7F))
    }) != 0
}

/// Removes leading and trailing spaces and tabs (and nothing else).
#[inline]
pub(crate) fn trim_wsp(text: &str) -> &str {
    let bytes = text.as_bytes();
    let is_wsp = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !is_wsp(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_wsp(b))
        .map_or(start, |i| i + 1);
    // Spaces and tabs are ASCII, so both ends are character boundaries.
    text.get(start..end).unwrap_or_default()
}

/// One `Set-Cookie` value: the name and value a browser stores, and its attributes.
///
/// # Examples
///
/// ```
/// use cookie_charter::SetCookie;
///
/// let cookie = SetCookie::parse(
///     "id = a3fWa ; Max-Age=3600; Domain=.Example.com; Path=/docs; Secure; HttpOnly; SameSite=Lax",
/// )
/// .unwrap();
/// assert_eq!((cookie.name, cookie.value), ("id", "a3fWa"));
/// assert_eq!(cookie.max_age(), Some(3600));
/// assert_eq!(cookie.lifetime(1_700_000_000), Some(3600));
/// assert_eq!(cookie.domain(), Some("Example.com"));
/// assert_eq!(cookie.path(), Some("/docs"));
/// assert!(cookie.secure() && cookie.http_only());
/// assert_eq!(cookie.same_site(), Some("Lax"));
/// assert_eq!(cookie.attributes().count(), 6);
/// assert!(cookie.header().starts_with("id = a3fWa"));
/// // No `=`: a nameless cookie, which no declaration can match.
/// assert_eq!(SetCookie::parse("lonely").map(|c| (c.name, c.value)), Ok(("", "lonely")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetCookie<'a> {
    /// The cookie name, trimmed of spaces and tabs; empty for a nameless cookie.
    pub name: &'a str,
    /// The cookie value, trimmed of spaces and tabs, quotes kept.
    pub value: &'a str,
    header: &'a str,
    attributes_start: usize,
}

impl<'a> SetCookie<'a> {
    /// Reads a `Set-Cookie` value (without the `Set-Cookie:` prefix) as RFC 6265bis does.
    ///
    /// The name-value pair ends at the first `;`; the name is what precedes its first `=`, or
    /// nothing when it has no `=`. Commas separate nothing. A value with a control character,
    /// with neither name nor value, or whose name and value exceed 4096 bytes is an error.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// // Commas separate nothing; the pair ends at the first `;`.
    /// let cookie = SetCookie::parse("a=1, b=2; Path=/").unwrap();
    /// assert_eq!((cookie.name, cookie.value), ("a", "1, b=2"));
    /// assert_eq!(SetCookie::parse("=x").map(|c| c.name), Ok(""));
    /// assert!(SetCookie::parse("a=1\r\n").is_err());
    /// ```
    pub fn parse(header: &'a str) -> Result<Self, HeaderProblem> {
        if has_forbidden_control(header.as_bytes()) {
            return Err(HeaderProblem::ControlCharacter);
        }
        // The name ends at the first `=` or `;`; with `=`, the value ends at the next `;`.
        // Both are ASCII, so every offset here is a character boundary.
        let bytes = header.as_bytes();
        let stop = bytes
            .iter()
            .position(|&b| b == b'=' || b == b';')
            .unwrap_or(bytes.len());
        let before = header.get(..stop).unwrap_or_default();
        let (name, value, pair_end) = if bytes.get(stop) == Some(&b'=') {
            let rest = header.get(stop + 1..).unwrap_or_default();
            let value_len = split::find(rest, b';').unwrap_or(rest.len());
            let value = rest.get(..value_len).unwrap_or_default();
            (trim_wsp(before), trim_wsp(value), stop + 1 + value_len)
        } else {
            ("", trim_wsp(before), stop)
        };
        if name.is_empty() && value.is_empty() {
            return Err(HeaderProblem::Empty);
        }
        if name.len() + value.len() > MAX_NAME_VALUE_BYTES {
            return Err(HeaderProblem::TooLarge);
        }
        Ok(Self {
            name,
            value,
            header,
            attributes_start: pair_end,
        })
    }

    /// The whole header value this cookie was read from.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let header = "a=1; Path=/";
    /// assert_eq!(SetCookie::parse(header).unwrap().header(), header);
    /// ```
    pub fn header(&self) -> &'a str {
        self.header
    }

    /// The attributes in order, as `;`-separated `name=value` pairs (invalid ones included).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let cookie = SetCookie::parse("a=1; Path=/; Max-Age=60; secure").unwrap();
    /// let names: Vec<_> = cookie.attributes().map(|a| a.name).collect();
    /// assert_eq!(names, ["Path", "Max-Age", "secure"]);
    /// let max_age = cookie.attributes().nth(1).unwrap();
    /// assert_eq!((max_age.value, max_age.as_max_age()), ("60", Some(60)));
    /// assert_eq!(&cookie.header()[max_age.start..max_age.end], " Max-Age=60");
    /// ```
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes {
            header: self.header,
            position: self.attributes_start,
        }
    }

    /// The attributes named `name` (ASCII case-insensitive) whose value browsers accept in size.
    fn named(&self, name: &'static str) -> impl Iterator<Item = Attribute<'a>> + use<'a> {
        self.attributes().filter(move |a| {
            a.name.eq_ignore_ascii_case(name) && a.value.len() <= MAX_ATTRIBUTE_VALUE_BYTES
        })
    }

    /// The last valid `Max-Age`, in seconds (negative values kept; they delete).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// assert_eq!(SetCookie::parse("a=1; Max-Age=60; Max-Age=x").unwrap().max_age(), Some(60));
    /// assert_eq!(SetCookie::parse("a=; Max-Age=-1").unwrap().max_age(), Some(-1));
    /// assert_eq!(SetCookie::parse("a=1").unwrap().max_age(), None);
    /// ```
    pub fn max_age(&self) -> Option<i64> {
        self.attributes().filter_map(|a| a.as_max_age()).last()
    }

    /// The last valid `Expires`, in unix seconds.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let cookie = SetCookie::parse("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
    /// assert_eq!(cookie.expires(), Some(1_445_412_480));
    /// assert_eq!(SetCookie::parse("a=1; Expires=soon").unwrap().expires(), None);
    /// ```
    pub fn expires(&self) -> Option<i64> {
        self.attributes().filter_map(|a| a.as_expires()).last()
    }

    /// The lifetime browsers give the cookie at `now`: `None` for a session cookie, a number of
    /// seconds otherwise (zero or less deletes it). `Max-Age` wins over `Expires`; no cap applied.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let now = 1_445_412_000;
    /// let dated = SetCookie::parse("a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
    /// assert_eq!(dated.lifetime(now), Some(480));
    /// // Max-Age wins over Expires.
    /// let both = SetCookie::parse("a=1; Max-Age=10; Expires=Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
    /// assert_eq!(both.lifetime(now), Some(10));
    /// assert_eq!(SetCookie::parse("a=1").unwrap().lifetime(now), None);
    /// ```
    pub fn lifetime(&self, now: u64) -> Option<i64> {
        if let Some(max_age) = self.max_age() {
            return Some(max_age);
        }
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        self.expires().map(|at| at.saturating_sub(now))
    }

    /// The last non-empty `Domain`, without its leading dot and not yet lowercased; `Some("")`
    /// when the last one is a lone dot (then the cookie is host-only).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// assert_eq!(SetCookie::parse("a=1; Domain=.Example.com").unwrap().domain(), Some("Example.com"));
    /// assert_eq!(SetCookie::parse("a=1; Domain=.").unwrap().domain(), Some(""));
    /// assert_eq!(SetCookie::parse("a=1").unwrap().domain(), None);
    /// ```
    pub fn domain(&self) -> Option<&'a str> {
        self.named("domain")
            .filter(|a| !a.value.is_empty())
            .map(|a| a.value.strip_prefix('.').unwrap_or(a.value))
            .last()
    }

    /// The last `Path` if it starts with `/`; `None` when absent or when the last one does not
    /// (then the browser uses the default path of the request URL).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// assert_eq!(SetCookie::parse("a=1; Path=/shop").unwrap().path(), Some("/shop"));
    /// assert_eq!(SetCookie::parse("a=1; Path=shop").unwrap().path(), None);
    /// ```
    pub fn path(&self) -> Option<&'a str> {
        self.named("path")
            .last()
            .map(|a| a.value)
            .filter(|p| p.starts_with('/'))
    }

    /// Whether a `Secure` attribute is present.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// assert!(SetCookie::parse("a=1; SECURE").unwrap().secure());
    /// assert!(!SetCookie::parse("a=1").unwrap().secure());
    /// ```
    pub fn secure(&self) -> bool {
        self.named("secure").next().is_some()
    }

    /// Whether an `HttpOnly` attribute is present.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// assert!(SetCookie::parse("a=1; HttpOnly").unwrap().http_only());
    /// assert!(!SetCookie::parse("a=1; Secure").unwrap().http_only());
    /// ```
    pub fn http_only(&self) -> bool {
        self.named("httponly").next().is_some()
    }

    /// The value of the last `SameSite` attribute, as written.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let cookie = SetCookie::parse("a=1; SameSite=Lax; SameSite=strict").unwrap();
    /// assert_eq!(cookie.same_site(), Some("strict"));
    /// assert_eq!(SetCookie::parse("a=1").unwrap().same_site(), None);
    /// ```
    pub fn same_site(&self) -> Option<&'a str> {
        self.named("samesite").last().map(|a| a.value)
    }
}

/// The name a browser stores for `header`: the same answer as [`SetCookie::parse`] (an empty
/// name is [`HeaderProblem::Nameless`]), without reading the value when its size cannot matter.
/// This is the filter's hot path.
pub(crate) fn stored_name(header: &str) -> Result<&str, HeaderProblem> {
    if header.len() > MAX_NAME_VALUE_BYTES {
        // Rare: the size check needs the value, so read everything.
        return SetCookie::parse(header).and_then(|c| {
            if c.name.is_empty() {
                Err(HeaderProblem::Nameless)
            } else {
                Ok(c.name)
            }
        });
    }
    if has_forbidden_control(header.as_bytes()) {
        return Err(HeaderProblem::ControlCharacter);
    }
    let bytes = header.as_bytes();
    let stop = bytes
        .iter()
        .position(|&b| b == b'=' || b == b';')
        .unwrap_or(bytes.len());
    let name = trim_wsp(header.get(..stop).unwrap_or_default());
    if bytes.get(stop) == Some(&b'=') && !name.is_empty() {
        return Ok(name);
    }
    // No name: an empty header is ignored, anything else is a nameless cookie.
    match SetCookie::parse(header) {
        Ok(_) => Err(HeaderProblem::Nameless),
        Err(problem) => Err(problem),
    }
}

/// `Max-Age` as RFC 6265bis reads it: an optional `-` then digits only; saturates when huge.
fn parse_max_age(value: &str) -> Option<i64> {
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, d| {
        acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
    });
    Some(if negative { -magnitude } else { magnitude })
}

/// One attribute of a `Set-Cookie` value.
///
/// # Examples
///
/// ```
/// use cookie_charter::SetCookie;
///
/// let header = "a=1;  Max-Age = 60 ; Expires=Wed, 21 Oct 2015 07:28:00 GMT; Path=/";
/// let cookie = SetCookie::parse(header).unwrap();
/// let attributes: Vec<_> = cookie.attributes().collect();
/// assert_eq!((attributes[0].name, attributes[0].value), ("Max-Age", "60"));
/// assert_eq!(attributes[0].as_max_age(), Some(60));
/// assert_eq!(attributes[1].as_expires(), Some(1_445_412_480));
/// assert_eq!((attributes[2].as_max_age(), attributes[2].as_expires()), (None, None));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    /// The name, trimmed of spaces and tabs, as written.
    pub name: &'a str,
    /// The value, trimmed of spaces and tabs; empty when there is no `=`.
    pub value: &'a str,
    /// Byte offset of the attribute text (after its `;`) in the header value.
    pub start: usize,
    /// Byte offset just past the attribute text (at the next `;` or the end).
    pub end: usize,
}

impl Attribute<'_> {
    /// The seconds of a valid `Max-Age` attribute; `None` for any other attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let cookie = SetCookie::parse("a=1; Max-Age=+5; Max-Age=-5").unwrap();
    /// let ages: Vec<_> = cookie.attributes().map(|a| a.as_max_age()).collect();
    /// assert_eq!(ages, [None, Some(-5)]);
    /// ```
    pub fn as_max_age(&self) -> Option<i64> {
        if !self.name.eq_ignore_ascii_case("max-age")
            || self.value.len() > MAX_ATTRIBUTE_VALUE_BYTES
        {
            return None;
        }
        parse_max_age(self.value)
    }

    /// The unix time of a valid `Expires` attribute; `None` for any other attribute.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::SetCookie;
    ///
    /// let cookie = SetCookie::parse("a=1; Expires=Thu, 01 Jan 1970 00:01:00 GMT").unwrap();
    /// assert_eq!(cookie.attributes().next().and_then(|a| a.as_expires()), Some(60));
    /// ```
    pub fn as_expires(&self) -> Option<i64> {
        if !self.name.eq_ignore_ascii_case("expires")
            || self.value.len() > MAX_ATTRIBUTE_VALUE_BYTES
        {
            return None;
        }
        parse_cookie_date(self.value)
    }
}

/// The attributes of a [`SetCookie`], in order.
///
/// # Examples
///
/// ```
/// use cookie_charter::SetCookie;
///
/// let cookie = SetCookie::parse("a=1; Path=/; ; HttpOnly").unwrap();
/// let mut attributes = cookie.attributes();
/// assert_eq!(attributes.next().map(|a| a.name), Some("Path"));
/// assert_eq!(attributes.last().map(|a| a.name), Some("HttpOnly"));
/// ```
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    header: &'a str,
    /// The offset of the next `;`, or the end of the header when done.
    position: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;

    fn next(&mut self) -> Option<Attribute<'a>> {
        let start = self.position.checked_add(1)?;
        let rest = self.header.get(start..)?;
        let len = split::find(rest, b';').unwrap_or(rest.len());
        let text = rest.get(..len).unwrap_or_default();
        self.position = start + len;
        let (name, value) = match split::split_once(text, b'=') {
            Some((name, value)) => (trim_wsp(name), trim_wsp(value)),
            None => (trim_wsp(text), ""),
        };
        Some(Attribute {
            name,
            value,
            start,
            end: start + len,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_value(header: &str) -> Result<(&str, &str), HeaderProblem> {
        SetCookie::parse(header).map(|c| (c.name, c.value))
    }

    #[test]
    fn names_as_browsers_do() {
        assert_eq!(name_value("  test  = 12  ;foo"), Ok(("test", "12")));
        assert_eq!(name_value("test7"), Ok(("", "test7")));
        assert_eq!(name_value("=test10"), Ok(("", "test10")));
        assert_eq!(name_value("=a=b"), Ok(("", "a=b")));
        assert_eq!(name_value("a=1, b=2"), Ok(("a", "1, b=2")));
        assert_eq!(name_value("a=\"x;y\""), Ok(("a", "\"x")));
        assert_eq!(name_value("\u{a0}a=1"), Ok(("\u{a0}a", "1")));
        assert_eq!(name_value("t\t=\t21\t;x"), Ok(("t", "21")));
    }

    #[test]
    fn rejects_what_browsers_ignore() {
        assert_eq!(name_value("a\r\nb=1"), Err(HeaderProblem::ControlCharacter));
        assert_eq!(name_value("a=1\0"), Err(HeaderProblem::ControlCharacter));
        assert_eq!(name_value("a=\x7f"), Err(HeaderProblem::ControlCharacter));
        assert_eq!(name_value(" = ; a=b"), Err(HeaderProblem::Empty));
        assert_eq!(name_value(""), Err(HeaderProblem::Empty));
        let big = format!("a={}", "x".repeat(4096));
        assert_eq!(name_value(&big), Err(HeaderProblem::TooLarge));
        let fits = format!("a={}", "x".repeat(4095));
        assert!(name_value(&fits).is_ok());
    }

    #[test]
    fn stored_name_agrees_with_parse() {
        let long = format!("a={}", "x".repeat(4095));
        let too_long = format!("a={}", "x".repeat(4096));
        let nameless_long = format!("={}", "x".repeat(4200));
        for header in [
            "a=1",
            " a = 1 ;b",
            "a",
            "=a",
            " = ",
            "",
            ";a=1",
            "a;=1",
            "a=1\n",
            "\ta\t=;",
            "a b=1",
            "é=1",
            &long,
            &too_long,
            &nameless_long,
        ] {
            let expected = SetCookie::parse(header).and_then(|c| {
                if c.name.is_empty() {
                    Err(HeaderProblem::Nameless)
                } else {
                    Ok(c.name)
                }
            });
            assert_eq!(stored_name(header), expected, "{header:?}");
        }
    }

    #[test]
    fn reads_attributes() {
        let c = SetCookie::parse(
            "a=1; Max-Age=50,3; max-age=60; Domain=.Example.com; Path=/x; Path=y; Secure; SameSite=Lax",
        )
        .unwrap();
        assert_eq!(c.max_age(), Some(60));
        assert_eq!(c.lifetime(1000), Some(60));
        assert_eq!(c.domain(), Some("Example.com"));
        assert_eq!(c.path(), None);
        assert!(c.secure());
        assert!(!c.http_only());
        assert_eq!(c.same_site(), Some("Lax"));
        let names: Vec<_> = c.attributes().map(|a| a.name).collect();
        assert_eq!(names.len(), 7);
        let first = c.attributes().next().unwrap();
        assert_eq!(
            c.header().get(first.start..first.end),
            Some(" Max-Age=50,3")
        );
    }

    #[test]
    fn max_age_wins_and_saturates() {
        let c = SetCookie::parse("a=1; Max-Age=-5; Expires=Fri, 01 Jan 2038 00:00:00 GMT").unwrap();
        assert_eq!(c.lifetime(0), Some(-5));
        let c = SetCookie::parse("a=1; Expires=Thu, 01 Jan 1970 00:01:40 GMT").unwrap();
        assert_eq!(c.lifetime(40), Some(60));
        let c = SetCookie::parse("a=1; Max-Age=99999999999999999999999").unwrap();
        assert_eq!(c.max_age(), Some(i64::MAX));
        assert_eq!(SetCookie::parse("a=1").unwrap().lifetime(0), None);
        assert_eq!(parse_max_age("-"), None);
        assert_eq!(parse_max_age("+5"), None);
        assert_eq!(parse_max_age("2.5"), None);
    }
}
