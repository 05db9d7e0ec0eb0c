//! Request signals: `gpc_enabled`, which reads the values of a request's `Sec-GPC` headers, and
//! the reading of such values that `Policy.respond` and `Policy.request_consent` share.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::consent::type_name;
use crate::errors::guard;

/// Calls `f` with the bytes of one header value (a `str` or `bytes`). A `str` that is not valid
/// UTF-8 (a lone surrogate) is passed as no bytes: it cannot be exactly `1`.
fn with_value(value: &Bound<'_, PyAny>, f: &mut impl FnMut(&[u8])) -> PyResult<()> {
    if let Ok(text) = value.cast::<PyString>() {
        f(text.to_str().map_or(&[][..], str::as_bytes));
        return Ok(());
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        f(bytes.as_bytes());
        return Ok(());
    }
    Err(PyTypeError::new_err(format!(
        "a Sec-GPC header value must be a str or bytes, not {}",
        type_name(value)
    )))
}

/// Calls `f` with the bytes of each `Sec-GPC` value of `values`: one value (a `str` or `bytes`)
/// or an iterable of them; None means no header.
pub(crate) fn each_sec_gpc(
    values: Option<&Bound<'_, PyAny>>,
    mut f: impl FnMut(&[u8]),
) -> PyResult<()> {
    let Some(values) = values else {
        return Ok(());
    };
    if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() {
        return with_value(values, &mut f);
    }
    let items = values.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "values must be a str, bytes or an iterable of them, not {}",
            type_name(values)
        ))
    })?;
    for item in items {
        with_value(&item?, &mut f)?;
    }
    Ok(())
}

/// Whether the values of a request's `Sec-GPC` headers ask for Global Privacy Control: one value
/// (a `str` or `bytes`) or an iterable of them; None means no header.
///
/// Only a value that is exactly `1` (spaces and tabs around it aside) counts; with several
/// values, any `1` counts. Set the result on the visitor's consent with `Consent.with_gpc`.
#[pyfunction]
#[pyo3(signature = (values))]
pub(crate) fn gpc_enabled(py: Python<'_>, values: Option<&Bound<'_, PyAny>>) -> PyResult<bool> {
    guard(py, || {
        let mut enabled = false;
        each_sec_gpc(values, |value| {
            enabled = enabled || cookie_charter::gpc_enabled([value]);
        })?;
        Ok(enabled)
    })
}
