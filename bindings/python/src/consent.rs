//! `Consent`: a visitor's choices, built from a mapping or read from the consent cookie.

use std::time::{SystemTime, UNIX_EPOCH};

use cookie_charter::{Choice, Consent, PurposeId};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyMapping, PyString};

use crate::errors::{guard, policy_error};

/// The current time in unix seconds (0 if the clock is before 1970); in builds with the
/// `test-hooks` feature, the time `_set_clock_for_tests` fixed, if any.
pub(crate) fn unix_now() -> u64 {
    #[cfg(feature = "test-hooks")]
    {
        let fixed = test_clock::FIXED.load(std::sync::atomic::Ordering::Relaxed);
        if fixed != 0 {
            return fixed;
        }
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A fixed clock for the tests of what reads the current time (the middleware).
#[cfg(feature = "test-hooks")]
pub(crate) mod test_clock {
    use std::sync::atomic::{AtomicU64, Ordering};

    use pyo3::prelude::*;

    /// The fixed time in unix seconds; 0: the real clock.
    pub(super) static FIXED: AtomicU64 = AtomicU64::new(0);

    /// Fixes the time every call that defaults `now` reads to `now` (unix seconds, not 0); None
    /// goes back to the real clock.
    #[pyfunction]
    #[pyo3(signature = (now))]
    pub(crate) fn _set_clock_for_tests(now: Option<u64>) {
        FIXED.store(now.unwrap_or(0), Ordering::Relaxed);
    }
}

/// `now`, or the current time when it is None.
#[inline]
pub(crate) fn now_or_current(now: Option<impl Into<u64>>) -> u64 {
    now.map_or_else(unix_now, Into::into)
}

/// A `now` argument: unix seconds, taken as a `u64` argument takes them (a non-negative `int`
/// below 2**64, or an object with `__index__`), with the same errors.
///
/// An exact `int` is read as a C `long` first: CPython reads an `int` of more than 30 bits as
/// an `unsigned long long` through its generic byte-array conversion (every current time is
/// such an `int`), which cost more than the rest of the argument parsing of `decide`; the
/// `long` conversion reads the same value from its digits. Anything else (a negative `int`, one
/// of 2**63 or more, a `bool`, another type) goes the `u64` way, which gives the value or the
/// error as before.
pub(crate) struct Now(u64);

impl From<Now> for u64 {
    #[inline]
    fn from(now: Now) -> Self {
        now.0
    }
}

impl FromPyObject<'_, '_> for Now {
    type Error = PyErr;

    #[inline]
    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        if obj.is_exact_instance_of::<PyInt>()
            && let Ok(value) = obj.extract::<isize>()
            && let Ok(value) = u64::try_from(value)
        {
            return Ok(Self(value));
        }
        obj.extract::<u64>().map(Self)
    }
}

/// A visitor's consent: the policy revision and time it was given, and a choice per purpose.
///
/// It also carries the request's Global Privacy Control signal (`gpc`), which is not part of the
/// consent cookie.
#[pyclass(name = "Consent", module = "cookie_charter", frozen, eq, hash)]
#[derive(PartialEq, Eq, Hash)]
pub struct PyConsent {
    pub(crate) inner: Consent,
}

#[pymethods]
impl PyConsent {
    /// A consent from a mapping of purpose id to `"granted"` or `"denied"`.
    ///
    /// `at` is the unix time it was given; None means now. `gpc` is the request's Global Privacy
    /// Control signal (see `gpc_enabled`).
    #[new]
    #[pyo3(signature = (choices=None, *, revision=1, at=None, gpc=false))]
    fn new(
        py: Python<'_>,
        choices: Option<&Bound<'_, PyAny>>,
        revision: u64,
        at: Option<u64>,
        gpc: bool,
    ) -> PyResult<Self> {
        guard(py, || {
            let mut consent = Consent::new(revision, now_or_current(at)).with_gpc(gpc);
            if let Some(choices) = choices {
                let mapping = choices.cast::<PyMapping>().map_err(|_| {
                    PyTypeError::new_err(format!(
                        "choices must be a mapping of purpose id to 'granted' or 'denied', not {}",
                        type_name(choices)
                    ))
                })?;
                for item in mapping.items()?.iter() {
                    let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
                    let key = key.cast::<PyString>().map_err(|_| {
                        PyTypeError::new_err(format!(
                            "a purpose id must be a str, not {}",
                            type_name(&key)
                        ))
                    })?;
                    let value = value.cast::<PyString>().map_err(|_| {
                        PyTypeError::new_err(format!(
                            "a choice must be the str 'granted' or 'denied', not {}",
                            type_name(&value)
                        ))
                    })?;
                    let purpose =
                        PurposeId::new(key.to_str()?).map_err(|e| policy_error(py, &e))?;
                    let choice =
                        Choice::parse(value.to_str()?).map_err(|e| policy_error(py, &e))?;
                    consent.set(purpose, choice);
                }
            }
            Ok(Self { inner: consent })
        })
    }

    /// Reads a consent cookie value; never fails. None or an unusable value gives no consent,
    /// with the reason in `problem`.
    #[staticmethod]
    #[pyo3(signature = (value))]
    fn from_cookie(py: Python<'_>, value: Option<&str>) -> PyResult<Self> {
        guard(py, || {
            Ok(Self {
                inner: Consent::from_cookie(value.unwrap_or_default()),
            })
        })
    }

    /// The consent cookie value (RFC 6265 cookie-octets only); `""` for a consent with a problem.
    fn to_cookie(&self, py: Python<'_>) -> PyResult<String> {
        guard(py, || Ok(self.inner.to_cookie()))
    }

    /// The same consent with the request's Global Privacy Control signal set to `gpc`.
    ///
    /// GPC never grants anything: where the visitor has made no valid choice, it refuses the
    /// purposes the policy marks `gpc` (their state is then `gpc_denied`).
    fn with_gpc(&self, py: Python<'_>, gpc: bool) -> PyResult<Self> {
        guard(py, || {
            Ok(Self {
                inner: self.inner.clone().with_gpc(gpc),
            })
        })
    }

    /// Whether the request carried the Global Privacy Control signal.
    #[getter]
    fn gpc(&self) -> bool {
        self.inner.gpc()
    }

    /// Which of the policy's consent sources (`site.consent_sources`) gave this consent: its
    /// index and format (`"cookieconsent"`, `"onetrust"`...); None when the policy declares no
    /// source, when no source's cookie was in the request, and for a consent built or read
    /// directly.
    #[getter]
    fn source(&self) -> Option<(usize, &'static str)> {
        self.inner.source().map(|s| (s.index, s.format.as_str()))
    }

    /// The policy revision the consent was given for.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.revision()
    }

    /// When the consent was given, in unix seconds.
    #[getter]
    fn at(&self) -> u64 {
        self.inner.at()
    }

    /// The choices, purpose id to `"granted"` or `"denied"`.
    #[getter]
    fn choices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let dict = PyDict::new(py);
        for (purpose, choice) in self.inner.choices() {
            dict.set_item(purpose.as_str(), choice.as_str())?;
        }
        Ok(dict)
    }

    /// The choice for `purpose`, or None when the visitor made none.
    fn get(&self, purpose: &str) -> Option<&'static str> {
        self.inner.choice(purpose).map(Choice::as_str)
    }

    /// Why the cookie value gave no consent (`absent`, `oversized`, `malformed`,
    /// `duplicate_key`, `unknown_version`); None when it was valid.
    #[getter]
    fn problem(&self) -> Option<&'static str> {
        self.inner.problem().map(|p| p.code())
    }

    /// The problem in words, for a log line; None when the value was valid.
    #[getter]
    fn problem_message(&self) -> Option<String> {
        self.inner.problem().map(|p| p.to_string())
    }

    /// `problem`, also counting a consent dated more than a day after `now` as `malformed`.
    #[pyo3(signature = (now=None))]
    fn problem_at(&self, now: Option<Now>) -> Option<&'static str> {
        self.inner.problem_at(now_or_current(now)).map(|p| p.code())
    }

    fn __repr__(&self) -> String {
        let gpc = self.inner.gpc();
        match self.inner.problem() {
            // Problem codes and purpose ids are plain ASCII words: quoted as Python's repr
            // quotes them.
            Some(problem) => format!(
                "<Consent problem='{}'{}>",
                problem.code(),
                if gpc { " gpc=True" } else { "" }
            ),
            None => {
                let choices: Vec<String> = self
                    .inner
                    .choices()
                    .map(|(p, c)| format!("'{}': '{}'", p.as_str(), c.as_str()))
                    .collect();
                format!(
                    "Consent({{{}}}, revision={}, at={}{})",
                    choices.join(", "),
                    self.inner.revision(),
                    self.inner.at(),
                    if gpc { ", gpc=True" } else { "" }
                )
            }
        }
    }
}

/// The name of an object's type, for error messages.
pub(crate) fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| "an unknown type".to_owned(), |n| n.to_string())
}
