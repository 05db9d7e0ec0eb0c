//! First or third party, and the registrable domain (eTLD+1) it is derived from.
//!
//! The Public Suffix List is embedded as its text (`data/public_suffix_list.dat`, the list as
//! published, private section included) and read into a tree on first use by the `publicsuffix`
//! crate. Its text weighs about a third of the code a list compiled into a `match` does, once
//! compressed, which keeps the Python wheel and the Node addon within their size targets
//! (docs/install.md, "Sizes"). Where the copy comes from and how to refresh it:
//! `data/README.md`.

use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;

use publicsuffix::Psl as _;

use crate::error::{Error, ErrorKind, Result};

/// The Public Suffix List's text, as published (MPL-2.0; its version is in its header).
const LIST_TEXT: &str = include_str!("../data/public_suffix_list.dat");

/// The list, read on first use: the ICANN and the private sections alike. The text is checked
/// by the tests; were it unreadable, the list would be empty and every name's last label its
/// public suffix (the list's implicit `*` rule).
static LIST: LazyLock<publicsuffix::List> = LazyLock::new(|| LIST_TEXT.parse().unwrap_or_default());

/// The public suffix of a name (its trailing dot left out), as the list's algorithm finds it.
fn suffix_of(name: &str) -> Option<&str> {
    let suffix = LIST.suffix(name.as_bytes())?.trim();
    std::str::from_utf8(suffix.as_bytes()).ok()
}

/// The registrable domain of a name (its trailing dot left out), if it has one.
fn domain_of(name: &str) -> Option<&str> {
    let domain = LIST.domain(name.as_bytes())?.trim();
    std::str::from_utf8(domain.as_bytes()).ok()
}

/// Whose cookie it is, as seen from the visited site.
///
/// # Examples
///
/// ```
/// use cookie_charter::party::Party;
///
/// assert_eq!(Party::parse("third"), Some(Party::Third));
/// assert_eq!(Party::First.as_str(), "first");
/// assert_eq!(Party::Third.to_string(), "third");
/// assert_eq!(Party::parse("3rd"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// Set for the visited site's own registrable domain ("internes").
    First,
    /// Set by or for another site ("tiers").
    Third,
}

impl Party {
    /// The stable id: `first` or `third`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Third => "third",
        }
    }

    /// Reads `first` or `third`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "first" => Some(Self::First),
            "third" => Some(Self::Third),
            _ => None,
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A host name normalised as browsers do: lowercase ASCII (punycode), no leading or trailing dot.
///
/// IP addresses are kept as they are. Fails on names that are not valid domains.
///
/// # Examples
///
/// ```
/// use cookie_charter::party::normalize_host;
///
/// assert_eq!(normalize_host(".WWW.Example.COM.")?, "www.example.com");
/// assert_eq!(normalize_host("café.fr")?, "xn--caf-dma.fr");
/// assert_eq!(normalize_host("192.168.0.1")?, "192.168.0.1");
/// assert!(normalize_host("a b.com").is_err());
/// # Ok::<(), cookie_charter::Error>(())
/// ```
pub fn normalize_host(host: &str) -> Result<String> {
    let invalid = |why: &str| {
        Error::new(
            ErrorKind::InvalidDomain,
            format!("domain `{}` {why}", host.escape_debug()),
        )
    };
    let trimmed = host.strip_prefix('.').unwrap_or(host);
    let trimmed = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(invalid("is empty"));
    }
    let bare = trimmed
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(trimmed);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(ip.to_string());
    }
    let ascii =
        idna::domain_to_ascii_strict(trimmed).map_err(|_| invalid("is not a valid domain name"))?;
    if ascii.is_empty() {
        return Err(invalid("is empty"));
    }
    Ok(ascii)
}

/// The registrable domain (eTLD+1) of a normalised host, or the host itself for an IP address
/// or a name with no registrable part.
///
/// # Examples
///
/// ```
/// use cookie_charter::party::registrable_domain;
///
/// assert_eq!(registrable_domain("www.shop.example.co.uk"), "example.co.uk");
/// assert_eq!(registrable_domain("example.com"), "example.com");
/// assert_eq!(registrable_domain("127.0.0.1"), "127.0.0.1");
/// ```
pub fn registrable_domain(host: &str) -> &str {
    if host.parse::<IpAddr>().is_ok() {
        return host;
    }
    domain_of(host).unwrap_or(host)
}

