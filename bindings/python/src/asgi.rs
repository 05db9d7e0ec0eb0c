//! The ASGI middleware's work (`cookie_charter.asgi`), native from the request to the response:
//! `Policy._asgi_call` reads the request's consent, copies the scope with it, and calls the
//! application with a `send` of its own ([`ConsentSend`]) that filters the `Set-Cookie` headers
//! of `http.response.start`. No Python function runs per request but `ConsentMiddleware.__call__`
//! itself, and no Python object is made per header value.

use std::borrow::Cow;

use cookie_charter::{Consent, Verdict};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::consent::{PyConsent, unix_now};
use crate::errors::guard;
use crate::policy::PyPolicy;

/// The scope keys of `cookie_charter._middleware` (`CONSENT_KEY`, `POLICY_KEY`); the
/// middleware's tests read them through the Python names.
const CONSENT_KEY: &str = "cookie_charter.consent";
const POLICY_KEY: &str = "cookie_charter.policy";

/// A header name or value as bytes: `bytes` itself, or what `bytes(value)` gives.
fn with_bytes<T>(value: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> T) -> PyResult<T> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    let converted = as_bytes(value)?;
    Ok(f(converted.as_bytes()))
}

/// A header value as `bytes`: itself, or what `bytes(value)` gives.
fn as_bytes<'py>(value: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    match value.cast::<PyBytes>() {
        Ok(bytes) => Ok(bytes.clone()),
        Err(_) => Ok(value
            .py()
            .get_type::<PyBytes>()
            .call1((value,))?
            .cast_into::<PyBytes>()?),
    }
}

/// Latin-1 bytes as text (what ASGI header bytes mean): borrowed when ASCII, as they nearly
/// always are.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if bytes.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Text as latin-1 bytes; an error for a character outside latin-1.
fn to_latin1<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| PyValueError::new_err(format!("{text:?} is not latin-1")))?;
    Ok(PyBytes::new(py, &bytes))
}

/// The name and value of one ASGI header (a `(name, value)` tuple, or any indexable pair).
fn pair<'py>(header: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    match header.cast::<PyTuple>() {
        Ok(pair) if pair.len() == 2 => Ok((pair.get_item(0)?, pair.get_item(1)?)),
        _ => Ok((header.get_item(0)?, header.get_item(1)?)),
    }
}

/// `mapping[key]`, `None` when the key is missing (`mapping.get(key)` for a dict or a mapping).
fn get<'py>(
    mapping: &Bound<'py, PyAny>,
    key: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if let Ok(dict) = mapping.cast::<PyDict>() {
        return dict.get_item(key);
    }
    match mapping.get_item(key) {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_instance_of::<PyKeyError>(mapping.py()) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A copy of a scope or message as a new dict (`dict(mapping)`).
fn copied<'py>(mapping: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    match mapping.cast::<PyDict>() {
        Ok(dict) => dict.copy(),
        Err(_) => Ok(mapping
            .py()
            .get_type::<PyDict>()
            .call1((mapping,))?
            .cast_into::<PyDict>()?),
    }
}

/// What the request says: its `Cookie` header (several fields joined with `; `, as HTTP/2 and
/// HTTP/3 may send it) and whether a `Sec-GPC` header asks for Global Privacy Control. Names
/// are compared in any case; a name that is not bytes is no header of these.
fn read_request(headers: Option<Bound<'_, PyAny>>) -> PyResult<(Option<String>, bool)> {
    let (mut cookie, mut gpc) = (None::<String>, false);
    let Some(headers) = headers else {
        return Ok((cookie, gpc));
    };
    for header in headers.try_iter()? {
        let header = header?;
        let (name, value) = pair(&header)?;
        let is =
            |wanted: &[u8]| with_bytes(&name, |n| n.eq_ignore_ascii_case(wanted)).unwrap_or(false);
        if is(b"cookie") {
            with_bytes(&value, |v| {
                let text = latin1(v);
                match &mut cookie {
                    Some(joined) => {
                        joined.push_str("; ");
                        joined.push_str(&text);
                    }
                    None => cookie = Some(text.into_owned()),
                }
            })?;
        } else if is(b"sec-gpc") {
            gpc |= with_bytes(&value, |v| cookie_charter::gpc_enabled([v]))?;
        }
    }
    Ok((cookie, gpc))
}

/// `ConsentMiddleware.__call__` for an HTTP scope: the application called with a copy of the
/// scope holding the visitor's consent and the policy, and a [`ConsentSend`]; returns what the
/// application returns (its coroutine).
pub(crate) fn call<'py>(
    policy: &Bound<'py, PyPolicy>,
    app: &Bound<'py, PyAny>,
    scope: &Bound<'py, PyAny>,
    receive: &Bound<'py, PyAny>,
    send: &Bound<'py, PyAny>,
    purge: bool,
    on_dropped: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = policy.py();
    let scope = copied(scope)?;
    let (cookie_header, gpc) = read_request(scope.get_item(intern!(py, "headers"))?)?;
    let consent = policy
        .get()
        .core()
        .consent_from_cookie_header(cookie_header.as_deref().unwrap_or_default())
        .with_gpc(gpc);
    scope.set_item(intern!(py, CONSENT_KEY), PyConsent { inner: consent })?;
    scope.set_item(intern!(py, POLICY_KEY), policy)?;
    let purge = purge && cookie_header.as_deref().is_some_and(|h| !h.is_empty());
    let sender = ConsentSend {
        send: send.clone().unbind(),
        policy: policy.clone().unbind(),
        scope: scope.clone().unbind(),
        cookie_header: cookie_header.filter(|_| purge),
        on_dropped: on_dropped.map(|f| f.clone().unbind()),
    };
    app.call1((scope, receive, sender))
}

