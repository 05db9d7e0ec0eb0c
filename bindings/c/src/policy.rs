//! Loading and releasing a policy.

use std::ffi::c_char;

use engine::Policy;

use crate::error::{Failure, cookie_charter_error, cookie_charter_status};
use crate::ffi::{borrow, guard, guard_void, guard_with_error, out, text};
use crate::strings::{cookie_charter_str, cookie_charter_string};

/// A loaded, validated policy. Immutable: any number of threads may use one policy at the same
/// time through the `const` calls. Created by `cookie_charter_policy_from_toml` or
/// `cookie_charter_policy_from_json`, released by `cookie_charter_policy_free`; the strings that
/// decisions point to live as long as it does.
pub struct cookie_charter_policy {
    pub(crate) inner: Policy,
}

fn load(
    source: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
    parse: fn(&str) -> engine::Result<Policy>,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        let policy_out = out(policy_out)?;
        // SAFETY: the caller promises `len` readable bytes at `source` (or NULL, checked).
        let source = unsafe { text(source, len) }?;
        let policy = parse(source).map_err(Failure::Core)?;
        let policy = Box::into_raw(Box::new(cookie_charter_policy { inner: policy }));
        // SAFETY: `policy_out` is not NULL and the caller promises it is writable.
        unsafe { policy_out.write(policy) };
        Ok(())
    })
}

/// Loads a policy from `len` bytes of TOML text at `toml` (the canonical format, spec §4).
///
/// On success writes a new policy to `*policy_out`, owned by the caller (release it with
/// `cookie_charter_policy_free`). On failure returns the error's status (such as
/// `COOKIE_CHARTER_STATUS_UNKNOWN_PURPOSE`), leaves `*policy_out` untouched and, if `error_out`
/// is not NULL, writes to `*error_out` a new error with the message, field, line and column,
/// owned by the caller (release it with `cookie_charter_error_free`). `error_out` may be NULL.
///
/// # Safety
///
/// `toml` points to `len` readable bytes; `policy_out` and `error_out` (if not NULL) point to
/// writable pointers. NULL `toml` or `policy_out` give `COOKIE_CHARTER_STATUS_NULL_POINTER`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_from_toml(
    toml: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    load(toml, len, policy_out, error_out, Policy::from_toml)
}

/// Loads a policy from `len` bytes of JSON text at `json` (the same structure as the TOML).
///
/// Ownership and errors as for `cookie_charter_policy_from_toml`.
///
/// # Safety
///
/// As for `cookie_charter_policy_from_toml`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_from_json(
    json: *const c_char,
    len: usize,
    policy_out: *mut *mut cookie_charter_policy,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    load(json, len, policy_out, error_out, Policy::from_json)
}

/// The number of warnings about the policy (what `cookie-charter check` prints); 0 if `policy`
/// is NULL.
///
/// # Safety
///
/// `policy` is NULL or a live policy from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_warning_count(
    policy: *const cookie_charter_policy,
) -> usize {
    let mut count = 0;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(policy) = unsafe { borrow(policy) } {
            count = policy.inner.warnings().len();
        }
    });
    count
}

/// Writes warning number `index`: its stable code (such as `exemption_not_met`) to `*code_out`,
/// borrowed from `policy`, and its whole message to `*message_out`, a new string owned by the
/// caller (release it with `cookie_charter_string_free`).
///
/// Returns `OUT_OF_RANGE` when `index` is not below `cookie_charter_policy_warning_count`.
///
/// # Safety
///
/// `policy` is NULL or a live policy; `code_out` and `message_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_warning(
    policy: *const cookie_charter_policy,
    index: usize,
    code_out: *mut cookie_charter_str,
    message_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let code_out = out(code_out)?;
        let message_out = out(message_out)?;
        let warning = policy
            .inner
            .warnings()
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        let message = cookie_charter_string::new(&warning.to_string());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { code_out.write(cookie_charter_str::of(warning.code)) };
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { message_out.write(message) };
        Ok(())
    })
}

/// Releases a policy. NULL is allowed and does nothing. Decisions and strings borrowed from it
/// become invalid; no other thread may still be using it.
///
/// # Safety
///
/// `policy` is NULL or a policy this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_free(policy: *mut cookie_charter_policy) {
    guard_void(|| {
        if !policy.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in `load`, freed once (the caller's promise).
            drop(unsafe { Box::from_raw(policy) });
        }
    });
}
