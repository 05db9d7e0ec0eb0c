//! The consent endpoint (spec §13): one call a middleware makes with the request's method,
//! headers and body, and whose answer it sends as it is.
//!
//! It checks that the request comes from the site itself (`Origin`, `Sec-Fetch-Site`), reads the
//! choice ([`crate::body`]), writes the record, and only then gives the consent cookie (signed
//! when keys are configured) with the deletions of the cookies the visitor no longer allows
//! (through the core's [`Policy::respond`]). When the record cannot be written the answer is 503
//! and sets no cookie: there is no consent without its record.

use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use cookie_charter::{
    Consent, ConsentKeys, Handled, Policy, PolicyFormat, Purge, RecordId, Request,
};
use serde_json::json;

use crate::body::{self, BodyError};
use crate::error::StoreError;
use crate::record::{Client, Digest, NewRecord, Notice};
use crate::store::{self, Durability, OpenOptions, Retention, Store};

/// The longest `User-Agent` kept when the site opts in to recording it, in bytes.
pub const MAX_USER_AGENT_BYTES: usize = 512;

/// The endpoint's settings.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// How long records are kept (required).
    pub retention: Retention,
    /// The keys that sign the consent cookie (the first signs) and verify the request's; none:
    /// the cookie carries the record id unsigned.
    pub keys: Option<ConsentKeys>,
    /// Origins other than the site URL's that may post choices (`https://www.example.com`).
    pub allowed_origins: Vec<String>,
    /// Record the visitor's `User-Agent` (off by default).
    pub record_user_agent: bool,
    /// Record the visitor's IP address, truncated to /24 (IPv4) or /48 (IPv6), read from the
    /// first address of this header (off by default). Name a header the site's own proxy or
    /// middleware sets, never one a visitor can forge past it.
    pub record_ip_from: Option<String>,
    /// The consent cookie's `Max-Age`; default: the declared lifetime of the consent cookie,
    /// else `site.consent_max_age`, at most 400 days.
    pub cookie_max_age: Option<u64>,
    /// When a record counts as written, and the cookie may be set (stores opened by address).
    pub durability: Durability,
}

impl EndpointConfig {
    /// Settings with this retention, no keys, nothing identifying recorded.
    pub fn new(retention: Retention) -> Self {
        Self {
            retention,
            keys: None,
            allowed_origins: Vec::new(),
            record_user_agent: false,
            record_ip_from: None,
            cookie_max_age: None,
            durability: Durability::default(),
        }
    }
}

impl EndpointConfig {
    fn open_options(&self) -> OpenOptions {
        OpenOptions {
            retention: Some(self.retention),
            durability: self.durability,
        }
    }
}

/// Why an endpoint cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// The policy does not load.
    #[error("the policy does not load: error[{code}]: {0}", code = .0.code())]
    Policy(cookie_charter::Error),
    /// The store's address or settings are wrong.
    #[error("{0}")]
    Store(StoreError),
    /// The configuration cannot work with the policy.
    #[error("{0}")]
    Config(String),
}

/// The answer to a request: what the middleware sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The headers, `Set-Cookie` ones included, in order.
    pub headers: Vec<(String, String)>,
    /// A JSON body.
    pub body: String,
}

impl Reply {
    fn json(status: u16, body: &serde_json::Value) -> Self {
        Self {
            status,
            headers: vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("Cache-Control".to_owned(), "no-store".to_owned()),
            ],
            body: body.to_string(),
        }
    }

    fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(status, &json!({ "error": code, "message": message }))
    }

    /// The values of the `Set-Cookie` headers, in order.
    pub fn set_cookies(&self) -> impl Iterator<Item = &str> {
        self.headers
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, value)| value.as_str())
    }
}

enum Opener {
    Address(String),
    Given,
}

struct State {
    store: Option<Box<dyn Store>>,
    notices_stored: bool,
}