/// Whether a normalised host is itself a public suffix (such as `com` or `co.uk`).
///
/// # Examples
///
/// ```
/// use cookie_charter::party::is_public_suffix;
///
/// assert!(is_public_suffix("co.uk"));
/// assert!(is_public_suffix("github.io"));
/// assert!(!is_public_suffix("example.com"));
/// ```
pub fn is_public_suffix(host: &str) -> bool {
    host.parse::<IpAddr>().is_err() && suffix_of(host) == Some(host)
}

/// The party of a cookie for `domain` on a site whose host is `site_host` (both normalised).
///
/// # Examples
///
/// ```
/// use cookie_charter::party::{Party, derive};
///
/// assert_eq!(derive("example.com", "www.example.com"), Party::First);
/// assert_eq!(derive("static.example.com", "www.example.com"), Party::First);
/// assert_eq!(derive("ads.example.net", "www.example.com"), Party::Third);
/// ```
pub fn derive(domain: &str, site_host: &str) -> Party {
    if registrable_domain(domain) == registrable_domain(site_host) {
        Party::First
    } else {
        Party::Third
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_hosts() {
        assert_eq!(normalize_host(".Example.COM.").unwrap(), "example.com");
        assert_eq!(normalize_host("bücher.de").unwrap(), "xn--bcher-kva.de");
        assert_eq!(normalize_host("[::1]").unwrap(), "::1");
        assert_eq!(normalize_host("127.0.0.1").unwrap(), "127.0.0.1");
        assert!(normalize_host("").is_err());
        assert!(normalize_host("a b.com").is_err());
    }

    #[test]
    fn derives_party_by_registrable_domain() {
        assert_eq!(
            derive("stats.example.co.uk", "www.example.co.uk"),
            Party::First
        );
        assert_eq!(derive("example.co.uk", "other.co.uk"), Party::Third);
        assert_eq!(
            derive("doubleclick.net", "epn-agglo.opendatasoft.com"),
            Party::Third
        );
        assert_eq!(
            derive("opendatasoft.com", "epn-agglo.opendatasoft.com"),
            Party::First
        );
        assert_eq!(derive("127.0.0.1", "127.0.0.1"), Party::First);
        assert_eq!(derive("127.0.0.2", "127.0.0.1"), Party::Third);
    }

    #[test]
    fn knows_public_suffixes() {
        assert!(is_public_suffix("com"));
        assert!(is_public_suffix("co.uk"));
        assert!(!is_public_suffix("example.com"));
        assert!(!is_public_suffix("127.0.0.1"));
    }

    #[test]
    fn the_embedded_list_is_read_whole() {
        assert!(!LIST.is_empty());
        // Its first rule, its last, and an internationalized one, which is looked up as
        // normalised hosts are written (punycode).
        assert!(is_public_suffix("ac"));
        assert!(is_public_suffix("com.ac"));
        assert!(is_public_suffix("xn--55qx5d.cn"));
        assert_eq!(
            registrable_domain("www.example.xn--55qx5d.cn"),
            "example.xn--55qx5d.cn"
        );
        let last = LIST_TEXT
            .lines()
            .rev()
            .find(|line| !line.is_empty() && !line.starts_with("//"));
        assert!(last.is_some_and(is_public_suffix), "{last:?}");
    }

    #[test]
    fn applies_wildcard_and_exception_rules() {
        // `*.ck` with `!www.ck`; `*.kawasaki.jp` with `!city.kawasaki.jp`.
        assert!(is_public_suffix("anything.ck"));
        assert_eq!(registrable_domain("a.b.anything.ck"), "b.anything.ck");
        assert!(!is_public_suffix("www.ck"));
        assert_eq!(registrable_domain("a.www.ck"), "www.ck");
        assert!(is_public_suffix("town.kawasaki.jp"));
        assert_eq!(registrable_domain("x.city.kawasaki.jp"), "city.kawasaki.jp");
    }

    #[test]
    fn keeps_the_private_section_and_the_implicit_rule() {
        // Private suffixes are suffixes: each github.io site is its own site.
        assert!(is_public_suffix("github.io"));
        assert_eq!(registrable_domain("www.alice.github.io"), "alice.github.io");
        assert_eq!(derive("bob.github.io", "alice.github.io"), Party::Third);
        // A top-level domain the list does not know is a public suffix all the same.
        assert!(is_public_suffix("unknowntld"));
        assert_eq!(registrable_domain("a.b.unknowntld"), "b.unknowntld");
        // A name with no registrable part is its own.
        assert_eq!(registrable_domain("localhost"), "localhost");
        assert_eq!(registrable_domain("co.uk"), "co.uk");
    }
}
