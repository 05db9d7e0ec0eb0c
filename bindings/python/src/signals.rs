//! Request signals: `gpc_enabled`, which reads the values of a request's `Sec-GPC` headers.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::consent::type_name;
use crate::errors::guard;

/// Whether one header value (a `str` or `bytes`) asks for Global Privacy Control.
fn value_enabled(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    if let Ok(text) = value.cast::<PyString>() {
        // A str that is not valid UTF-8 (a lone surrogate) cannot be exactly `1`.
        return Ok(text
            .to_str()
            .is_ok_and(|t| cookie_charter::gpc_enabled([t])));
    }
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(cookie_charter::gpc_enabled([bytes.as_bytes()]));
    }
    Err(PyTypeError::new_err(format!(
        "a Sec-GPC header value must be a str or bytes, not {}",
        type_name(value)
    )))
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
        let Some(values) = values else {
            return Ok(false);
        };
        if values.is_instance_of::<PyString>() || values.is_instance_of::<PyBytes>() {
            return value_enabled(values);
        }
        let items = values.try_iter().map_err(|_| {
            PyTypeError::new_err(format!(
                "values must be a str, bytes or an iterable of them, not {}",
                type_name(values)
            ))
        })?;
        for item in items {
            if value_enabled(&item?)? {
                return Ok(true);
            }
        }
        Ok(false)
    })
}
