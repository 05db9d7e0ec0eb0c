//! First or third party, and the registrable domain (eTLD+1) it is derived from.
//!
//! The Public Suffix List comes embedded in the `psl` crate, which is regenerated as the list
//! changes; writing our own copy would only go stale.

use std::fmt;
use std::net::IpAddr;

use crate::error::{Error, ErrorKind, Result};

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
    psl::domain_str(host).unwrap_or(host)
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
    host.parse::<IpAddr>().is_err() && psl::suffix_str(host) == Some(host)
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
}
