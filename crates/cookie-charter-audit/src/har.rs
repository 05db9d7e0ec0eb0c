//! The HAR reader: a HAR 1.2 file exported with cookies (Chrome's "with sensitive data"), turned
//! into observations.
//!
//! What a HAR holds: each response's `Set-Cookie` lines (the cookies set by HTTP, with the
//! lifetime as written) and each request's `Cookie` header (the cookies the browser held, those
//! written by scripts included, but without their domain, path or lifetime). What it lacks: web
//! storage, the browser's cookie jar, and which script wrote a cookie.

use std::collections::HashMap;
use std::path::Path;

use cookie_charter::audit::{
    CookieWrite, Expiry, Observation, ObservedCookie, ObservedRequest, Scenario, Subject, Writer,
};
use cookie_charter::party::{self, Party};
use cookie_charter::{Choice, Consent, Policy, SetCookie, parse_cookie_header};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The largest HAR file read: 64 MiB. Larger files are refused before they are read.
pub const MAX_HAR_BYTES: u64 = 64 * 1024 * 1024;

/// The HAR versions read.
pub const HAR_VERSIONS: [&str; 2] = ["1.1", "1.2"];

/// A HAR document (the parts the audit reads, and those the live collector writes).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Har {
    /// The log.
    pub log: Log,
}

/// The `log` object.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Log {
    /// The format version: `1.2`.
    pub version: String,
    /// The program that wrote it.
    pub creator: Creator,
    /// The pages visited.
    #[serde(default)]
    pub pages: Vec<Page>,
    /// The requests, in order.
    pub entries: Vec<Entry>,
}

/// The program that wrote a HAR.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Creator {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// A page of a HAR.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// Its id, referenced by entries.
    pub id: String,
    /// Its title: browsers write the page's URL.
    pub title: String,
    /// When its load started.
    pub started_date_time: String,
}

/// A request and its response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// The page it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pageref: Option<String>,
    /// When the request started.
    pub started_date_time: String,
    /// The request.
    pub request: Request,
    /// The response.
    pub response: Response,
    /// Chrome's resource type (`document`, `script`, `image`...).
    #[serde(
        rename = "_resourceType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_type: Option<String>,
}

/// A name and a value (a header).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pair {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
}

/// A cookie object of a request or response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cookie {
    /// The name.
    pub name: String,
    /// The value.
    pub value: String,
    /// The path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// The expiry date, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// A request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The method.
    pub method: String,
    /// The URL.
    pub url: String,
    /// The headers.
    #[serde(default)]
    pub headers: Vec<Pair>,
    /// The cookies sent.
    #[serde(default)]
    pub cookies: Vec<Cookie>,
}

/// A response.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// The status code (0 when the request failed).
    pub status: i64,
    /// The headers.
    #[serde(default)]
    pub headers: Vec<Pair>,
    /// The cookies set.
    #[serde(default)]
    pub cookies: Vec<Cookie>,
}

