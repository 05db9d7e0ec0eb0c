//! Proof of consent (spec §13): the consent endpoint of the records crate, its store read back
//! (verification, record ids), and the keys that verify signed consent cookies. The logic is
//! the crate's: `handle` is one call to `Endpoint::handle`, run on libuv's thread pool (an
//! `AsyncTask`) so that the event loop never waits for the store.

use std::sync::Arc;

use cookie_charter::{ConsentKeys, ErrorKind, PolicyFormat};
use cookie_charter_records::{Durability, Endpoint, EndpointConfig, Reply, Retention, store};
use napi::bindgen_prelude::{AsyncTask, Buffer};
use napi::{Env, Task};
use napi_derive::napi;

use crate::errors::{coded, core_error, invalid_argument, now_or_current};
use crate::policy::Policy;

/// The options of `ConsentEndpoint` (see `lib/records.js`).
#[napi(object)]
pub struct EndpointOptions {
    /// How long records are kept: `"5 years"` (required).
    pub retention: String,
    /// The signing keys: `<key id>:<base64url secret>` per line or comma, the signing key first.
    pub keys: Option<String>,
    /// Origins other than the site URL's that may post choices.
    pub allowed_origins: Option<Vec<String>>,
    /// Record the visitor's `User-Agent`.
    pub record_user_agent: Option<bool>,
    /// Record the visitor's IP address (truncated) from the first address of this header.
    pub record_ip_from: Option<String>,
    /// `flushed` (default) or `committed`.
    pub durability: Option<String>,
    /// The time, in unix seconds (default: now).
    pub now: Option<f64>,
}

/// The endpoint's answer to a request.
#[napi(object)]
pub struct EndpointReply {
    /// The HTTP status.
    pub status: u32,
    /// The headers to send, flat: name, value, name, value...
    pub headers: Vec<String>,
    /// The JSON body.
    pub body: String,
}

/// What `verifyStore` found.
#[napi(object)]
pub struct StoreVerification {
    /// Records checked.
    pub records: f64,
    /// What is wrong; empty when the chain and the notices verify.
    pub problems: Vec<String>,
}

/// The consent endpoint of one site: its policy, its store, its keys.
#[napi]
pub struct ConsentEndpoint {
    inner: Arc<Endpoint>,
}

fn parse_keys(env: &Env, keys: &str) -> napi::Result<ConsentKeys> {
    ConsentKeys::parse(keys).map_err(|e| core_error(env, &e))
}

#[napi]
impl ConsentEndpoint {
    /// Opens the endpoint for the policy file's text (`format`: `toml` or `json`), recording in
    /// the store at `store` (`sqlite:PATH` or `postgres://...`).
    #[napi(factory, js_name = "_open", skip_typescript, catch_unwind)]
    pub fn open(
        env: Env,
        policy_text: String,
        format: String,
        store: String,
        options: EndpointOptions,
    ) -> napi::Result<Self> {
        let format = match format.as_str() {
            "json" => PolicyFormat::Json,
            _ => PolicyFormat::Toml,
        };
        let retention = Retention::parse(&options.retention)
            .map_err(|e| invalid_argument(&env, &e.to_string()))?;
        let mut config = EndpointConfig::new(retention);
        config.keys = options
            .keys
            .as_deref()
            .map(|k| parse_keys(&env, k))
            .transpose()?;
        config.allowed_origins = options.allowed_origins.unwrap_or_default();
        config.record_user_agent = options.record_user_agent.unwrap_or(false);
        config.record_ip_from = options.record_ip_from;
        if let Some(d) = options.durability.as_deref() {
            config.durability = Durability::parse(d).ok_or_else(|| {
                invalid_argument(
                    &env,
                    &format!("durability `{d}` is not `flushed` or `committed`"),
                )
            })?;
        }
        let now = now_or_current(&env, options.now)?;
        let inner = Endpoint::new(&policy_text, format, &store, config, now)
            .map_err(|e| coded(&env, ErrorKind::InvalidArgument, &e.to_string()))?;
        Ok(Self {
            inner: Arc::new(inner),
        })
    }

