//! `Policy`: a loaded charter and the calls that decide with it.

use std::path::PathBuf;

use cookie_charter::{Format, GtagCommand, Policy, PolicyFormat, Warning};
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::{PyDict, PyString};

use crate::consent::{Now, PyConsent, now_or_current};
use crate::decision::{DecisionTable, PyDecision};
use crate::errors::{guard, invalid_argument, policy_error};
use crate::gil;
use crate::headers::{PyDropped, PyFiltered, PyPurged};
use crate::purpose::PyPurpose;
use crate::respond::{self, HandledArg, PyResponse};
use crate::tcf::{self, PyTcString};

/// A remark about a valid policy that is probably not what its author meant.
#[pyclass(name = "PolicyWarning", module = "cookie_charter", frozen, get_all)]
pub struct PyPolicyWarning {
    /// A stable id such as `exemption_not_met`.
    code: &'static str,
    /// The field it is about.
    field: String,
    /// 1-based line in the policy file, if known.
    line: Option<usize>,
    /// 1-based column in the policy file, if known.
    column: Option<usize>,
    /// What is wrong, in words.
    message: String,
}

#[pymethods]
impl PyPolicyWarning {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "PolicyWarning(code={}, field={}, message={})",
            PyString::new(py, self.code).repr()?,
            PyString::new(py, &self.field).repr()?,
            PyString::new(py, &self.message).repr()?
        ))
    }

    fn __str__(&self) -> String {
        match (self.line, self.column) {
            (Some(line), Some(column)) => format!(
                "line {line}, column {column}: {}: {}",
                self.field, self.message
            ),
            _ => format!("{}: {}", self.field, self.message),
        }
    }
}

impl From<&Warning> for PyPolicyWarning {
    fn from(w: &Warning) -> Self {
        Self {
            code: w.code,
            field: w.field.clone(),
            line: w.location.map(|l| l.line),
            column: w.location.map(|l| l.column),
            message: w.message.clone(),
        }
    }
}

/// A loaded, validated cookie policy. Immutable: share one between threads.
#[pyclass(name = "Policy", module = "cookie_charter", frozen)]
pub struct PyPolicy {
    inner: Policy,
    table: DecisionTable,
    purpose_ids: Vec<Py<PyString>>,
    purposes: Vec<Py<PyPurpose>>,
}

impl PyPolicy {
    fn wrap(py: Python<'_>, loaded: cookie_charter::Result<Policy>) -> PyResult<Self> {
        let inner = loaded.map_err(|e| policy_error(py, &e))?;
        let table = DecisionTable::new(py, &inner)?;
        let purpose_ids = inner
            .purposes()
            .iter()
            .map(|p| PyString::intern(py, p.id.as_str()).unbind())
            .collect();
        let purposes = inner
            .purposes()
            .iter()
            .map(|p| Py::new(py, PyPurpose::new(&inner, p)))
            .collect::<PyResult<_>>()?;
        Ok(Self {
            inner,
            table,
            purpose_ids,
            purposes,
        })
    }

    /// A Python `Policy` over a core policy (the consent endpoint's, with its keys).
    pub(crate) fn from_core(py: Python<'_>, policy: Policy) -> PyResult<Self> {
        Self::wrap(py, Ok(policy))
    }

    /// The core's policy.
    pub(crate) fn core(&self) -> &Policy {
        &self.inner
    }

    /// A dropped header as the `DroppedCookie` Python sees.
    pub(crate) fn dropped(
        &self,
        py: Python<'_>,
        dropped: &cookie_charter::Dropped<'_, '_>,
    ) -> PyResult<Py<PyDropped>> {
        Py::new(
            py,
            PyDropped {
                header: dropped.header.to_owned(),
                cookie: dropped.cookie.map(str::to_owned),
                decision: self.table.get(py, &self.inner, &dropped.decision)?,
                problem: dropped.problem.map(|p| p.as_str()),
            },
        )
    }

    /// A purged cookie as the `PurgedCookie` Python sees.
    fn purged(&self, py: Python<'_>, purged: cookie_charter::Purged<'_, '_>) -> PyResult<PyPurged> {
        Ok(PyPurged {
            cookie: purged.cookie.to_owned(),
            decision: self.table.get(py, &self.inner, &purged.decision)?,
            headers: purged.headers,
        })
    }