impl Har {
    /// Reads and checks a HAR file (size, JSON, version).
    pub fn read(path: &Path) -> Result<Self> {
        let shown = path.display().to_string();
        let io = |source| Error::Io {
            action: "read",
            path: shown.clone(),
            source,
        };
        let size = std::fs::metadata(path).map_err(io)?.len();
        if size > MAX_HAR_BYTES {
            return Err(Error::TooLarge {
                path: shown,
                size,
                limit: MAX_HAR_BYTES,
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        Self::parse(&bytes, &shown)
    }

    /// Reads and checks HAR bytes; `path` names them in errors.
    pub fn parse(bytes: &[u8], path: &str) -> Result<Self> {
        let malformed = |why: String| Error::MalformedHar {
            path: path.to_owned(),
            why,
        };
        if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > MAX_HAR_BYTES {
            return Err(Error::TooLarge {
                path: path.to_owned(),
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                limit: MAX_HAR_BYTES,
            });
        }
        // The version first, so that a HAR 2.0 says so rather than failing on a field.
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| malformed(e.to_string()))?;
        let version = value
            .get("log")
            .ok_or_else(|| malformed("no `log` object".to_owned()))?
            .get("version")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| malformed("no `log.version`".to_owned()))?;
        if !HAR_VERSIONS.contains(&version) {
            return Err(Error::UnsupportedVersion {
                path: path.to_owned(),
                version: version.to_owned(),
                supported: "HAR 1.1 and 1.2".to_owned(),
            });
        }
        serde_json::from_value(value).map_err(|e| malformed(e.to_string()))
    }

    /// When the first request started, in unix milliseconds.
    pub fn start_ms(&self) -> Option<u64> {
        self.log
            .entries
            .iter()
            .filter_map(|e| crate::time::parse_rfc3339_ms(&e.started_date_time))
            .min()
    }

    /// The first consent cookie value a request sent, if any.
    pub fn first_consent(&self, consent_cookie: &str) -> Option<String> {
        self.log
            .entries
            .iter()
            .find_map(|e| {
                request_cookies(&e.request)
                    .into_iter()
                    .find(|(n, _)| n == consent_cookie)
            })
            .map(|(_, v)| v)
    }
}

/// The cookies a request sent: its `Cookie` headers, else its cookie objects.
fn request_cookies(request: &Request) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for header in &request.headers {
        if header.name.eq_ignore_ascii_case("cookie") {
            out.extend(
                parse_cookie_header(&header.value).map(|p| (p.name.to_owned(), p.value.to_owned())),
            );
        }
    }
    if out.is_empty() {
        out.extend(
            request
                .cookies
                .iter()
                .map(|c| (c.name.clone(), c.value.clone())),
        );
    }
    out
}

/// The `Set-Cookie` lines of a response: its headers (one line each, or several joined by
/// newlines), else lines rebuilt from its cookie objects.
fn set_cookie_lines(response: &Response) -> Vec<String> {
    let mut out: Vec<String> = response
        .headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case("set-cookie"))
        .flat_map(|h| h.value.split('\n').map(str::to_owned).collect::<Vec<_>>())
        .filter(|l| !l.trim().is_empty())
        .collect();
    if out.is_empty() {
        for c in &response.cookies {
            let mut line = format!("{}={}", c.name, c.value);
            if let Some(d) = &c.domain {
                line.push_str(&format!("; Domain={d}"));
            }
            if let Some(p) = &c.path {
                line.push_str(&format!("; Path={p}"));
            }
            if let Some(ms) = c.expires.as_deref().and_then(crate::time::parse_rfc3339_ms) {
                line.push_str(&format!(
                    "; Expires={}",
                    cookie_charter::format_http_date(i64::try_from(ms / 1000).unwrap_or(i64::MAX))
                ));
            }
            out.push(line);
        }
    }
    out
}

/// The host of a URL, lowercase; `None` for a URL without one.
pub(crate) fn host_of(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| {
        u.host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
    })
}

/// The default path of a cookie set by a response to `url` (RFC 6265 §5.1.4).
pub(crate) fn default_path(url: &str) -> String {
    let path = url::Url::parse(url)
        .map(|u| u.path().to_owned())
        .unwrap_or_default();
    if !path.starts_with('/') {
        return "/".to_owned();
    }
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(i) => path.get(..i).unwrap_or("/").to_owned(),
    }
}

/// Where a cookie written by a response to (or a script of) `url` is stored: its domain
/// (lowercase, no leading dot), whether it is host-only, its path.
pub(crate) fn cookie_place(cookie: &SetCookie<'_>, url: &str) -> (String, bool, String) {
    let host = host_of(url).unwrap_or_default();
    let (domain, host_only) = match cookie.domain() {
        Some(d) if !d.is_empty() => (d.to_ascii_lowercase(), false),
        _ => (host, true),
    };
    let path = cookie
        .path()
        .map_or_else(|| default_path(url), str::to_owned);
    (domain, host_only, path)
}

/// The party of something stored for `domain` seen on `page`.
pub(crate) fn party_of(domain: &str, page: &str) -> Party {
    let page_host = host_of(page).unwrap_or_default();
    party::derive(domain, &page_host)
}

/// Whether the consent `now` refuses a purpose that `before` granted: a withdrawal.
fn withdraws(before: &Consent, now: &Consent) -> bool {
    before.choices().any(|(purpose, choice)| {
        choice == Choice::Granted && now.choice(purpose.as_str()) == Some(Choice::Denied)
    })
}

