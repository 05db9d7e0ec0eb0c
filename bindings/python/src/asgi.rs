//! The ASGI middleware's work (`cookie_charter.asgi`), native from the request to the response:
//! [`AsgiHandler`] (made once per middleware by `Policy._asgi_handler`) reads the request's consent
//! (`Policy::request_consent`), copies the scope with it, and calls the application with a `send`
//! of its own ([`ConsentSend`]) that rewrites the
//! `Set-Cookie` headers of `http.response.start` as `Policy::respond` answers. This module only
//! moves header values between ASGI messages and those two calls. No Python function runs per
//! request but `ConsentMiddleware.__call__` itself, and no Python object is made per header value.

use std::borrow::Cow;

use cookie_charter::{Handled, Purge, Request, Verdict};
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::consent::{PyConsent, unix_now};
use crate::errors::guard;
use crate::policy::PyPolicy;
use crate::respond;

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

/// ASCII bytes as text (`""` for bytes that are not UTF-8, which ASCII always is).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// Text as latin-1 bytes; an error for a character outside latin-1.
fn to_latin1<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = text
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect::<Option<Vec<u8>>>()
        .ok_or_else(|| match PyString::new(py, text).repr() {
            Ok(repr) => {
                PyValueError::new_err(format!("a header value to send is not latin-1: {repr}"))
            }
            Err(e) => e,
        })?;
    Ok(PyBytes::new(py, &bytes))
}

/// Calls `f` with each ASGI header of `headers` (a list, a tuple or another iterable), its name
/// and its value (each header a `(name, value)` tuple, or any indexable pair). Lists and tuples,
/// what servers and applications give, are read without an iterator object.
fn each_header<'py>(
    headers: &Bound<'py, PyAny>,
    mut f: impl FnMut(&Bound<'py, PyAny>, &Bound<'py, PyAny>, &Bound<'py, PyAny>) -> PyResult<()>,
) -> PyResult<()> {
    let mut one = |header: &Bound<'py, PyAny>| -> PyResult<()> {
        if let Ok(pair) = header.cast::<PyTuple>()
            && pair.len() == 2
        {
            let (name, value) = (pair.get_borrowed_item(0)?, pair.get_borrowed_item(1)?);
            return f(header, &name, &value);
        }
        f(header, &header.get_item(0)?, &header.get_item(1)?)
    };
    if let Ok(list) = headers.cast::<PyList>() {
        for header in list.iter() {
            one(&header)?;
        }
    } else if let Ok(tuple) = headers.cast::<PyTuple>() {
        for header in tuple.iter_borrowed() {
            one(&header)?;
        }
    } else {
        for header in headers.try_iter()? {
            one(&header?)?;
        }
    }
    Ok(())
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

/// What the request says: its `Cookie` fields (HTTP/2 and HTTP/3 may send one per cookie) and
/// its `Sec-GPC` values, the server's bytes objects themselves (nothing copied), kept for the
/// core's [`Request`] when the request arrives and again for the response.
#[derive(Default)]
struct RequestHeaders {
    /// The first `Cookie` field (nearly always the only one): no allocation for it.
    cookie: Option<Py<PyBytes>>,
    /// The other `Cookie` fields.
    more_cookie: Vec<Py<PyBytes>>,
    sec_gpc: Vec<Py<PyBytes>>,
}

impl RequestHeaders {
    /// Reads the ASGI `headers` of a scope: names are compared in any case; a name that is not
    /// bytes is no header of these.
    fn read(headers: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut read = Self::default();
        let Some(headers) = headers else {
            return Ok(read);
        };
        each_header(&headers, |_, name, value| {
            let (cookie, sec_gpc) = with_bytes(name, |n| {
                (
                    n.eq_ignore_ascii_case(b"cookie"),
                    n.eq_ignore_ascii_case(b"sec-gpc"),
                )
            })
            .unwrap_or((false, false));
            if cookie {
                let value = as_bytes(value)?.unbind();
                match read.cookie {
                    None => read.cookie = Some(value),
                    Some(_) => read.more_cookie.push(value),
                }
            } else if sec_gpc {
                read.sec_gpc.push(as_bytes(value)?.unbind());
            }
            Ok(())
        })?;
        Ok(read)
    }

