//! Splitting a text at an ASCII byte: what the header and consent parsers do on every request.
//!
//! `str::split(';')` and `str::split_once('=')` look for a `char`, and check each match against
//! its UTF-8 encoding with a call to `memcmp`; on the short pieces of a header, that check and
//! the searcher's setup cost more than the search (a third of the time of reading a consent
//! cookie, measured). These look for the byte itself: a plain loop on short texts, `memchr` on
//! long ones. An ASCII byte never occurs inside a
//! multi-byte character, so every place found is a character boundary.

/// Below this many bytes a plain loop finds a byte sooner than `memchr`'s vectorised search
/// (measured on a consent cookie's pieces), above it `memchr` is far faster.
const SHORT: usize = 32;

/// The offset of the first `byte` (ASCII) in `text`.
pub(crate) fn find(text: &str, byte: u8) -> Option<usize> {
    debug_assert!(byte.is_ascii());
    let bytes = text.as_bytes();
    if bytes.len() < SHORT {
        bytes.iter().position(|&b| b == byte)
    } else {
        memchr::memchr(byte, bytes)
    }
}

/// `text` before and after its first `byte` (ASCII), as `str::split_once`.
pub(crate) fn split_once(text: &str, byte: u8) -> Option<(&str, &str)> {
    let at = find(text, byte)?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The pieces of `text` between its `byte`s (ASCII), as `str::split`: `n` bytes give `n + 1`
/// pieces, empty ones included.
pub(crate) fn split(text: &str, byte: u8) -> Split<'_> {
    Split {
        rest: Some(text),
        byte,
    }
}

/// The iterator of [`split`].
#[derive(Debug, Clone)]
pub(crate) struct Split<'a> {
    /// What is left to split; `None` once the last piece was given.
    rest: Option<&'a str>,
    byte: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        match split_once(rest, self.byte) {
            Some((piece, after)) => {
                self.rest = Some(after);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The same pieces as the standard library's, on any text and any ASCII byte.
        #[test]
        fn agrees_with_str(text in "[a-c;=é\u{1F36A} ]{0,24}", byte in prop::sample::select(vec![b';', b'=', b'a', b' '])) {
            let c = char::from(byte);
            prop_assert_eq!(split(&text, byte).collect::<Vec<_>>(), text.split(c).collect::<Vec<_>>());
            prop_assert_eq!(split_once(&text, byte), text.split_once(c));
            prop_assert_eq!(find(&text, byte), text.find(c));
        }
    }

    #[test]
    fn keeps_empty_pieces() {
        assert_eq!(split("", b';').collect::<Vec<_>>(), [""]);
        assert_eq!(split(";a;;", b';').collect::<Vec<_>>(), ["", "a", "", ""]);
        assert_eq!(split_once("a=b=c", b'='), Some(("a", "b=c")));
        assert_eq!(split_once("abc", b'='), None);
    }
}