/// The observations of a HAR, all in `scenario`.
///
/// For a scenario with a withdrawal (`withdraw`), the requests after the first one whose consent
/// cookie refuses a purpose an earlier one granted are the second phase.
pub fn observations(har: &Har, policy: &Policy, scenario: &Scenario) -> Vec<Observation> {
    let consent_cookie = &policy.site().consent_cookie;
    let pages: HashMap<&str, &str> = har
        .log
        .pages
        .iter()
        .map(|p| (p.id.as_str(), p.title.as_str()))
        .collect();
    let mut out = Vec::new();
    let mut current_page = String::new();
    let mut last_consent: Option<Consent> = None;
    let mut after_withdrawal = false;
    // The place and last write of each name, for the cookies requests send (a browser's jar
    // pairs the cookies it holds with their last write the same way).
    let mut places: HashMap<String, (String, bool, String, Option<CookieWrite>)> = HashMap::new();
    for entry in &har.log.entries {
        let time_ms = crate::time::parse_rfc3339_ms(&entry.started_date_time).unwrap_or_default();
        let url = entry.request.url.as_str();
        let is_document = entry
            .resource_type
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case("document"));
        let page = match entry.pageref.as_deref().and_then(|r| pages.get(r)) {
            Some(title) if title.starts_with("http") => (*title).to_owned(),
            _ => {
                if current_page.is_empty()
                    || (is_document && entry.pageref.is_none() && out.is_empty())
                {
                    current_page = url.to_owned();
                }
                current_page.clone()
            }
        };
        let sent = request_cookies(&entry.request);
        // The request that carries the withdrawal still carries the cookies it withdraws: the
        // response is the server's chance to purge them, so they count from the next request.
        let mut withdrawing = false;
        if scenario.withdrawn.is_some() {
            if let Some((_, value)) = sent.iter().find(|(n, _)| n == consent_cookie) {
                let consent = Consent::from_cookie(value);
                if !after_withdrawal
                    && last_consent
                        .as_ref()
                        .is_some_and(|before| withdraws(before, &consent))
                {
                    after_withdrawal = true;
                    withdrawing = true;
                }
                last_consent = Some(consent);
            }
        }
        let observe = |subject| Observation {
            scenario: scenario.id.clone(),
            after_withdrawal,
            page: page.clone(),
            time_ms,
            subject,
        };
        let request_host = host_of(url).unwrap_or_default();
        for (name, value) in sent.iter().filter(|_| !withdrawing) {
            let (domain, host_only, path, write) = places
                .get(name)
                .cloned()
                .unwrap_or_else(|| (request_host.clone(), true, String::new(), None));
            let party = party_of(&domain, &page);
            out.push(observe(Subject::Cookie(ObservedCookie {
                name: name.clone(),
                value_len: value.len(),
                domain,
                host_only,
                path,
                partition_key: None,
                party,
                write,
                stored: None,
            })));
        }
        if !request_host.is_empty() && party_of(&request_host, &page) == Party::Third {
            out.push(observe(Subject::Request(ObservedRequest {
                url: url.to_owned(),
                host: request_host.clone(),
                resource_type: entry.resource_type.clone(),
            })));
        }
        for line in set_cookie_lines(&entry.response) {
            let Ok(cookie) = SetCookie::parse(&line) else {
                continue;
            };
            if cookie.name.is_empty() {
                continue;
            }
            let (domain, host_only, path) = cookie_place(&cookie, url);
            let lifetime = cookie
                .lifetime(time_ms / 1000)
                .map_or(Expiry::Session, Expiry::Seconds);
            let write = CookieWrite {
                writer: Writer::Http {
                    response_url: url.to_owned(),
                },
                line: line.clone(),
                lifetime,
                after_withdrawal,
            };
            if matches!(lifetime, Expiry::Seconds(s) if s <= 0) {
                places.remove(cookie.name);
            } else {
                places.insert(
                    cookie.name.to_owned(),
                    (domain.clone(), host_only, path.clone(), Some(write.clone())),
                );
            }
            let party = party_of(&domain, &page);
            out.push(observe(Subject::Cookie(ObservedCookie {
                name: cookie.name.to_owned(),
                value_len: cookie.value.len(),
                domain,
                host_only,
                path,
                partition_key: None,
                party,
                write: Some(write),
                stored: None,
            })));
        }
    }
    out
}
