//! Python views of the header calls: `filter_set_cookies` and `purge` results.

use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::decision::PyDecision;

/// Python's `repr` of an optional string.
fn repr(py: Python<'_>, text: Option<&str>) -> PyResult<String> {
    match text {
        Some(text) => Ok(PyString::new(py, text).repr()?.to_string()),
        None => Ok("None".to_owned()),
    }
}

/// A `Set-Cookie` header the filter removed, with the decision that removed it.
#[pyclass(name = "DroppedCookie", module = "cookie_charter", frozen, get_all)]
pub struct PyDropped {
    /// The header value, as given.
    pub(crate) header: String,
    /// The cookie name the browser would have stored; None when the header has no usable name.
    pub(crate) cookie: Option<String>,
    /// The decision (`undeclared` for a header without a usable name).
    pub(crate) decision: Py<PyDecision>,
    /// Why the header gives no named cookie (`control_character`, `too_large`, `empty`,
    /// `nameless`), when that is why it was dropped.
    pub(crate) problem: Option<&'static str>,
}

#[pymethods]
impl PyDropped {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "DroppedCookie(header={}, cookie={}, decision={}, problem={})",
            repr(py, Some(&self.header))?,
            repr(py, self.cookie.as_deref())?,
            self.decision.bind(py).repr()?,
            repr(py, self.problem)?
        ))
    }
}

/// What `filter_set_cookies` returns: the headers to send and those removed.
#[pyclass(name = "Filtered", module = "cookie_charter", frozen, get_all)]
pub struct PyFiltered {
    /// The `Set-Cookie` values to send, unchanged and in order (rewritten only when the policy
    /// clamps lifetimes).
    pub(crate) kept: Vec<String>,
    /// The values removed, in order, each with its decision.
    pub(crate) dropped: Vec<Py<PyDropped>>,
}

#[pymethods]
impl PyFiltered {
    fn __repr__(&self) -> String {
        format!(
            "<Filtered kept={} dropped={}>",
            self.kept.len(),
            self.dropped.len()
        )
    }
}

/// A cookie the visitor holds but does not allow, and the headers that delete it.
#[pyclass(name = "PurgedCookie", module = "cookie_charter", frozen, get_all)]
pub struct PyPurged {
    /// The cookie name, as the `Cookie` header sent it.
    pub(crate) cookie: String,
    /// The decision that denies it.
    pub(crate) decision: Py<PyDecision>,
    /// `Set-Cookie` values with `Max-Age=0`, one per domain and path the cookie can have.
    pub(crate) headers: Vec<String>,
}

#[pymethods]
impl PyPurged {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PurgedCookie(cookie={}, decision={}, headers={})",
            repr(py, Some(&self.cookie))?,
            self.decision.bind(py).repr()?,
            self.headers.clone().into_pyobject(py)?.repr()?
        ))
    }
}
