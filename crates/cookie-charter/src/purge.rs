//! Purging: the `Set-Cookie` headers that delete the cookies a visitor holds but no longer
//! allows (spec §6).
//!
//! A browser keys a cookie by name, domain (host-only or `Domain=`) and path, and a deletion
//! only removes the cookie with the same key. The request does not say which key the visitor's
//! cookie has, so a deletion is emitted for each key it can have: host-only, then `Domain=` the
//! site host and each parent domain up to the registrable domain (never a public suffix), each
//! for the declared path and for `/`.

use std::net::IpAddr;

use crate::consent::Consent;
use crate::cookie_header::parse_cookie_header;
use crate::decision::Decision;
use crate::party;
use crate::policy::Policy;
use crate::set_cookie::{MAX_NAME_VALUE_BYTES, is_forbidden_control};

/// A cookie the visitor holds but does not allow, and the headers that delete it.
///
/// # Examples
///
/// ```
/// use cookie_charter::{Consent, Rule};
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
/// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&preferences=0");
/// let purged = policy.purge("theme=dark; consent=v=1", &consent, 1_700_000_100);
/// assert_eq!(purged.len(), 1);
/// assert_eq!(purged[0].cookie, "theme");
/// assert_eq!(purged[0].decision.rule, Rule::Consent);
/// assert!(purged[0].headers.contains(&"theme=; Max-Age=0; Path=/".to_string()));
/// # Ok::<(), cookie_charter::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purged<'h, 'p> {
    /// The cookie name, as the `Cookie` header sent it.
    pub cookie: &'h str,
    /// The decision that denies it (`undeclared` for a cookie the policy does not declare).
    pub decision: Decision<'p>,
    /// `Set-Cookie` values with `Max-Age=0`, one per domain and path the cookie can have.
    pub headers: Vec<String>,
}

impl Policy {
    /// For each cookie of `cookie_header` (a `Cookie` request header value) that `consent` does
    /// not allow at `now`, the `Set-Cookie` values that delete it, in the order of the header.
    ///
    /// Undeclared cookies are purged too: they are never allowed. A name is listed once even if
    /// sent several times. Names that cannot be written back safely are skipped: nameless ones,
    /// and those holding a control character (CR, LF...), `;` or `=`, or longer than 4096 bytes.
    /// `__Host-` cookies get one header (`Path=/; Secure`, no `Domain`), `__Secure-` ones get
    /// `Secure`, since browsers ignore a deletion without them.
    ///
    /// # Examples
    ///
    /// ```
    /// # use cookie_charter::{Consent, Policy};
    /// let policy = Policy::from_toml(r#"
    ///     [site]
    ///     name = "Example"
    ///     url = "https://www.example.com"
    ///     consent_cookie = "consent"
    ///     [[cookies]]
    ///     name = "_ga"
    ///     provider = "Google"
    ///     service = "Analytics"
    ///     purpose = "statistics"
    ///     description = "Counts visits"
    ///     lifetime = "13 months"
    /// "#)?;
    /// let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=0");
    /// let purged = policy.purge("_ga=GA1.2; consent=v%3D1", &consent, 1_700_000_100);
    /// assert_eq!(purged.len(), 2); // `_ga` (withdrawn) and `consent` (undeclared here)
    /// assert_eq!(purged[0].cookie, "_ga");
    /// assert_eq!(purged[0].headers, [
    ///     "_ga=; Max-Age=0; Path=/",
    ///     "_ga=; Max-Age=0; Path=/; Domain=www.example.com",
    ///     "_ga=; Max-Age=0; Path=/; Domain=example.com",
    /// ]);
    /// # Ok::<(), cookie_charter::Error>(())
    /// ```
    pub fn purge<'h>(
        &self,
        cookie_header: &'h str,
        consent: &Consent,
        now: u64,
    ) -> Vec<Purged<'h, '_>> {
        let mut purged: Vec<Purged<'h, '_>> = Vec::new();
        // The names purged so far. A set, not a scan of `purged`: a hostile header of 100,000
        // names stays linear. Allowed names are not kept (a repeated one is decided again, the
        // same way), so the set allocates only when something is purged, not on every request.
        let mut seen: foldhash::HashSet<&str> = foldhash::HashSet::default();
        for pair in parse_cookie_header(cookie_header) {
            let name = pair.name;
            if !is_writable_name(name) {
                continue;
            }
            let decision = self.decide(name, consent, now);
            if decision.allowed || !seen.insert(name) {
                continue;
            }
            let path = self
                .declaration(name)
                .and_then(|d| d.path.as_deref())
                .filter(|p| p.starts_with('/') && is_safe_attribute(p))
                .unwrap_or("/");
            purged.push(Purged {
                cookie: name,
                decision,
                headers: deletion_headers(name, path, &self.deletion_domains),
            });
        }
        purged
    }
}