/// The consent endpoint of one site: its policy, its store, its keys.
pub struct Endpoint {
    policy: Policy,
    config: EndpointConfig,
    origin: String,
    cookie_attributes: String,
    notices: Vec<Notice>,
    opener: Opener,
    state: Mutex<State>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    /// An endpoint for the policy file's text in `format`, recording in the store at
    /// `store_address` (see [`store::open`]). A store that cannot be reached now is opened again
    /// at the next request (meanwhile requests get 503); a wrong address is an error.
    pub fn new(
        policy_text: &str,
        format: PolicyFormat,
        store_address: &str,
        config: EndpointConfig,
        now: u64,
    ) -> Result<Self, SetupError> {
        let store = match store::open_with(store_address, &config.open_options()) {
            Ok(store) => Some(store),
            Err(StoreError::Config(message)) => return Err(SetupError::Config(message)),
            Err(_) => None,
        };
        Self::build(
            policy_text,
            format,
            store,
            Opener::Address(store_address.to_owned()),
            config,
            now,
        )
    }

    /// An endpoint recording in `store` (its retention is set to the configuration's).
    pub fn with_store(
        policy_text: &str,
        format: PolicyFormat,
        mut store: Box<dyn Store>,
        config: EndpointConfig,
        now: u64,
    ) -> Result<Self, SetupError> {
        store
            .set_retention(config.retention)
            .map_err(SetupError::Store)?;
        Self::build(policy_text, format, Some(store), Opener::Given, config, now)
    }

    fn build(
        policy_text: &str,
        format: PolicyFormat,
        store: Option<Box<dyn Store>>,
        opener: Opener,
        config: EndpointConfig,
        now: u64,
    ) -> Result<Self, SetupError> {
        let mut policy =
            Policy::from_file_bytes(policy_text.as_bytes(), format).map_err(SetupError::Policy)?;
        if let Some(keys) = &config.keys {
            policy = policy.with_consent_keys(keys.clone());
        } else if policy.site().require_signed_consent {
            return Err(SetupError::Config(
                "the policy requires signed consents (`site.require_signed_consent`) and no \
                 signing key is configured"
                    .to_owned(),
            ));
        }
        let site = policy.site();
        let name = site.consent_cookie.clone();
        // The consent cookie must pass the core's filter whatever the visitor chose.
        if !policy.decide(&name, &Consent::default(), now).allowed {
            return Err(SetupError::Config(format!(
                "the consent cookie `{name}` must be declared with the purpose `necessary`"
            )));
        }
        let url = url::Url::parse(&site.url)
            .map_err(|e| SetupError::Config(format!("site URL `{}`: {e}", site.url)))?;
        let origin = url.origin().ascii_serialization();
        let max_age = config
            .cookie_max_age
            .or_else(|| policy.declaration(&name).and_then(|d| d.lifetime.seconds()))
            .unwrap_or(site.consent_max_age)
            .min(cookie_charter::limits::MAX_BROWSER_LIFETIME_SECS);
        let secure = if url.scheme() == "https" {
            "; Secure"
        } else {
            ""
        };
        let cookie_attributes = format!("; Path=/; Max-Age={max_age}; SameSite=Lax{secure}");
        let notices = site
            .languages
            .iter()
            .map(|lang| Notice::of(policy_text, &policy, lang, now))
            .collect();
        Ok(Self {
            policy,
            config,
            origin,
            cookie_attributes,
            notices,
            opener,
            state: Mutex::new(State {
                store,
                notices_stored: false,
            }),
        })
    }

    /// The policy the endpoint enforces (with its keys).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The notice shown in `language`, as recorded.
    pub fn notice(&self, language: &str) -> Option<&Notice> {
        self.notices.iter().find(|n| n.language == language)
    }

