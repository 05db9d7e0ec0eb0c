//! The browser guard's answer (spec §15): what the script a site serves with its pages needs to
//! refuse the cookie writes of scripts that the visitor has not allowed. The answer is computed
//! by the core; this module only carries it across.

use std::ffi::c_char;

use crate::consent::cookie_charter_consent;
use crate::error::cookie_charter_status;
use crate::ffi::{borrow, guard, out, text};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_string;

/// Writes to `*json_out` the browser guard's answer for `consent` at `now` (unix seconds), as
/// compact JSON: each declaration with whether the visitor allows it, in the order the guard
/// matches names (exact names, then patterns with the most literal characters first), each
/// purpose's state, and where the purge deletes (the format is in `docs/browser.md`). A Global
/// Privacy Control signal set on the consent counts. Hand it to the guard on the page
/// (`cookieCharterGuard.update(answer)`) when the visitor's choice changes there.
///
/// The string is owned by the caller (release it with `cookie_charter_string_free`). Fails only
/// with `NULL_POINTER`, leaving `*json_out` untouched. Safe to call from many threads on the same
/// policy and consent.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `json_out` is NULL or
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_guard_json(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    now: u64,
    json_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let json_out = out(json_out)?;
        let json = cookie_charter_string::new(&policy.inner.guard(&consent.inner, now).to_json());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { json_out.write(json) };
        Ok(())
    })
}

/// Writes to `*tags_out` the `<script>` tags that put the browser guard first in a page's
/// `<head>`: the answer for `consent` at `now` in a `<script type="application/json"
/// id="cookie-charter-answer">` element (its `<`, `>`, `&`, U+2028 and U+2029 escaped, so that
/// nothing ends the element), then `<script src="…">` loading the guard from the `src_len` bytes
/// at `src` (such as `"/static/cookie-charter-guard.min.js"`). When `nonce` is not NULL, both tags
/// carry the `nonce_len` bytes at `nonce` as their `nonce` attribute (the page's
/// Content-Security-Policy nonce). `src` and the nonce are written as escaped attribute values.
///
/// The string is owned by the caller (release it with `cookie_charter_string_free`). Fails with
/// `INVALID_UTF8` or `NULL_POINTER` (a NULL `policy`, `consent`, `src` or `tags_out`), leaving
/// `*tags_out` untouched.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `src` points to `src_len`
/// readable bytes; `nonce` is NULL or points to `nonce_len` readable bytes; `tags_out` is NULL or
/// writable.
#[unsafe(no_mangle)]
#[allow(
    clippy::too_many_arguments,
    reason = "a C signature: pointer and length pairs"
)]
pub unsafe extern "C" fn cookie_charter_guard_script_tags(
    policy: *const cookie_charter_policy,
    consent: *const cookie_charter_consent,
    now: u64,
    src: *const c_char,
    src_len: usize,
    nonce: *const c_char,
    nonce_len: usize,
    tags_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let src = unsafe { text(src, src_len) }?;
        let nonce = if nonce.is_null() {
            None
        } else {
            // SAFETY: the caller's promise, passed on; not NULL.
            Some(unsafe { text(nonce, nonce_len) }?)
        };
        let tags_out = out(tags_out)?;
        let answer = policy.inner.guard(&consent.inner, now);
        let tags = cookie_charter_string::new(&answer.script_tags(src, nonce));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { tags_out.write(tags) };
        Ok(())
    })
}