    fn purpose_id(&self, py: Python<'_>, id: &str) -> Py<PyString> {
        self.inner
            .purposes()
            .iter()
            .position(|p| p.id.as_str() == id)
            .and_then(|i| self.purpose_ids.get(i))
            .map_or_else(|| PyString::new(py, id).unbind(), |s| s.clone_ref(py))
    }
}

#[pymethods]
impl PyPolicy {
    /// Loads a policy from TOML text. Raises `PolicyError` with the location of the problem.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: &str) -> PyResult<Self> {
        guard(py, || {
            let loaded = py.detach(|| Policy::from_toml(text));
            Self::wrap(py, loaded)
        })
    }

    /// Loads a policy from JSON text of the same structure.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        guard(py, || {
            let loaded = py.detach(|| Policy::from_json(text));
            Self::wrap(py, loaded)
        })
    }

    /// Loads a policy file: JSON when its name ends in `.json`, TOML otherwise.
    ///
    /// Raises `OSError` when the file cannot be read, `PolicyError` when it is not a valid policy
    /// (code `syntax` when it is not UTF-8).
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        guard(py, || {
            let bytes = std::fs::read(&path)?;
            let format = PolicyFormat::of_path(&path);
            let loaded = py.detach(|| Policy::from_file_bytes(&bytes, format));
            Self::wrap(py, loaded)
        })
    }

    /// The same policy with the keys that verify signed consent cookies (spec §13): one
    /// `<key id>:<base64url secret>` per line or comma, the signing key first, as in a key file
    /// or an environment variable. The consent read from a request is then checked: a
    /// well-signed cookie is verified, a forged one is no consent (`malformed`).
    fn with_consent_keys(&self, py: Python<'_>, keys: &str) -> PyResult<Self> {
        guard(py, || {
            let keys = crate::records::parse_keys(py, keys)?;
            Self::wrap(py, Ok(self.inner.clone().with_consent_keys(keys)))
        })
    }

    /// Decides whether the cookie `name` is allowed for `consent` at `now` (unix seconds, default
    /// now). Never fails: an undeclared name is denied by rule `undeclared`.
    #[pyo3(signature = (name, consent, now=None))]
    fn decide(
        &self,
        py: Python<'_>,
        name: &str,
        consent: &Bound<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Py<PyDecision>> {
        guard(py, || {
            let consent = &consent.get().inner;
            let decision = self.inner.decide(name, consent, now_or_current(now));
            self.table.get(py, &self.inner, &decision)
        })
    }

    /// Decides every name of `names` in one call (releasing the GIL for long lists).
    #[pyo3(signature = (names, consent, now=None))]
    fn decide_many(
        &self,
        py: Python<'_>,
        names: Vec<PyBackedStr>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Vec<Py<PyDecision>>> {
        guard(py, || {
            let now = now_or_current(now);
            let consent = &consent.inner;
            let policy = &self.inner;
            let bytes = names.iter().map(|n| n.len()).sum();
            let decisions = gil::detach_if_large(py, bytes, || {
                policy.decide_many(names.iter().map(|n| n.as_str()), consent, now)
            });
            decisions
                .iter()
                .map(|d| self.table.get(py, &self.inner, d))
                .collect()
        })
    }

    /// The purposes a banner must ask about; an empty list means no banner.
    #[pyo3(signature = (consent, now=None))]
    fn purposes_to_ask(
        &self,
        py: Python<'_>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Vec<Py<PyString>>> {
        guard(py, || {
            Ok(self
                .inner
                .purposes_to_ask(&consent.inner, now_or_current(now))
                .into_iter()
                .map(|id| self.purpose_id(py, id.as_str()))
                .collect())
        })
    }

    /// The visitor's state for the purpose `purpose` (`granted`, `denied`, `unset`, `expired`,
    /// `stale`, `gpc_denied`), or None if the policy does not declare it.
    #[pyo3(signature = (purpose, consent, now=None))]
    fn consent_state(
        &self,
        py: Python<'_>,
        purpose: &str,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Option<&'static str>> {
        guard(py, || {
            Ok(self
                .inner
                .consent_state(purpose, &consent.inner, now_or_current(now))
                .map(|s| s.as_str()))
        })
    }

    /// The Google Consent Mode v2 state for `consent` at `now`: the seven signals
    /// (`ad_storage`, `ad_user_data`, `ad_personalization`, `analytics_storage`,
    /// `functionality_storage`, `personalization_storage`, `security_storage`, in that order),
    /// each `"granted"` or `"denied"`. A signal is granted when at least one purpose maps to it
    /// and every purpose that maps to it is granted.
    #[pyo3(signature = (consent, now=None))]
    fn consent_mode<'py>(
        &self,
        py: Python<'py>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Bound<'py, PyDict>> {
        guard(py, || {
            let mode = self.inner.consent_mode(&consent.inner, now_or_current(now));
            let dict = PyDict::new(py);
            for (signal, choice) in mode.iter() {
                dict.set_item(
                    PyString::intern(py, signal.as_str()),
                    PyString::intern(py, choice.as_str()),
                )?;
            }
            Ok(dict)
        })
    }

    /// The JavaScript that tells Google tags the Consent Mode state:
    /// `gtag('consent', 'default' | 'update', {...});`. The `default` snippet first defines
    /// `dataLayer` and `gtag`, so that it can run before any tag loads. Only fixed names and
    /// `granted`/`denied` appear in it. Another `command` raises `PolicyError` (code
    /// `invalid_argument`).
    #[pyo3(signature = (consent, command="default", now=None))]
    fn gtag_consent(
        &self,
        py: Python<'_>,
        consent: PyRef<'_, PyConsent>,
        command: &str,
        now: Option<Now>,
    ) -> PyResult<String> {
        guard(py, || {
            let Some(command) = GtagCommand::parse(command) else {
                return Err(invalid_argument(
                    py,
                    "command",
                    &format!(
                        "command `{}` is not `default` or `update`",
                        command.escape_debug()
                    ),
                ));
            };
            Ok(self
                .inner
                .consent_mode(&consent.inner, now_or_current(now))
                .gtag(command))
        })
    }

    /// The consent an IAB TCF TC string gives: a purpose that declares `tcf_purposes` is granted
    /// when every one of them has consent (in the core segment, and in the publisher-TC segment
    /// when there is one), denied otherwise; the other purposes stay unset. Raises
    /// `TcStringError` (code `invalid_tc_string`) when the string does not decode: never a
    /// consent.
    #[pyo3(signature = (text))]
    fn consent_from_tc_string(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyString>,
    ) -> PyResult<PyConsent> {
        guard(py, || {
            let tc = tcf::decode(py, text)?;
            Ok(PyConsent {
                inner: self.inner.consent_from_tcf(&tc),
            })
        })
    }

    /// The consent a decoded `TcString` gives (see `consent_from_tc_string`).
    #[pyo3(signature = (tc))]
    fn consent_from_tcf(&self, py: Python<'_>, tc: PyRef<'_, PyTcString>) -> PyResult<PyConsent> {
        guard(py, || {
            Ok(PyConsent {
                inner: self.inner.consent_from_tcf(&tc.inner),
            })
        })
    }

    /// Splits `Set-Cookie` header values (one cookie each, without the `Set-Cookie:` prefix)
    /// into those the visitor allows (`kept`, unchanged, in order) and those removed (`dropped`,
    /// each with its decision). Fails closed on values a browser would read differently.
    #[pyo3(signature = (headers, consent, now=None))]
    fn filter_set_cookies(
        &self,
        py: Python<'_>,
        headers: Vec<PyBackedStr>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<PyFiltered> {
        guard(py, || {
            let now = now_or_current(now);
            let consent = &consent.inner;
            let policy = &self.inner;
            let bytes = headers.iter().map(|h| h.len()).sum();
            let filtered = gil::detach_if_large(py, bytes, || {
                policy.filter_set_cookies(headers.iter().map(|h| h.as_str()), consent, now)
            });
            let dropped = filtered
                .dropped
                .iter()
                .map(|d| self.dropped(py, d))
                .collect::<PyResult<_>>()?;
            Ok(PyFiltered {
                kept: filtered.kept.into_iter().map(|k| k.into_owned()).collect(),
                dropped,
            })
        })
    }

    /// For each cookie of the `Cookie` request header that `consent` does not allow, the
    /// `Set-Cookie` values that delete it (`Max-Age=0`), in the order of the header. None or
    /// `""` means no cookies.
    #[pyo3(signature = (cookie_header, consent, now=None))]
    fn purge(
        &self,
        py: Python<'_>,
        cookie_header: Option<&str>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<Vec<PyPurged>> {
        guard(py, || {
            let purged = self.inner.purge(
                cookie_header.unwrap_or_default(),
                &consent.inner,
                now_or_current(now),
            );
            purged.into_iter().map(|p| self.purged(py, p)).collect()
        })
    }

    /// The visitor's consent for a request: its consent cookie read from its `Cookie` header
    /// fields (`cookie_header`: None, a `str`, or an iterable of `str`, joined with `; `) as
    /// `consent_from_cookie_header` reads it, with its Global Privacy Control signal (`sec_gpc`:
    /// its `Sec-GPC` values, as `gpc_enabled` takes them). What a middleware gives handlers.
    #[pyo3(signature = (cookie_header=None, sec_gpc=None))]
    fn request_consent(
        &self,
        py: Python<'_>,
        cookie_header: Option<&Bound<'_, PyAny>>,
        sec_gpc: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyConsent> {
        guard(py, || {
            let fields = respond::cookie_fields(cookie_header)?;
            let request = respond::request(&fields, sec_gpc)?;
            Ok(PyConsent {
                inner: self.inner.request_consent(&request),
            })
        })
    }

    /// The answer to a response, what every middleware does with it: its `Set-Cookie` values
    /// (`set_cookies`) filtered with the consent that judges it, then, with `purge`, the
    /// deletions of the cookies of the request's `Cookie` header that this consent does not
    /// allow (only when the request sent one). The request is `cookie_header` and `sec_gpc`, as
    /// `request_consent` takes them; `handled` is what its handler did with the consent it was
    /// given: `"unchanged"` (the request's consent judges), a `Consent` that replaced it (a
    /// banner's endpoint recording a choice: it judges, with the request's Global Privacy
    /// Control signal), or `"not_a_consent"` (it stored something else: judged as no consent,
    /// so that a mistake fails closed).
    #[pyo3(
        signature = (set_cookies, *, cookie_header=None, sec_gpc=None, handled=HandledArg::Unchanged, purge=true, now=None),
        text_signature = "(self, set_cookies, *, cookie_header=None, sec_gpc=None, handled='unchanged', purge=True, now=None)"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "the keyword arguments of a Python method"
    )]
    fn respond(
        &self,
        py: Python<'_>,
        set_cookies: Vec<PyBackedStr>,
        cookie_header: Option<&Bound<'_, PyAny>>,
        sec_gpc: Option<&Bound<'_, PyAny>>,
        handled: HandledArg<'_>,
        purge: bool,
        now: Option<Now>,
    ) -> PyResult<PyResponse> {
        guard(py, || {
            let fields = respond::cookie_fields(cookie_header)?;
            let request = respond::request(&fields, sec_gpc)?;
            let now = now_or_current(now);
            let policy = &self.inner;
            let handled = handled.core();
            let bytes =
                request.cookie_header().len() + set_cookies.iter().map(|h| h.len()).sum::<usize>();
            let response = gil::detach_if_large(py, bytes, || {
                policy.respond(
                    &request,
                    handled,
                    set_cookies.iter().map(|h| &**h),
                    respond::purge(purge),
                    now,
                )
            });
            let sent = response.set_cookies().map(str::to_owned).collect();
            let dropped = response
                .dropped()
                .map(|d| self.dropped(py, d))
                .collect::<PyResult<_>>()?;
            let unchanged = response.is_unchanged();
            let purged = response
                .purged
                .into_iter()
                .map(|p| Py::new(py, self.purged(py, p)?))
                .collect::<PyResult<_>>()?;
            Ok(PyResponse {
                consent: Py::new(
                    py,
                    PyConsent {
                        inner: response.consent,
                    },
                )?,
                set_cookies: sent,
                dropped,
                purged,
                unchanged,
            })
        })
    }

    /// For `cookie_charter.asgi`: the native part of a `ConsentMiddleware` around `app` (see
    /// `crate::asgi::AsgiHandler`).
    #[pyo3(name = "_asgi_handler", signature = (app, purge, on_dropped))]
    fn asgi_handler(
        slf: &Bound<'_, Self>,
        app: &Bound<'_, PyAny>,
        purge: bool,
        on_dropped: Option<&Bound<'_, PyAny>>,
    ) -> crate::asgi::AsgiHandler {
        crate::asgi::AsgiHandler::new(slf, app, purge, on_dropped)
    }

    /// The visitor's consent read from a `Cookie` request header: the value of the cookie named
    /// by the policy's `consent_cookie`, as `Consent.from_cookie` reads it. Copies of it that
    /// agree count once; copies that disagree give no consent (problem `malformed`: fail
    /// closed). None or `""` gives no consent (problem `absent`).
    #[pyo3(signature = (cookie_header))]
    fn consent_from_cookie_header(
        &self,
        py: Python<'_>,
        cookie_header: Option<&str>,
    ) -> PyResult<PyConsent> {
        guard(py, || {
            Ok(PyConsent {
                inner: self
                    .inner
                    .consent_from_cookie_header(cookie_header.unwrap_or_default()),
            })
        })
    }

    /// The charter page in `lang` (None: the policy's first language) as `markdown` or `html`
    /// (escaped): the explanation of cookie kinds and one table per purpose. An undeclared
    /// `lang` renders the first language with a note; an unknown `format` raises `PolicyError`
    /// (code `invalid_argument`).
    #[pyo3(signature = (lang=None, format="markdown"))]
    fn render_charter(&self, py: Python<'_>, lang: Option<&str>, format: &str) -> PyResult<String> {
        guard(py, || {
            let Some(format) = Format::parse(format) else {
                return Err(invalid_argument(
                    py,
                    "format",
                    &format!(
                        "format `{}` is not `markdown` or `html`",
                        format.escape_debug()
                    ),
                ));
            };
            let policy = &self.inner;
            let lang = lang
                .unwrap_or_else(|| policy.site().languages.first().map_or("en", String::as_str));
            Ok(py.detach(|| policy.render_charter(lang, format)))
        })
    }

    /// The browser guard's answer for `consent` at `now` (unix seconds, default now), as compact
    /// JSON: each purpose's state and every declaration with whether it is allowed, in the core's
    /// matching order (`docs/browser.md`). What a consent endpoint answers the page's guard with.
    #[pyo3(signature = (consent, now=None))]
    fn guard(
        &self,
        py: Python<'_>,
        consent: PyRef<'_, PyConsent>,
        now: Option<Now>,
    ) -> PyResult<String> {
        guard(py, || {
            Ok(crate::guard::answer_json(
                &self.inner,
                &consent.inner,
                now_or_current(now),
            ))
        })
    }

    /// The `<script>` tags that put the browser guard first in a page's `<head>`: the answer for
    /// `consent` at `now` in a `<script type="application/json" id="cookie-charter-answer">`
    /// element (escaped so that nothing in it ends the element), then `<script src="src">`; both
    /// carry `nonce` when given. An empty `src` or `nonce` raises `PolicyError` (code
    /// `invalid_argument`).
    #[pyo3(signature = (consent, src, nonce=None, now=None))]
    fn guard_script_tags(
        &self,
        py: Python<'_>,
        consent: PyRef<'_, PyConsent>,
        src: &str,
        nonce: Option<&str>,
        now: Option<Now>,
    ) -> PyResult<String> {
        guard(py, || {
            crate::guard::script_tags(
                py,
                &self.inner,
                &consent.inner,
                src,
                nonce,
                now_or_current(now),
            )
        })
    }

    /// The name of the cookie that stores the visitor's consent.
    #[getter]
    fn consent_cookie(&self) -> &str {
        &self.inner.site().consent_cookie
    }

    /// The policy revision.
    #[getter]
    fn revision(&self) -> u64 {
        self.inner.site().revision
    }

    /// The profile: `charter` or `cnil`.
    #[getter]
    fn profile(&self) -> &'static str {
        self.inner.site().profile.as_str()
    }

    /// The charter's languages, the first being the default.
    #[getter]
    fn languages(&self) -> Vec<String> {
        self.inner.site().languages.clone()
    }

    /// The purposes, in the policy's order: `necessary` first, the built-in `statistics` next
    /// when the file does not declare it, then the file's order.
    #[getter]
    fn purposes(&self, py: Python<'_>) -> Vec<Py<PyPurpose>> {
        self.purposes.iter().map(|p| p.clone_ref(py)).collect()
    }

    /// The remarks `cookie-charter check` prints about this policy.
    #[getter]
    fn warnings(&self) -> Vec<PyPolicyWarning> {
        self.inner
            .warnings()
            .iter()
            .map(PyPolicyWarning::from)
            .collect()
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<Policy site={} revision={} purposes={} cookies={}>",
            PyString::new(py, &self.inner.site().url).repr()?,
            self.inner.site().revision,
            self.inner.purposes().len(),
            self.inner.cookies().len()
        ))
    }
}

/// Raises a Rust panic inside the boundary guard, to test that it becomes a `PolicyError`.
/// Only in builds with the `test-hooks` feature (what `test.sh` builds).
#[cfg(feature = "test-hooks")]
#[pyfunction]
pub(crate) fn _raise_panic_for_tests(py: Python<'_>) -> PyResult<()> {
    guard(py, || {
        std::panic::resume_unwind(Box::new("panic raised on purpose by a test"))
    })
}
