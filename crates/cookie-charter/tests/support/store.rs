//! A small cookie store for the conformance suites, built on the core `Set-Cookie` parser.
//!
//! It follows the storage and retrieval model of RFC 6265bis §5.7–5.8 closely enough for the
//! suites: domain and path matching, host-only cookies, replacement by (name, domain, path),
//! expiry, the 400-day cap, `Secure` and the `__Secure-`/`__Host-` prefixes. It exists to check
//! that the name the filter decides on is the name a browser stores; it is not a product API.

use cookie_charter::SetCookie;
use cookie_charter::party::{is_public_suffix, normalize_host};

/// Browsers cap lifetimes at 400 days.
const MAX_LIFETIME: i64 = 400 * 86_400;

/// One stored cookie.
#[derive(Debug, Clone)]
pub struct Stored {
    pub name: String,
    pub value: String,
    pub domain: String,
    pub host_only: bool,
    pub path: String,
    pub expiry: Option<i64>,
    pub secure: bool,
    pub creation: u64,
}

/// A request or response URL, as the store needs it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub host: &'a str,
    pub path: &'a str,
    pub secure: bool,
}

/// The cookies of one browser profile.
#[derive(Debug, Default)]
pub struct Store {
    cookies: Vec<Stored>,
    next: u64,
}

/// The default path of RFC 6265 §5.1.4: the request path up to its last `/`.
fn default_path(path: &str) -> String {
    if !path.starts_with('/') {
        return "/".to_owned();
    }
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path.get(..i).unwrap_or("/").to_owned(),
    }
}

fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.len() > domain.len()
            && host.ends_with(domain)
            && host
                .get(..host.len() - domain.len())
                .is_some_and(|p| p.ends_with('.'))
            && host.parse::<std::net::IpAddr>().is_err())
}

fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/')
                || request
                    .get(cookie.len()..)
                    .is_some_and(|r| r.starts_with('/'))))
}

fn has_prefix(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

impl Store {
    /// Receives one `Set-Cookie` value from `origin` at `now`; returns whether a cookie was
    /// stored (a deletion or an ignored value returns false).
    pub fn receive(&mut self, header: &str, origin: Origin<'_>, now: i64) -> bool {
        let Ok(cookie) = SetCookie::parse(header) else {
            return false;
        };
        if cookie.name.is_empty()
            && (has_prefix(cookie.value, "__Secure-") || has_prefix(cookie.value, "__Host-"))
        {
            return false;
        }
        let expiry = cookie.lifetime(u64::try_from(now).unwrap_or(0)).map(|s| {
            if s <= 0 {
                i64::MIN
            } else {
                now.saturating_add(s.min(MAX_LIFETIME))
            }
        });
        let (domain, host_only) = match cookie.domain().filter(|d| !d.is_empty()) {
            None => (origin.host.to_owned(), true),
            Some(attribute) => {
                // One leading dot was removed by the parser; any other dot at either end
                // leaves a domain that cannot domain-match the host.
                if attribute.starts_with('.') || attribute.ends_with('.') {
                    return false;
                }
                let Ok(domain) = normalize_host(&attribute.to_ascii_lowercase()) else {
                    return false;
                };
                if is_public_suffix(&domain) {
                    if domain != origin.host {
                        return false;
                    }
                    (domain, true)
                } else if domain_matches(origin.host, &domain) {
                    (domain, false)
                } else {
                    return false;
                }
            }
        };
        let path = cookie
            .path()
            .map_or_else(|| default_path(origin.path), str::to_owned);
        let secure = cookie.secure();
        if secure && !origin.secure {
            return false;
        }
        if has_prefix(cookie.name, "__Secure-") && !secure {
            return false;
        }
        if has_prefix(cookie.name, "__Host-") && !(secure && host_only && path == "/") {
            return false;
        }
        let mut creation = self.next;
        if let Some(i) = self
            .cookies
            .iter()
            .position(|c| c.name == cookie.name && c.domain == domain && c.path == path)
        {
            creation = self.cookies.remove(i).creation;
        } else {
            self.next += 1;
        }
        if expiry.is_some_and(|e| e <= now) {
            return false;
        }
        self.cookies.push(Stored {
            name: cookie.name.to_owned(),
            value: cookie.value.to_owned(),
            domain,
            host_only,
            path,
            expiry,
            secure,
            creation,
        });
        true
    }

    /// Every cookie the store holds, in the order they were stored or replaced.
    pub fn stored(&self) -> &[Stored] {
        &self.cookies
    }

    /// The cookies sent to `origin` at `now`, in RFC 6265 §5.4 order.
    pub fn cookies_for(&self, origin: Origin<'_>, now: i64) -> Vec<&Stored> {
        let mut sent: Vec<&Stored> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = if c.host_only {
                    origin.host == c.domain
                } else {
                    domain_matches(origin.host, &c.domain)
                };
                domain_ok
                    && path_matches(origin.path, &c.path)
                    && (!c.secure || origin.secure)
                    && c.expiry.is_none_or(|e| e > now)
            })
            .collect();
        sent.sort_by(|a, b| {
            b.path
                .len()
                .cmp(&a.path.len())
                .then(a.creation.cmp(&b.creation))
        });
        sent
    }

    /// `document.cookie` at `origin`: `name=value` (or the value alone when nameless), `; `-joined.
    pub fn document_cookie(&self, origin: Origin<'_>, now: i64) -> String {
        self.cookies_for(origin, now)
            .iter()
            .map(|c| {
                if c.name.is_empty() {
                    c.value.clone()
                } else {
                    format!("{}={}", c.name, c.value)
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