    /// `f` called with the core's request.
    fn with_request<T>(&self, py: Python<'_>, f: impl FnOnce(&Request<'_>) -> T) -> T {
        let first = self.cookie.as_ref().map(|v| latin1(v.as_bytes(py)));
        // Empty (no allocation) unless the request sent several fields.
        let more: Vec<Cow<'_, str>> = self
            .more_cookie
            .iter()
            .map(|v| latin1(v.as_bytes(py)))
            .collect();
        let mut request = Request::new();
        for field in first.iter().chain(&more) {
            request.add_cookie(field);
        }
        for value in &self.sec_gpc {
            request.add_sec_gpc(value.as_bytes(py));
        }
        f(&request)
    }
}

/// The native part of a `cookie_charter.asgi.ConsentMiddleware` around one application, made
/// with it: for an HTTP scope, it calls the application with a copy of the scope holding the
/// visitor's consent (`Policy::request_consent`) and the policy, and a [`ConsentSend`]; for
/// another scope (websocket, lifespan), with the scope, `receive` and `send` as they are. Returns
/// what the application returns (its coroutine).
#[pyclass(name = "_AsgiHandler", module = "cookie_charter._native", frozen)]
pub(crate) struct AsgiHandler {
    policy: Py<PyPolicy>,
    app: Py<PyAny>,
    purge: Purge,
    on_dropped: Option<Py<PyAny>>,
}

impl AsgiHandler {
    /// The handler for `app`, with the middleware's options.
    pub(crate) fn new(
        policy: &Bound<'_, PyPolicy>,
        app: &Bound<'_, PyAny>,
        purge: bool,
        on_dropped: Option<&Bound<'_, PyAny>>,
    ) -> Self {
        Self {
            policy: policy.clone().unbind(),
            app: app.clone().unbind(),
            purge: respond::purge(purge),
            on_dropped: on_dropped.map(|f| f.clone().unbind()),
        }
    }
}

#[pymethods]
impl AsgiHandler {
    /// Handles one scope (a method, not `__call__`: Python calls a method of a native class
    /// without building a tuple of the arguments).
    fn handle<'py>(
        &self,
        py: Python<'py>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || self.call(py, scope, receive, send))
    }
}

impl AsgiHandler {
    fn call<'py>(
        &self,
        py: Python<'py>,
        scope: &Bound<'py, PyAny>,
        receive: &Bound<'py, PyAny>,
        send: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let app = self.app.bind(py);
        let kind = get(scope, intern!(py, "type"))?;
        let is_http = kind.is_some_and(|k| {
            k.cast::<PyString>()
                .is_ok_and(|k| k.to_str().is_ok_and(|k| k == "http"))
        });
        if !is_http {
            return app.call1((scope, receive, send));
        }
        let policy = self.policy.bind(py);
        let scope = copied(scope)?;
        let request = RequestHeaders::read(scope.get_item(intern!(py, "headers"))?)?;
        let consent = request.with_request(py, |r| policy.get().core().request_consent(r));
        let consent = Bound::new(py, PyConsent { inner: consent })?;
        scope.set_item(intern!(py, CONSENT_KEY), &consent)?;
        scope.set_item(intern!(py, POLICY_KEY), policy)?;
        let sender = ConsentSend {
            send: send.clone().unbind(),
            policy: self.policy.clone_ref(py),
            scope: scope.clone().unbind(),
            consent: consent.unbind(),
            request,
            purge: self.purge,
            on_dropped: self.on_dropped.as_ref().map(|f| f.clone_ref(py)),
        };
        app.call1((scope, receive, sender))
    }
}