    /// Answers one request: `method` (`POST`), the request's `headers` (name, value; names in
    /// any case), its `body`, and the time `now` in unix seconds.
    ///
    /// | status | `error` | when |
    /// |---|---|---|
    /// | 200 | | recorded; the consent cookie and the deletions are set |
    /// | 400 | a [`BodyError`] code | the body is not a valid choice |
    /// | 403 | `cross_origin` | the request does not come from the site |
    /// | 405 | `method_not_allowed` | not `POST` |
    /// | 413, 415 | `body_too_large`, `unsupported_media_type` | |
    /// | 503 | a [`StoreError`] code | the record could not be written: no cookie |
    pub fn handle(&self, method: &str, headers: &[(&str, &str)], body: &[u8], now: u64) -> Reply {
        if !method.eq_ignore_ascii_case("POST") {
            let mut reply = Reply::error(
                405,
                "method_not_allowed",
                "the consent endpoint takes `POST` only",
            );
            reply.headers.push(("Allow".to_owned(), "POST".to_owned()));
            return reply;
        }
        if let Err(message) = self.check_origin(headers) {
            return Reply::error(403, "cross_origin", &message);
        }
        let content_type = single(headers, "content-type");
        let submission = match body::parse(content_type, body, &self.policy) {
            Ok(s) => s,
            Err(e) => return body_error(&e),
        };
        let request = Request::from_headers(headers.iter().copied());
        let previous = self
            .policy
            .verify_consent(self.policy.request_consent(&request));
        let previous = previous
            .is_verified()
            .then(|| previous.record_id())
            .flatten();
        let mut consent = Consent::new(self.policy.site().revision, now);
        for (purpose, choice) in &submission.choices {
            // Purposes come from the policy: their ids are valid.
            if let Ok(c) = consent.clone().with(purpose, *choice) {
                consent = c;
            }
        }
        let mut id = [0_u8; 16];
        if let Err(e) = getrandom::fill(&mut id) {
            return Reply::error(503, "no_randomness", &format!("no random record id: {e}"));
        }
        let id = RecordId::from_bytes(id);
        let consent = match &self.config.keys {
            Some(keys) => keys.sign(consent, id),
            None => consent.with_record_id(Some(id)),
        };
        let notice = self
            .notice(&submission.language)
            .map(Notice::digest)
            .unwrap_or(Digest::ZERO);
        let record = NewRecord {
            id,
            at: now,
            revision: consent.revision(),
            choices: submission.choices,
            method: submission.method,
            language: submission.language,
            notice,
            previous,
            client: self.client(headers),
        };
        if let Err(e) = self.write(&record) {
            return Reply::error(503, e.code(), &e.to_string());
        }
        // Recorded: now, and only now, the cookie.
        let value = consent.to_cookie();
        let set_cookie = format!(
            "{}={value}{}",
            self.policy.site().consent_cookie,
            self.cookie_attributes
        );
        let response = self.policy.respond(
            &request,
            Handled::Replaced(&consent),
            [set_cookie.as_str()],
            Purge::On,
            now,
        );
        let choices: serde_json::Map<String, serde_json::Value> = record
            .choices
            .iter()
            .map(|(p, c)| (p.clone(), json!(c.as_str())))
            .collect();
        let mut reply = Reply::json(
            200,
            &json!({ "record_id": id.to_string(), "consent": value, "choices": choices }),
        );
        reply.headers.extend(
            response
                .set_cookies()
                .map(|v| ("Set-Cookie".to_owned(), v.to_owned())),
        );
        reply
    }

