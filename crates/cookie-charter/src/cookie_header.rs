//! The `Cookie` request header: the cookies the visitor's browser holds for this request.

use crate::consent::Consent;
use crate::policy::Policy;
use crate::set_cookie::trim_wsp;
use crate::split::{self, Split};

/// One cookie of a `Cookie` header.
///
/// # Examples
///
/// ```
/// use cookie_charter::{CookiePair, parse_cookie_header};
///
/// let first = parse_cookie_header(" a = 1 ; b=2").next();
/// assert_eq!(first, Some(CookiePair { name: "a", value: "1" }));
/// ```
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
///
/// # Examples
///
/// ```
/// use cookie_charter::parse_cookie_header;
///
/// let pairs: Vec<_> = parse_cookie_header("a=1;; b=x=y; lonely").map(|p| (p.name, p.value)).collect();
/// assert_eq!(pairs, [("a", "1"), ("b", "x=y"), ("", "lonely")]);
/// ```
pub fn parse_cookie_header(header: &str) -> CookiePairs<'_> {
    CookiePairs {
        pieces: split::split(header, b';'),
    }
}

/// The cookies of a `Cookie` header, from [`parse_cookie_header`].
///
/// # Examples
///
/// ```
/// use cookie_charter::parse_cookie_header;
///
/// let mut pairs = parse_cookie_header("a=1; b=2");
/// assert_eq!(pairs.next().map(|p| p.name), Some("a"));
/// assert_eq!(pairs.next().map(|p| p.value), Some("2"));
/// assert_eq!(pairs.next(), None);
/// ```
#[derive(Debug, Clone)]
pub struct CookiePairs<'a> {
    pieces: Split<'a>,
}

impl<'a> Iterator for CookiePairs<'a> {
    type Item = CookiePair<'a>;

    fn next(&mut self) -> Option<CookiePair<'a>> {
        loop {
            let piece = trim_wsp(self.pieces.next()?);
            if piece.is_empty() {
                continue;
            }
            let (name, value) = match split::split_once(piece, b'=') {
                Some((name, value)) => (trim_wsp(name), trim_wsp(value)),
                None => ("", piece),
            };
            return Some(CookiePair { name, value });
        }
    }
}

impl Policy {
    /// The visitor's consent, read from a `Cookie` request header through the policy's consent
    /// sources (`site.consent_sources`, spec §11): the first source whose cookie the request
    /// holds decides, and the consent says which ([`Consent::source`]); none present gives no
    /// consent (`absent`). A policy that declares no source reads the cookie named by
    /// `site.consent_cookie` (see [`Consent::from_cookie`]).
    ///
    /// A browser may send several cookies of one name (set for other paths or parent domains,
    /// possibly by a sibling subdomain). Copies with the same value count once; copies that
    /// disagree fail closed: no consent, with a `malformed` problem saying so. A source's value
    /// that cannot be decoded gives no consent either, with its problem.
    ///
    /// When the policy has keys ([`with_consent_keys`](Self::with_consent_keys)) or requires
    /// signed consents (`site.require_signed_consent`), the engine's own cookie is checked with
    /// [`verify_consent`](Self::verify_consent): a well-signed value comes back verified, a
    /// forged one (or, when signatures are required, an unsigned one) is no consent with a
    /// `malformed` problem. Other sources' values are never signed and are left as read.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Choice, Policy};
    ///
    /// # let policy = cookie_charter::Policy::from_toml(r#"
    /// # [site]
    /// # name = "Example"
    /// # url = "https://www.example.com"
    /// # consent_cookie = "consent"
    /// # [purposes.marketing]
    /// # label = "Marketing"
    /// # [purposes.preferences]
    /// # label = "Preferences"
    /// # [[cookies]]
    /// # name = "consent"
    /// # provider = "Example"
    /// # service = "Consent banner"
    /// # purpose = "necessary"
    /// # description = "Remembers your choice"
    /// # lifetime = "6 months"
    /// # [[cookies]]
    /// # name = "_pk_id"
    /// # provider = "Example"
    /// # service = "Matomo"
    /// # purpose = "statistics"
    /// # description = "Counts visits"
    /// # lifetime = "13 months"
    /// # anonymous = true
    /// # [[cookies]]
    /// # name = "theme"
    /// # provider = "Example"
    /// # service = "Site"
    /// # purpose = "preferences"
    /// # description = "Remembers the theme"
    /// # lifetime = "1 year"
    /// # [[cookies]]
    /// # name = "_ad_*"
    /// # provider = "Ads Inc."
    /// # service = "Advertising"
    /// # purpose = "marketing"
    /// # description = "Tracks you"
    /// # lifetime = "13 months"
    /// # domain = "ads.example.net"
    /// # "#)?;
    /// let consent =
    ///     policy.consent_from_cookie_header("theme=dark; consent=v=1&rev=1&at=5&marketing=1");
    /// assert_eq!(consent.choice("marketing"), Some(Choice::Granted));
    /// let none = policy.consent_from_cookie_header("theme=dark");
    /// assert_eq!(none.problem().map(|p| p.code()), Some("absent"));
    /// // Two copies that disagree fail closed.
    /// let twice = policy.consent_from_cookie_header("consent=v=1&rev=1&at=5; consent=v=1&rev=1&at=6");
    /// assert_eq!(twice.problem().map(|p| p.code()), Some("malformed"));
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn consent_from_cookie_header(&self, header: &str) -> Consent {
        if !self.consent_sources.is_empty() {
            return crate::sources::read(self, header);
        }
        let name = self.site.consent_cookie.as_str();
        let mut found: Option<&str> = None;
        for pair in parse_cookie_header(header).filter(|p| p.name == name) {
            match found {
                Some(value) if value != pair.value => {
                    return Consent::unusable(crate::sources::DISAGREE);
                }
                _ => found = Some(pair.value),
            }
        }
        self.checked_own_consent(Consent::from_cookie(found.unwrap_or_default()))
    }

    /// The engine's own consent cookie as read, checked against the policy's keys when it has
    /// any or requires signatures; unchanged (one branch) otherwise.
    #[inline]
    pub(crate) fn checked_own_consent(&self, consent: Consent) -> Consent {
        if self.consent_keys.is_none() && !self.site.require_signed_consent {
            return consent;
        }
        self.verify_consent(consent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Problem;

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

    #[test]
    fn consent_comes_from_the_consent_cookie_and_disagreeing_copies_fail_closed() {
        let policy = Policy::from_toml(
            "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"cc\"\n",
        )
        .unwrap();
        let good = "v=1&rev=1&at=5&statistics=1";
        let consent = policy.consent_from_cookie_header(&format!("a=1; cc={good}; b=2"));
        assert_eq!(consent, Consent::from_cookie(good));
        let same = policy.consent_from_cookie_header(&format!("cc={good}; cc={good}"));
        assert_eq!(same, Consent::from_cookie(good));
        let split = policy.consent_from_cookie_header(&format!("cc={good}; cc=v=1&rev=1&at=5"));
        assert_eq!(split.problem().map(Problem::code), Some("malformed"));
        assert_eq!(split.choices().count(), 0);
        let none = policy.consent_from_cookie_header("a=1; xcc=1");
        assert_eq!(none.problem(), Some(Problem::Absent));
    }
}
