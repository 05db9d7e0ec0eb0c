//! `Policy.respond` and `Policy.request_consent`: the core's response path
//! (`Policy::request_consent`, `Policy::respond`) with Python arguments, and its answer,
//! `Response`.

use cookie_charter::{Handled, Purge, Request};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyString;

use crate::consent::{PyConsent, type_name};
use crate::errors::invalid_argument;
use crate::headers::{PyDropped, PyPurged};
use crate::signals::each_sec_gpc;

/// What `Policy.respond` returns: the answer to one response.
#[pyclass(name = "Response", module = "cookie_charter", frozen, get_all)]
pub struct PyResponse {
    /// The consent that judged the response (the request's, or the handler's replacement,
    /// with the request's Global Privacy Control signal).
    pub(crate) consent: Py<PyConsent>,
    /// The `Set-Cookie` values to send: the kept ones in order (each as given, or rewritten
    /// when its lifetime was clamped), then the deletions.
    pub(crate) set_cookies: Vec<String>,
    /// The dropped `Set-Cookie` values, in order, each with the decision that dropped it.
    pub(crate) dropped: Vec<Py<PyDropped>>,
    /// The cookies of the request's `Cookie` header the consent does not allow, with their
    /// deletions (none when not purging or when the request sent no `Cookie` header).
    pub(crate) purged: Vec<Py<PyPurged>>,
    /// Whether the `Set-Cookie` values go out exactly as they came: every one kept as given and
    /// nothing purged.
    pub(crate) unchanged: bool,
}

#[pymethods]
impl PyResponse {
    fn __repr__(&self) -> String {
        format!(
            "<Response set_cookies={} dropped={} purged={}{}>",
            self.set_cookies.len(),
            self.dropped.len(),
            self.purged.len(),
            if self.unchanged { " unchanged" } else { "" }
        )
    }
}

/// The `Cookie` header fields of a request as Python gives them: None (no header), one `str`,
/// or an iterable of `str` (one per field).
pub(crate) fn cookie_fields(value: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<PyBackedStr>> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    if let Ok(text) = value.cast::<PyString>() {
        return Ok(vec![text.clone().try_into()?]);
    }
    let wrong = |value: &Bound<'_, PyAny>| {
        PyTypeError::new_err(format!(
            "cookie_header must be a str or an iterable of str, not {}",
            type_name(value)
        ))
    };
    let items = value.try_iter().map_err(|_| wrong(value))?;
    items
        .map(|item| {
            let item = item?;
            match item.cast::<PyString>() {
                Ok(text) => Ok(text.clone().try_into()?),
                Err(_) => Err(wrong(&item)),
            }
        })
        .collect()
}

/// The core's request from its `Cookie` fields and `Sec-GPC` values (see `cookie_fields` and
/// `signals::each_sec_gpc`).
pub(crate) fn request<'a>(
    cookie: &'a [PyBackedStr],
    sec_gpc: Option<&Bound<'_, PyAny>>,
) -> PyResult<Request<'a>> {
    let mut request = Request::new();
    for field in cookie {
        request.add_cookie(field);
    }
    each_sec_gpc(sec_gpc, |value| request.add_sec_gpc(value))?;
    Ok(request)
}

/// What a request's handler did with the consent, as `Policy.respond` is told it: the string
/// `"unchanged"`, the string `"not_a_consent"`, or the `Consent` that replaced it.
pub(crate) enum HandledArg<'py> {
    /// `"unchanged"`.
    Unchanged,
    /// `"not_a_consent"`.
    NotAConsent,
    /// A `Consent`.
    Replaced(Bound<'py, PyConsent>),
}

impl<'py> FromPyObject<'_, 'py> for HandledArg<'py> {
    type Error = PyErr;

    fn extract(value: Borrowed<'_, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(consent) = value.cast::<PyConsent>() {
            return Ok(Self::Replaced(consent.to_owned()));
        }
        let Ok(text) = value.cast::<PyString>() else {
            return Err(PyTypeError::new_err(format!(
                "handled must be a Consent, 'unchanged' or 'not_a_consent', not {}",
                type_name(&value)
            )));
        };
        match text.to_str()? {
            "unchanged" => Ok(Self::Unchanged),
            "not_a_consent" => Ok(Self::NotAConsent),
            other => Err(invalid_argument(
                value.py(),
                "handled",
                &format!(
                    "handled `{}` is not `unchanged`, `not_a_consent` or a `Consent`",
                    other.escape_debug()
                ),
            )),
        }
    }
}

impl HandledArg<'_> {
    /// The core's view of it.
    pub(crate) fn core(&self) -> Handled<'_> {
        match self {
            Self::Unchanged => Handled::Unchanged,
            Self::NotAConsent => Handled::NotAConsent,
            Self::Replaced(consent) => Handled::Replaced(&consent.get().inner),
        }
    }
}

/// `Purge` from the Python flag.
pub(crate) fn purge(on: bool) -> Purge {
    if on { Purge::On } else { Purge::Off }
}
