//! `TcString`: a decoded IAB TCF v2 TC string, holding the core's value; the Python objects
//! (lists, the dict of `to_dict`) are built only when asked for.

use std::borrow::Cow;

use cookie_charter::TcString;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};

use crate::errors::{guard, tc_string_error};
use crate::gil;

/// The UTF-8 text of a Python string. A string that has no UTF-8 form (a lone surrogate) is
/// read with U+FFFD in its place, which has the same UTF-8 length: it can only be refused as
/// `invalid_base64`, at the same byte position.
pub(crate) fn text_of<'a>(text: &'a Bound<'_, PyString>) -> Cow<'a, str> {
    match text.to_str() {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(text.to_string_lossy().into_owned()),
    }
}

/// Decodes a TC string, raising `TcStringError` when it does not decode.
pub(crate) fn decode(py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<TcString<'static>> {
    let text = text_of(text);
    let decoded = gil::detach_if_large(py, text.len(), || {
        TcString::decode(&text).map(TcString::into_owned)
    });
    decoded.map_err(|e| tc_string_error(py, &e))
}

/// A decoded IAB TCF v2 TC string (the `euconsent-v2` cookie or the `gdpr_consent` parameter).
///
/// Immutable. The properties are the core segment's fields; `to_dict()` and `to_json()` give
/// every segment in the canonical shape shared by every language.
#[pyclass(name = "TcString", module = "cookie_charter", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub struct PyTcString {
    pub(crate) inner: TcString<'static>,
}

#[pymethods]
impl PyTcString {
    /// Decodes a TC string strictly. Raises `TcStringError` (a `ValueError`) with the reason,
    /// the segment, the field and the bit where decoding failed.
    #[staticmethod]
    fn decode(py: Python<'_>, text: &Bound<'_, PyString>) -> PyResult<Self> {
        guard(py, || {
            Ok(Self {
                inner: decode(py, text)?,
            })
        })
    }

    /// The format version: always 2.
    #[getter]
    fn version(&self) -> u8 {
        self.inner.core().version()
    }

    /// When the string was created, in deciseconds since the Unix epoch (the raw field).
    #[getter]
    fn created(&self) -> u64 {
        self.inner.core().created()
    }

    /// When the string was last updated, in deciseconds since the Unix epoch (the raw field).
    #[getter]
    fn last_updated(&self) -> u64 {
        self.inner.core().last_updated()
    }

    /// The id of the consent management platform.
    #[getter]
    fn cmp_id(&self) -> u16 {
        self.inner.core().cmp_id()
    }

    /// The version of the consent management platform.
    #[getter]
    fn cmp_version(&self) -> u16 {
        self.inner.core().cmp_version()
    }

    /// The screen of the CMP on which consent was given.
    #[getter]
    fn consent_screen(&self) -> u8 {
        self.inner.core().consent_screen()
    }

    /// The two-letter language of the CMP's texts (`EN`, `FR`...).
    #[getter]
    fn consent_language(&self) -> &str {
        self.inner.core().consent_language()
    }

    /// The version of the Global Vendor List.
    #[getter]
    fn vendor_list_version(&self) -> u16 {
        self.inner.core().vendor_list_version()
    }

    /// The TCF policy version (4 and later are TCF v2.2).
    #[getter]
    fn policy_version(&self) -> u8 {
        self.inner.core().policy_version()
    }

    /// Whether the choices apply to this service only.
    #[getter]
    fn is_service_specific(&self) -> bool {
        self.inner.core().is_service_specific()
    }

    /// Whether the CMP used non-standard texts.
    #[getter]
    fn use_non_standard_texts(&self) -> bool {
        self.inner.core().use_non_standard_texts()
    }

    /// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
    #[getter]
    fn purpose_one_treatment(&self) -> bool {
        self.inner.core().purpose_one_treatment()
    }

    /// The publisher's two-letter country code (`FR`...).
    #[getter]
    fn publisher_country_code(&self) -> &str {
        self.inner.core().publisher_country_code()
    }

    /// The ids of the special features opted in, ascending.
    // The id lists are built as lists of int: a `Vec<u8>` would become `bytes`.
    #[getter]
    fn special_feature_opt_ins<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.inner.core().special_feature_opt_ins())
    }

    /// The ids of the purposes with consent, ascending.
    #[getter]
    fn purpose_consents<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.inner.core().purpose_consents())
    }

    /// The ids of the purposes under legitimate interest, ascending.
    #[getter]
    fn purpose_legitimate_interests<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.inner.core().purpose_legitimate_interests())
    }

    /// Whether vendor `id` has consent in the core segment (False for an id outside 1–65535).
    fn vendor_consent(&self, id: i64) -> bool {
        u16::try_from(id).is_ok_and(|id| self.inner.core().vendor_consents().contains(id))
    }

    /// Whether vendor `id` is under legitimate interest in the core segment (False for an id
    /// outside 1–65535).
    fn vendor_legitimate_interest(&self, id: i64) -> bool {
        u16::try_from(id)
            .is_ok_and(|id| self.inner.core().vendor_legitimate_interests().contains(id))
    }

    /// Every field of every segment as canonical JSON (keys in a fixed order, no spaces, id sets
    /// as ascending arrays), the same text in every language.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.inner.to_json()))
    }

    /// `to_json()` read back as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let json = guard(py, || Ok(self.inner.to_json()))?;
        LOADS.import(py, "json", "loads")?.call1((json,))
    }

    fn __repr__(&self) -> String {
        let core = self.inner.core();
        format!(
            "<TcString cmp_id={} vendor_list_version={} policy_version={} last_updated={}>",
            core.cmp_id(),
            core.vendor_list_version(),
            core.policy_version(),
            core.last_updated()
        )
    }
}
