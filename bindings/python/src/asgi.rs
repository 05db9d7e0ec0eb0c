//! The header work of the ASGI middleware (`cookie_charter.asgi`) in one call: what a response's
//! raw header list becomes, without a Python object per header value.

use cookie_charter::{Consent, Policy};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};

/// A header name or value as bytes: `bytes` itself, or what `bytes(value)` gives.
fn with_bytes<T>(value: &Bound<'_, PyAny>, f: impl FnOnce(&[u8]) -> T) -> PyResult<T> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(f(bytes.as_bytes()));
    }
    let converted = value
        .py()
        .get_type::<PyBytes>()
        .call1((value,))?
        .cast_into::<PyBytes>()?;
    Ok(f(converted.as_bytes()))
}

/// Latin-1 bytes as text (what ASGI header bytes mean).
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
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

/// The response's headers (an ASGI list of `(name, value)` byte pairs) with the `Set-Cookie`
/// values the visitor does not allow removed and the deletions of `purge` of `cookie_header`
/// appended (when `purge`): the other headers first, unchanged and in order, then the kept
/// `Set-Cookie` values in order, then the deletions. `None` when nothing changes.
pub(crate) fn response_headers<'py>(
    py: Python<'py>,
    policy: &Policy,
    headers: &Bound<'py, PyAny>,
    cookie_header: Option<&str>,
    consent: &Consent,
    now: u64,
    purge: bool,
) -> PyResult<Option<Bound<'py, PyList>>> {
    let others = PyList::empty(py);
    let mut values: Vec<String> = Vec::new();
    for header in headers.try_iter()? {
        let header = header?;
        let (name, value) = match header.cast::<PyTuple>() {
            Ok(pair) if pair.len() == 2 => (pair.get_item(0)?, pair.get_item(1)?),
            _ => (header.get_item(0)?, header.get_item(1)?),
        };
        if with_bytes(&name, |n| n.eq_ignore_ascii_case(b"set-cookie"))? {
            values.push(with_bytes(&value, latin1)?);
        } else {
            others.append(header)?;
        }
    }
    let cookie_header = cookie_header.filter(|h| purge && !h.is_empty());
    if values.is_empty() && cookie_header.is_none() {
        return Ok(None);
    }
    let filtered = policy.filter_set_cookies(values.iter().map(String::as_str), consent, now);
    let deletions = cookie_header.map(|h| policy.purge(h, consent, now));
    let unchanged = filtered.dropped.is_empty()
        && filtered.kept.iter().zip(&values).all(|(k, v)| k == v)
        && deletions.as_ref().is_none_or(Vec::is_empty);
    if unchanged {
        return Ok(None);
    }
    let name = PyBytes::new(py, b"set-cookie");
    for kept in &filtered.kept {
        others.append((&name, to_latin1(py, kept)?))?;
    }
    for purged in deletions.iter().flatten() {
        for header in &purged.headers {
            others.append((&name, to_latin1(py, header)?))?;
        }
    }
    Ok(Some(others))
}