/// The `send` the ASGI middleware gives the application: an `http.response.start` message goes
/// to the server with its `Set-Cookie` headers as `Policy::respond` answers for what the handler
/// left in the scope; any other message goes as it is.
#[pyclass(name = "_ConsentSend", module = "cookie_charter._native", frozen)]
pub(crate) struct ConsentSend {
    /// The server's `send`.
    send: Py<PyAny>,
    policy: Py<PyPolicy>,
    /// The scope the application was given.
    scope: Py<PyDict>,
    /// The consent put in the scope: still there, the handler left it unchanged.
    consent: Py<PyConsent>,
    request: RequestHeaders,
    purge: Purge,
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
    /// `message`, or a copy of it with its headers rewritten.
    fn filtered<'py>(
        &self,
        py: Python<'py>,
        message: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kind =
            get(&message, intern!(py, "type"))?.ok_or_else(|| PyKeyError::new_err("type"))?;
        let is_start = kind
            .cast::<PyString>()
            .is_ok_and(|k| k.to_str().is_ok_and(|k| k == "http.response.start"));
        if !is_start {
            return Ok(message);
        }
        let headers = get(&message, intern!(py, "headers"))?;
        // What the handler did with the consent: left it, replaced it with another (a consent
        // banner's endpoint recording a choice), or put something else there.
        let found = self.scope.bind(py).get_item(intern!(py, CONSENT_KEY))?;
        let found = found.as_ref();
        let replacement = found.and_then(|c| c.cast::<PyConsent>().ok());
        let handled = match (found, replacement) {
            // Left unchanged: the consent `Policy::request_consent` gave for this request, which
            // `Handled::Replaced` judges exactly as `Handled::Unchanged` would (the same consent,
            // the same GPC signal) without reading the `Cookie` header a second time (about
            // 2,300 instructions, a tenth of what the middleware adds to a request).
            (Some(found), _) if found.is(&self.consent) => {
                Handled::Replaced(&self.consent.get().inner)
            }
            (_, Some(replacement)) => Handled::Replaced(&replacement.get().inner),
            _ => Handled::NotAConsent,
        };
        let mut dropped = self.on_dropped.as_ref().map(|_| Vec::new());
        let headers = headers.unwrap_or_else(|| PyTuple::empty(py).into_any());
        let rewritten = self.request.with_request(py, |request| {
            response_headers(
                py,
                self.policy.get(),
                &headers,
                request,
                handled,
                self.purge,
                dropped.as_mut(),
            )
        })?;
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

/// The response's headers (an ASGI list of `(name, value)` byte pairs) as `Policy::respond`
/// answers: the other headers first, unchanged and in order, then the kept `Set-Cookie` headers
/// in order (the given pairs themselves, unless the core rewrote them), then the deletions. The
/// dropped values are told to `dropped`, when given. `None` when nothing changes.
fn response_headers<'py>(
    py: Python<'py>,
    policy: &PyPolicy,
    headers: &Bound<'py, PyAny>,
    request: &Request<'_>,
    handled: Handled<'_>,
    purge: Purge,
    mut dropped: Option<&mut Vec<Py<crate::headers::PyDropped>>>,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let others = PyList::empty(py);
    // Each Set-Cookie header with its value's bytes, which the texts below borrow.
    let mut set_cookies: Vec<(Bound<'py, PyAny>, Bound<'py, PyBytes>)> = Vec::new();
    each_header(headers, |header, name, value| {
        if with_bytes(name, |n| n.eq_ignore_ascii_case(b"set-cookie"))? {
            set_cookies.push((header.clone(), as_bytes(value)?));
        } else {
            others.append(header)?;
        }
        Ok(())
    })?;
    let (core, now) = (policy.core(), unix_now());
    // The values as text: borrowed from the bytes when they are ASCII, as they nearly always
    // are; decoded from latin-1 into `texts` otherwise.
    let texts: Vec<Cow<'_, str>>;
    let response = if set_cookies.iter().all(|(_, v)| v.as_bytes().is_ascii()) {
        let values = set_cookies.iter().map(|(_, v)| ascii(v.as_bytes()));
        core.respond(request, handled, values, purge, now)
    } else {
        texts = set_cookies
            .iter()
            .map(|(_, v)| latin1(v.as_bytes()))
            .collect();
        let values = texts.iter().map(AsRef::as_ref);
        core.respond(request, handled, values, purge, now)
    };
    if response.is_unchanged() {
        return Ok(None);
    }
    let name = PyBytes::new(py, b"set-cookie");
    for ((header, _), verdict) in set_cookies.iter().zip(&response.verdicts) {
        match verdict {
            Verdict::Kept(Cow::Borrowed(_)) => others.append(header)?,
            Verdict::Kept(Cow::Owned(rewritten)) => {
                others.append((&name, to_latin1(py, rewritten)?))?;
            }
            Verdict::Dropped(d) => {
                if let Some(dropped) = dropped.as_deref_mut() {
                    dropped.push(policy.dropped(py, d)?);
                }
            }
        }
    }
    for purged in &response.purged {
        for header in &purged.headers {
            others.append((&name, to_latin1(py, header)?))?;
        }
    }
    Ok(Some(others))
}
