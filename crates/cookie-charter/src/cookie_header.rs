//! The `Cookie` request header: the cookies the visitor's browser holds for this request.

use crate::set_cookie::trim_wsp;

/// One cookie of a `Cookie` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CookiePair<'a> {
    /// The name, trimmed of spaces and tabs; empty for a nameless cookie (sent as its value alone).
    pub name: &'a str,
    /// The value, trimmed of spaces and tabs, as sent.
    pub value: &'a str,
}

/// Reads a `Cookie` header value: `;`-separated `name=value` pairs, in the order sent.
///
/// Empty pieces are skipped; a piece without `=` is a nameless cookie (browsers send those as the
/// value alone). Nothing is decoded or validated: names may hold any byte the header held.
pub fn parse_cookie_header(header: &str) -> CookiePairs<'_> {
    CookiePairs {
        pieces: header.split(';'),
    }
}

/// The cookies of a `Cookie` header, from [`parse_cookie_header`].
#[derive(Debug, Clone)]
pub struct CookiePairs<'a> {
    pieces: std::str::Split<'a, char>,
}

impl<'a> Iterator for CookiePairs<'a> {
    type Item = CookiePair<'a>;

    fn next(&mut self) -> Option<CookiePair<'a>> {
        loop {
            let piece = trim_wsp(self.pieces.next()?);
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match piece.split_once('=') {
                Some((name, value)) => (trim_wsp(name), trim_wsp(value)),
                None => ("", piece),
            };
            return Some(CookiePair { name, value });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(header: &str) -> Vec<(&str, &str)> {
        parse_cookie_header(header)
            .map(|p| (p.name, p.value))
            .collect()
    }

    #[test]
    fn reads_pairs_in_order() {
        assert_eq!(
            pairs("a=1; _ga=GA1.2.3=4;;  b = 2 ;nameless"),
            vec![
                ("a", "1"),
                ("_ga", "GA1.2.3=4"),
                ("b", "2"),
                ("", "nameless")
            ]
        );
        assert!(pairs("").is_empty());
        assert!(pairs(" ; ;\t").is_empty());
    }
}