    /// Writes the record (and, first, the notices): reopens a store that went away.
    fn write(&self, record: &NewRecord) -> Result<(), StoreError> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if state.store.is_none() {
            if let Opener::Address(address) = &self.opener {
                state.store = Some(store::open_with(address, &self.config.open_options())?);
                state.notices_stored = false;
            }
        }
        let State {
            store,
            notices_stored,
        } = &mut *state;
        let Some(store) = store.as_mut() else {
            return Err(StoreError::Unavailable("no store".to_owned()));
        };
        let result = (|| {
            if !*notices_stored {
                for notice in &self.notices {
                    store.put_notice(notice)?;
                }
                *notices_stored = true;
            }
            store.append(record).map(|_| ())
        })();
        if let Err(StoreError::Unavailable(_)) = &result {
            if matches!(self.opener, Opener::Address(_)) {
                state.store = None;
            }
        }
        result
    }

    /// The request comes from the site: its `Origin` (when sent) is the site's or an allowed
    /// one, and its `Sec-Fetch-Site` (when sent) is `same-origin`; one of them must be sent.
    fn check_origin(&self, headers: &[(&str, &str)]) -> Result<(), String> {
        let origins = all(headers, "origin");
        let fetch_sites = all(headers, "sec-fetch-site");
        if origins.len() > 1 || fetch_sites.len() > 1 {
            return Err("the request repeats `Origin` or `Sec-Fetch-Site`".to_owned());
        }
        if origins.is_empty() && fetch_sites.is_empty() {
            return Err("the request has neither `Origin` nor `Sec-Fetch-Site`".to_owned());
        }
        if let Some(origin) = origins.first() {
            let origin = origin.trim();
            let allowed = origin == self.origin
                || self
                    .config
                    .allowed_origins
                    .iter()
                    .any(|o| o.trim_end_matches('/') == origin);
            if !allowed {
                return Err(format!(
                    "origin `{}` is not the site's (`{}`)",
                    origin.escape_debug(),
                    self.origin
                ));
            }
        }
        if let Some(site) = fetch_sites.first() {
            let site = site.trim();
            let cross_allowed = site == "same-site" && !origins.is_empty();
            if site != "same-origin" && !cross_allowed {
                return Err(format!(
                    "`Sec-Fetch-Site: {}` is not `same-origin`",
                    site.escape_debug()
                ));
            }
        }
        Ok(())
    }

    /// What identifies the visitor, as far as the site opted in.
    fn client(&self, headers: &[(&str, &str)]) -> Client {
        let user_agent = if self.config.record_user_agent {
            single(headers, "user-agent").map(|ua| {
                let mut end = ua.len().min(MAX_USER_AGENT_BYTES);
                while !ua.is_char_boundary(end) {
                    end -= 1;
                }
                ua.get(..end).unwrap_or_default().to_owned()
            })
        } else {
            None
        };
        let ip_prefix = self
            .config
            .record_ip_from
            .as_deref()
            .and_then(|header| single(headers, &header.to_ascii_lowercase()))
            .and_then(|value| value.split(',').next())
            .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
            .map(ip_prefix);
        Client {
            ip_prefix,
            user_agent,
        }
    }
}

fn body_error(e: &BodyError) -> Reply {
    Reply::error(e.status(), e.code(), &e.to_string())
}

/// Every value of the header `name` (lowercase).
fn all<'h>(headers: &[(&str, &'h str)], name: &str) -> Vec<&'h str> {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
        .collect()
}

/// The value of the header `name` (lowercase) when it is sent once.
fn single<'h>(headers: &[(&str, &'h str)], name: &str) -> Option<&'h str> {
    match all(headers, name).as_slice() {
        [one] => Some(one),
        _ => None,
    }
}

/// The network of an address: /24 for IPv4, /48 for IPv6.
fn ip_prefix(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = std::net::Ipv6Addr::new(
                s.first().copied().unwrap_or_default(),
                s.get(1).copied().unwrap_or_default(),
                s.get(2).copied().unwrap_or_default(),
                0,
                0,
                0,
                0,
                0,
            );
            format!("{net}/48")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_cut_to_their_network() {
        assert_eq!(ip_prefix("192.0.2.77".parse().unwrap()), "192.0.2.0/24");
        assert_eq!(
            ip_prefix("2001:db8:abcd:12::1".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
    }
}