    /// The policy the endpoint enforces, with its keys.
    #[napi(js_name = "_policy", skip_typescript, catch_unwind)]
    pub fn policy(&self) -> Policy {
        Policy {
            inner: Arc::new(self.inner.policy().clone()),
        }
    }

    /// Answers one request (method, flat raw headers, body) off the main thread.
    #[napi(js_name = "_handle", skip_typescript, catch_unwind)]
    pub fn handle(
        &self,
        env: Env,
        method: String,
        raw_headers: Vec<String>,
        body: Buffer,
        now: Option<f64>,
    ) -> napi::Result<AsyncTask<HandleTask>> {
        let now = now_or_current(&env, now)?;
        Ok(AsyncTask::new(HandleTask {
            endpoint: Arc::clone(&self.inner),
            method,
            raw_headers,
            body: body.to_vec(),
            now,
        }))
    }
}

/// One request to the endpoint, answered on libuv's thread pool.
pub struct HandleTask {
    endpoint: Arc<Endpoint>,
    method: String,
    raw_headers: Vec<String>,
    body: Vec<u8>,
    now: u64,
}

impl Task for HandleTask {
    type Output = Reply;
    type JsValue = EndpointReply;

    fn compute(&mut self) -> napi::Result<Reply> {
        let pairs: Vec<(&str, &str)> = self
            .raw_headers
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [name, value] => Some((name.as_str(), value.as_str())),
                _ => None,
            })
            .collect();
        let endpoint = &self.endpoint;
        let (method, body, now) = (&self.method, &self.body, self.now);
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            endpoint.handle(method, &pairs, body, now)
        }))
        .map_err(|_| napi::Error::from_reason("internal error: the consent endpoint panicked"))
    }

    fn resolve(&mut self, _env: Env, reply: Reply) -> napi::Result<EndpointReply> {
        Ok(EndpointReply {
            status: u32::from(reply.status),
            headers: reply
                .headers
                .into_iter()
                .flat_map(|(name, value)| [name, value])
                .collect(),
            body: reply.body,
        })
    }
}

#[napi]
impl Policy {
    /// The same policy with the keys that verify signed consent cookies.
    #[napi(js_name = "_withConsentKeys", skip_typescript, catch_unwind)]
    pub fn with_consent_keys(&self, env: Env, keys: String) -> napi::Result<Policy> {
        let keys = parse_keys(&env, &keys)?;
        Ok(Policy {
            inner: Arc::new((*self.inner).clone().with_consent_keys(keys)),
        })
    }
}

/// Verifies the store at `address` (the records crate's verification).
#[napi(js_name = "_verifyStore", skip_typescript, catch_unwind)]
pub fn verify_store(env: Env, address: String) -> napi::Result<StoreVerification> {
    let verification = store::open(&address, None)
        .and_then(|mut s| store::verify(s.as_mut()))
        .map_err(|e| coded(&env, ErrorKind::InvalidArgument, &e.to_string()))?;
    #[expect(clippy::cast_precision_loss, reason = "counts stay far below 2^53")]
    Ok(StoreVerification {
        records: verification.records as f64,
        problems: verification.problems,
    })
}

/// The ids of the records in the store at `address`, in chain order.
#[napi(js_name = "_storedRecordIds", skip_typescript, catch_unwind)]
pub fn stored_record_ids(env: Env, address: String) -> napi::Result<Vec<String>> {
    let read = || -> Result<Vec<String>, cookie_charter_records::StoreError> {
        let mut store = store::open(&address, None)?;
        let mut ids = Vec::new();
        let mut after = 0;
        loop {
            let page = store.stored(after, 10_000)?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.seq;
            ids.extend(page.iter().map(|r| hex_of(&r.id)));
        }
        Ok(ids)
    };
    read().map_err(|e| coded(&env, ErrorKind::InvalidArgument, &e.to_string()))
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