/// Whether a name from a request can be written into a `Set-Cookie` header unchanged.
fn is_writable_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_VALUE_BYTES
        && name
            .bytes()
            .all(|b| !is_forbidden_control(b) && b != b'\t' && b != b';' && b != b'=')
}

fn is_safe_attribute(value: &str) -> bool {
    value.bytes().all(|b| !b.is_ascii_control() && b != b';')
}

fn has_prefix(name: &str, prefix: &str) -> bool {
    name.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// The site host and its parent domains down to the registrable domain; empty for an IP
/// address or a host that is a public suffix (only host-only cookies exist there).
pub(crate) fn deletion_domains(host: &str) -> Vec<&str> {
    if host.is_empty()
        || host.parse::<IpAddr>().is_ok()
        || party::is_public_suffix(host)
        || !is_safe_attribute(host)
    {
        return Vec::new();
    }
    let registrable = party::registrable_domain(host);
    let mut domains = vec![host];
    let mut current = host;
    while current != registrable {
        match current.split_once('.') {
            Some((_, parent)) if parent.len() >= registrable.len() => {
                domains.push(parent);
                current = parent;
            }
            _ => break,
        }
    }
    domains
}

/// The deletion headers of `name` for host-only and each domain, each for `path` and `/`.
fn deletion_headers(name: &str, path: &str, domains: &[impl AsRef<str>]) -> Vec<String> {
    if has_prefix(name, "__Host-") {
        return vec![format!("{name}=; Max-Age=0; Path=/; Secure")];
    }
    let secure = if has_prefix(name, "__Secure-") {
        "; Secure"
    } else {
        ""
    };
    let paths: &[&str] = if path == "/" { &["/"] } else { &[path, "/"] };
    let mut headers = Vec::with_capacity((domains.len() + 1) * paths.len());
    for path in paths {
        headers.push(format!("{name}=; Max-Age=0; Path={path}{secure}"));
    }
    for domain in domains {
        let domain = domain.as_ref();
        for path in paths {
            headers.push(format!(
                "{name}=; Max-Age=0; Path={path}; Domain={domain}{secure}"
            ));
        }
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_up_to_the_registrable_domain() {
        assert_eq!(
            deletion_domains("a.b.example.co.uk"),
            vec!["a.b.example.co.uk", "b.example.co.uk", "example.co.uk"]
        );
        assert_eq!(deletion_domains("example.com"), vec!["example.com"]);
        assert!(deletion_domains("127.0.0.1").is_empty());
        assert!(deletion_domains("github.io").is_empty());
    }

    #[test]
    fn refuses_unsafe_names() {
        assert!(is_writable_name("_ga"));
        for bad in ["", "a;b", "a\rb", "a\nb", "a=b", "a\0", "a\tb"] {
            assert!(!is_writable_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn honours_prefixes() {
        assert_eq!(
            deletion_headers("__Host-id", "/app", &["example.com"]),
            vec!["__Host-id=; Max-Age=0; Path=/; Secure"]
        );
        let secure = deletion_headers("__secure-id", "/", &["example.com"]);
        assert_eq!(secure.len(), 2);
        assert!(secure.iter().all(|h| h.ends_with("; Secure")));
    }
}
