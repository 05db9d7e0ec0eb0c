//! The browser guard's server side (spec §15, `docs/browser.md`): `Policy.guard` and
//! `Policy.guard_script_tags` (their methods in `policy.rs` call these), and the splice the
//! middleware use to put the tags in a page (`_guard_inject`). The answer, its escaping and where
//! the tags go are the core's (`Policy::guard`, `GuardAnswer::script_tags`,
//! `guard_insertion_point`).

use cookie_charter::{Consent, Policy, guard_insertion_point};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::errors::invalid_argument;

/// The guard's answer for `consent` at `now`, as compact JSON.
pub(crate) fn answer_json(policy: &Policy, consent: &Consent, now: u64) -> String {
    policy.guard(consent, now).to_json()
}

/// The guard's `<script>` tags for `consent` at `now`: the answer, then the guard from `src`,
/// both with `nonce` when given. An empty `src` or `nonce` is an `invalid_argument` error.
pub(crate) fn script_tags(
    py: Python<'_>,
    policy: &Policy,
    consent: &Consent,
    src: &str,
    nonce: Option<&str>,
    now: u64,
) -> PyResult<String> {
    if src.is_empty() {
        return Err(invalid_argument(
            py,
            "src",
            "`src`, the guard's URL, is empty",
        ));
    }
    if nonce.is_some_and(str::is_empty) {
        return Err(invalid_argument(
            py,
            "nonce",
            "`nonce` is empty (give None for no nonce)",
        ));
    }
    Ok(policy.guard(consent, now).script_tags(src, nonce))
}

/// `body` with `tags` (UTF-8) right after its `<head>` start tag, or None when it has none (see
/// the core's `guard_insertion_point`). For the middleware.
#[pyfunction]
pub(crate) fn _guard_inject<'py>(
    py: Python<'py>,
    body: &[u8],
    tags: &str,
) -> Option<Bound<'py, PyBytes>> {
    let at = guard_insertion_point(body)?;
    let (head, rest) = body.split_at_checked(at)?;
    Some(PyBytes::new(py, &[head, tags.as_bytes(), rest].concat()))
}