/// The `send` the ASGI middleware gives the application: an `http.response.start` message goes
/// to the server with its `Set-Cookie` headers filtered for the consent in the scope (the
/// request's, or the one a handler recorded there), then the deletions of `purge`; any other
/// message goes as it is.
#[pyclass(name = "_ConsentSend", module = "cookie_charter._native", frozen)]
pub(crate) struct ConsentSend {
    /// The server's `send`.
    send: Py<PyAny>,
    policy: Py<PyPolicy>,
    /// The scope the application was given.
    scope: Py<PyDict>,
    /// The request's `Cookie` header when its withdrawn cookies are to be deleted.
    cookie_header: Option<String>,
    on_dropped: Option<Py<PyAny>>,
}

#[pymethods]
impl ConsentSend {
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        message: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let message = guard(py, || self.filtered(py, message))?;
        self.send.bind(py).call1((message,))
    }
}

impl ConsentSend {
    /// `message`, or a copy of it with its headers filtered.
    fn filtered<'py>(
        &self,
        py: Python<'py>,
        message: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind = message.get_item(intern!(py, "type"))?;
        let is_start = kind
            .cast::<PyString>()
            .is_ok_and(|k| k.to_str().is_ok_and(|k| k == "http.response.start"));
        if !is_start {
            return Ok(message);
        }
        let headers = get(&message, intern!(py, "headers"))?;
        // The handler may have recorded a new choice in the scope (a consent banner's
        // endpoint): the response is then judged with it. Anything else there is no consent.
        let recorded = self.scope.bind(py).get_item(intern!(py, CONSENT_KEY))?;
        let recorded = recorded.as_ref().and_then(|c| c.cast::<PyConsent>().ok());
        let nobody = Consent::default();
        let consent = recorded.map_or(&nobody, |c| &c.get().inner);
        let mut dropped = self.on_dropped.as_ref().map(|_| Vec::new());
        let headers = headers.unwrap_or_else(|| PyTuple::empty(py).into_any());
        let rewritten = response_headers(
            py,
            self.policy.get(),
            &headers,
            self.cookie_header.as_deref(),
            consent,
            unix_now(),
            dropped.as_mut(),
        )?;
        if let (Some(on_dropped), Some(dropped)) = (&self.on_dropped, dropped)
            && !dropped.is_empty()
        {
            on_dropped.bind(py).call1((PyList::new(py, dropped)?,))?;
        }
        let Some(rewritten) = rewritten else {
            return Ok(message);
        };
        let copy = copied(&message)?;
        copy.set_item(intern!(py, "headers"), rewritten)?;
        Ok(copy.into_any())
    }
}

/// The response's headers (an ASGI list of `(name, value)` byte pairs) with the `Set-Cookie`
/// values the visitor does not allow removed (each told to `dropped`, when given) and the
/// deletions of `purge` of `cookie_header` appended (when given): the other headers first,
/// unchanged and in order, then the kept `Set-Cookie` headers in order (the given pairs
/// themselves, unless the core rewrote them), then the deletions. `None` when nothing changes.
fn response_headers<'py>(
    py: Python<'py>,
    policy: &PyPolicy,
    headers: &Bound<'py, PyAny>,
    cookie_header: Option<&str>,
    consent: &Consent,
    now: u64,
    mut dropped: Option<&mut Vec<Py<crate::headers::PyDropped>>>,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let others = PyList::empty(py);
    // Each Set-Cookie header with its value's bytes, which the texts below borrow.
    let mut set_cookies: Vec<(Bound<'py, PyAny>, Bound<'py, PyBytes>)> = Vec::new();
    for header in headers.try_iter()? {
        let header = header?;
        let (name, value) = pair(&header)?;
        if with_bytes(&name, |n| n.eq_ignore_ascii_case(b"set-cookie"))? {
            let value = as_bytes(&value)?;
            set_cookies.push((header, value));
        } else {
            others.append(header)?;
        }
    }
    if set_cookies.is_empty() && cookie_header.is_none() {
        return Ok(None);
    }
    let core = policy.core();
    let name = PyBytes::new(py, b"set-cookie");
    let mut unchanged = true;
    for (header, value) in &set_cookies {
        match core.filter_set_cookie(&latin1(value.as_bytes()), consent, now) {
            Verdict::Kept(Cow::Borrowed(_)) => others.append(header)?,
            Verdict::Kept(Cow::Owned(rewritten)) => {
                unchanged = false;
                others.append((&name, to_latin1(py, &rewritten)?))?;
            }
            Verdict::Dropped(d) => {
                unchanged = false;
                if let Some(dropped) = dropped.as_deref_mut() {
                    dropped.push(policy.dropped(py, &d)?);
                }
            }
        }
    }
    for purged in cookie_header
        .map(|h| core.purge(h, consent, now))
        .into_iter()
        .flatten()
    {
        for header in &purged.headers {
            unchanged = false;
            others.append((&name, to_latin1(py, header)?))?;
        }
    }
    Ok((!unchanged).then_some(others))
}
