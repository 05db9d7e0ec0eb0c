//! Proof of consent (spec §13): the consent endpoint of the records crate, and the reading of a
//! store (its verification, its record ids). The logic is the crate's: `ConsentEndpoint.handle`
//! is one call to `Endpoint::handle`, made without holding the GIL.

use std::path::PathBuf;

use cookie_charter::{ConsentKeys, PolicyFormat};
use cookie_charter_records::{Durability, Endpoint, EndpointConfig, Retention, store};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::consent::{Now, now_or_current};
use crate::errors::{guard, policy_error};
use crate::policy::PyPolicy;

/// Reads signing keys (`<key id>:<base64url secret>` per line or comma, the signing key first).
pub(crate) fn parse_keys(py: Python<'_>, keys: &str) -> PyResult<ConsentKeys> {
    ConsentKeys::parse(keys).map_err(|e| policy_error(py, &e))
}

/// What `ConsentEndpoint.handle` gives: the status, the headers, the body.
type PyReply<'py> = (u16, Vec<(String, String)>, Bound<'py, PyBytes>);

/// The consent endpoint of one site: it checks each choice posted to it against the policy,
/// records it, and only then answers with the consent cookie. Open one per process and share it
/// between threads.
#[pyclass(name = "ConsentEndpoint", module = "cookie_charter", frozen)]
pub struct PyConsentEndpoint {
    inner: Endpoint,
    policy: Py<PyPolicy>,
}

#[pymethods]
impl PyConsentEndpoint {
    /// Opens the endpoint for the policy file `policy_path` (TOML or JSON by its extension),
    /// recording in the store at `store` (`sqlite:PATH` or `postgres://...`) for `retention`
    /// (`"5 years"`). `keys` sign the consent cookie (see `Policy.with_consent_keys`). A store
    /// that cannot be reached now is tried again at each request (meanwhile: 503).
    #[new]
    #[pyo3(signature = (
        policy_path, store, *, retention, keys=None, allowed_origins=Vec::new(),
        record_user_agent=false, record_ip_from=None, durability="flushed", now=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        policy_path: PathBuf,
        store: &str,
        retention: &str,
        keys: Option<&str>,
        allowed_origins: Vec<String>,
        record_user_agent: bool,
        record_ip_from: Option<String>,
        durability: &str,
        now: Option<Now>,
    ) -> PyResult<Self> {
        guard(py, || {
            let text = std::fs::read_to_string(&policy_path).map_err(|e| {
                PyOSError::new_err(format!(
                    "cannot read the policy `{}`: {e}",
                    policy_path.display()
                ))
            })?;
            let format = PolicyFormat::of_path(&policy_path);
            let retention =
                Retention::parse(retention).map_err(|e| PyValueError::new_err(e.to_string()))?;
            let mut config = EndpointConfig::new(retention);
            config.keys = keys.map(|k| parse_keys(py, k)).transpose()?;
            config.allowed_origins = allowed_origins;
            config.record_user_agent = record_user_agent;
            config.record_ip_from = record_ip_from;
            config.durability = Durability::parse(durability).ok_or_else(|| {
                PyValueError::new_err(format!(
                    "durability `{durability}` is not `flushed` or `committed`"
                ))
            })?;
            let now = now_or_current(now);
            let inner = py
                .detach(|| Endpoint::new(&text, format, store, config, now))
                .map_err(|e| PyValueError::new_err(e.to_string()))?;
            let policy = Py::new(py, PyPolicy::from_core(py, inner.policy().clone())?)?;
            Ok(Self { inner, policy })
        })
    }

    /// The policy the endpoint enforces, with its keys: give it to the middleware, so that the
    /// signed cookies it sets grant on the next requests.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Py<PyPolicy> {
        self.policy.clone_ref(py)
    }

    /// Answers one request: its method, its headers (name, value pairs, names in any case) and
    /// its body (at most 4 KiB are read: give at most one byte more). Gives the status, the
    /// headers to send (`Set-Cookie` ones included) and the JSON body. The GIL is released while
    /// the record is written.
    #[pyo3(signature = (method, headers, body, now=None))]
    fn handle<'py>(
        &self,
        py: Python<'py>,
        method: &str,
        headers: Vec<(String, String)>,
        body: &[u8],
        now: Option<Now>,
    ) -> PyResult<PyReply<'py>> {
        guard(py, || {
            let now = now_or_current(now);
            let endpoint = &self.inner;
            let reply = py.detach(|| {
                let pairs: Vec<(&str, &str)> = headers
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.as_str()))
                    .collect();
                endpoint.handle(method, &pairs, body, now)
            });
            Ok((
                reply.status,
                reply.headers,
                PyBytes::new(py, reply.body.as_bytes()),
            ))
        })
    }
}

/// Verifies the store at `address`: gives how many records it holds and what is wrong (an
/// empty list when the chain and the notices verify).
#[pyfunction]
pub(crate) fn verify_store(py: Python<'_>, address: &str) -> PyResult<(u64, Vec<String>)> {
    guard(py, || {
        py.detach(|| {
            let mut store = store::open(address, None)?;
            store::verify(store.as_mut())
        })
        .map(|v| (v.records, v.problems))
        .map_err(|e| PyOSError::new_err(e.to_string()))
    })
}

/// The ids of the records in the store at `address`, in chain order (32 hex digits each).
#[pyfunction]
pub(crate) fn stored_record_ids(py: Python<'_>, address: &str) -> PyResult<Vec<String>> {
    guard(py, || {
        py.detach(|| {
            let mut store = store::open(address, None)?;
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
        })
        .map_err(|e: cookie_charter_records::StoreError| PyOSError::new_err(e.to_string()))
    })
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
