//! `Purpose`: what a policy says of one purpose, for a consent banner.

use cookie_charter::{Policy, Purpose, Text};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

/// One purpose of the policy: what a consent banner shows of it.
#[pyclass(name = "Purpose", module = "cookie_charter", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub struct PyPurpose {
    id: String,
    /// `(language, words)` in the order of the policy's languages.
    label: Vec<(String, String)>,
    description: Option<Vec<(String, String)>>,
    revision: u64,
    needs_consent: bool,
    cookies: Vec<String>,
}

/// The words of `text` in each of `languages` that has them, in that order.
fn in_languages(text: &Text, languages: &[String]) -> Vec<(String, String)> {
    languages
        .iter()
        .filter_map(|lang| {
            text.exact(lang)
                .map(|words| (lang.clone(), words.to_owned()))
        })
        .collect()
}

fn to_dict<'py>(py: Python<'py>, pairs: &[(String, String)]) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (lang, words) in pairs {
        dict.set_item(lang, words)?;
    }
    Ok(dict)
}

impl PyPurpose {
    /// The Python view of `purpose` of `policy`.
    pub(crate) fn new(policy: &Policy, purpose: &Purpose) -> Self {
        let id = purpose.id.as_str();
        let languages = &policy.site().languages;
        Self {
            id: id.to_owned(),
            label: in_languages(&purpose.label, languages),
            description: purpose
                .description
                .as_ref()
                .map(|d| in_languages(d, languages)),
            revision: purpose.revision,
            needs_consent: policy.needs_consent(id),
            cookies: policy.cookies_of(id).map(|c| c.name.clone()).collect(),
        }
    }
}

#[pymethods]
impl PyPurpose {
    /// The purpose id (`necessary`, `statistics`, or one the policy declares).
    #[getter]
    fn id(&self) -> &str {
        &self.id
    }

    /// Its title in each of the policy's languages (language to text), in the policy's order.
    #[getter]
    fn label<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        to_dict(py, &self.label)
    }

    /// Its longer explanation in the languages the policy gives it in, or None.
    #[getter]
    fn description<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.description
            .as_deref()
            .map(|pairs| to_dict(py, pairs))
            .transpose()
    }

    /// The site revision at which its cookies last changed; older consents are `stale` for it.
    #[getter]
    fn revision(&self) -> u64 {
        self.revision
    }

    /// Whether a banner asks about it: at least one of its cookies needs consent. False for
    /// `necessary` and for a purpose whose cookies are all exempt.
    #[getter]
    fn needs_consent(&self) -> bool {
        self.needs_consent
    }

    /// The declared names (or patterns with one `*`) of its cookies, in the file's order.
    #[getter]
    fn cookies(&self) -> Vec<String> {
        self.cookies.clone()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Purpose(id={}, label={}, revision={}, needs_consent={}, cookies={})",
            PyString::new(py, &self.id).repr()?,
            to_dict(py, &self.label)?.repr()?,
            self.revision,
            if self.needs_consent { "True" } else { "False" },
            self.cookies.clone().into_pyobject(py)?.repr()?
        ))
    }
}
