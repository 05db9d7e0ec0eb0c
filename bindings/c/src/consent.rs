//! The visitor's consent: building it, reading and writing the consent cookie.

use std::ffi::c_char;

use engine::{Choice, Consent, Problem, PurposeId, SourceFormat};

use crate::error::{Failure, cookie_charter_error, cookie_charter_status};
use crate::ffi::{borrow, borrow_mut, bytes, guard, guard_void, guard_with_error, out, text, utf8};
use crate::strings::cookie_charter_string;

/// A visitor's answer for one purpose (the `choice` argument of `cookie_charter_consent_set`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_choice {
    /// The visitor accepted.
    Granted = 1,
    /// The visitor refused.
    Denied = 2,
}

impl cookie_charter_choice {
    fn from_u32(value: u32) -> Option<Choice> {
        match value {
            v if v == Self::Granted as u32 => Some(Choice::Granted),
            v if v == Self::Denied as u32 => Some(Choice::Denied),
            _ => None,
        }
    }
}

/// A visitor's consent: the policy revision and time it was given, a choice per purpose, and the
/// problem of the cookie it was read from. Created by `cookie_charter_consent_new` or
/// `cookie_charter_consent_from_cookie`, released by `cookie_charter_consent_free`. Calls that
/// take a `const` consent may share it between threads; `cookie_charter_consent_set` may not run
/// at the same time as any other call on the same consent.
pub struct cookie_charter_consent {
    pub(crate) inner: Consent,
}

impl cookie_charter_consent {
    pub(crate) fn boxed(inner: Consent) -> *mut Self {
        Box::into_raw(Box::new(Self { inner }))
    }
}

/// Creates a consent given at `at` (unix seconds) for policy revision `revision`, with no choice
/// yet (every purpose `unset`); add choices with `cookie_charter_consent_set`.
///
/// On success writes the new consent to `*consent_out`, owned by the caller (release it with
/// `cookie_charter_consent_free`).
///
/// # Safety
///
/// `consent_out` is NULL (giving `NULL_POINTER`) or points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_new(
    revision: u64,
    at: u64,
    consent_out: *mut *mut cookie_charter_consent,
) -> cookie_charter_status {
    guard(|| {
        let consent_out = out(consent_out)?;
        let consent = cookie_charter_consent::boxed(Consent::new(revision, at));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(consent) };
        Ok(())
    })
}

/// Sets the choice for the purpose whose id is the `len` bytes at `purpose`, replacing an
/// earlier one. `choice` is a `cookie_charter_choice` value.
///
/// Fails with `INVALID_PURPOSE_ID` when the id does not match `[a-z][a-z0-9_-]{0,31}`, with
/// `INVALID_ARGUMENT` for an unknown `choice`, `INVALID_UTF8`, or `NULL_POINTER`; the consent is
/// then unchanged. If `error_out` is not NULL, a failure also writes a new error there, owned by
/// the caller (release it with `cookie_charter_error_free`).
///
/// # Safety
///
/// `consent` is NULL or a live consent not used by another thread during the call; `purpose`
/// points to `len` readable bytes; `error_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_set(
    consent: *mut cookie_charter_consent,
    purpose: *const c_char,
    len: usize,
    choice: u32,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow_mut(consent) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let purpose = unsafe { text(purpose, len) }?;
        let choice = cookie_charter_choice::from_u32(choice)
            .ok_or(cookie_charter_status::InvalidArgument)?;
        let id = PurposeId::new(purpose).map_err(Failure::Core)?;
        consent.inner.set(id, choice);
        Ok(())
    })
}

/// Reads a consent cookie value: the `len` bytes at `value` (the cookie's value, not the whole
/// `Cookie` header). Never fails on content: a value that is empty (no consent cookie),
/// malformed, oversized or not UTF-8 gives a consent with every purpose `unset` and a problem
/// (see `cookie_charter_consent_problem`). Pass `""` with `len` 0 when there is no consent cookie.
///
/// On success writes the new consent to `*consent_out`, owned by the caller (release it with
/// `cookie_charter_consent_free`). Fails only with `NULL_POINTER`.
///
/// # Safety
///
/// `value` points to `len` readable bytes; `consent_out` is NULL or points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_from_cookie(
    value: *const c_char,
    len: usize,
    consent_out: *mut *mut cookie_charter_consent,
) -> cookie_charter_status {
    guard(|| {
        let consent_out = out(consent_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let value = unsafe { bytes(value, len) }?;
        let consent = match utf8(value) {
            Ok(value) => Consent::from_cookie(value),
            Err(_) => Consent::unusable(Problem::Malformed("the value is not valid utf-8")),
        };
        let consent = cookie_charter_consent::boxed(consent);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(consent) };
        Ok(())
    })
}

/// Writes the consent cookie value for `consent` to `*cookie_out`: only RFC 6265 cookie-octets,
/// and reading it back with `cookie_charter_consent_from_cookie` gives the same consent. A consent
/// with a problem gives the empty string. The string is owned by the caller (release it with
/// `cookie_charter_string_free`).
///
/// # Safety
///
/// `consent` is NULL or a live consent; `cookie_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_to_cookie(
    consent: *const cookie_charter_consent,
    cookie_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let cookie_out = out(cookie_out)?;
        let cookie = cookie_charter_string::new(&consent.inner.to_cookie());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { cookie_out.write(cookie) };
        Ok(())
    })
}

/// Why the consent gives no consent at `now` (unix seconds), for logging. Writes to `*code_out`
/// a static NUL-terminated code (never free it): `"absent"`, `"oversized"`, `"malformed"`,
/// `"duplicate_key"` or `"unknown_version"`, or NULL when the consent is usable (a consent dated
/// more than a day after `now` is `"malformed"`). If `message_out` is not NULL, also writes there
/// the whole message as a new string owned by the caller (release it with
/// `cookie_charter_string_free`), or `{NULL, 0}` when the consent is usable.
///
/// # Safety
///
/// `consent` is NULL or a live consent; `code_out` and `message_out` are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_problem(
    consent: *const cookie_charter_consent,
    now: u64,
    code_out: *mut *const c_char,
    message_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let code_out = out(code_out)?;
        let problem = consent.inner.problem_at(now);
        let code = problem.map_or(std::ptr::null(), |p| problem_code(p).as_ptr());
        if !message_out.is_null() {
            let message = problem.map_or(
                cookie_charter_string {
                    data: std::ptr::null_mut(),
                    len: 0,
                },
                |p| cookie_charter_string::new(&p.to_string()),
            );
            // SAFETY: not NULL (checked above), writable (the caller's promise).
            unsafe { message_out.write(message) };
        }
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { code_out.write(code) };
        Ok(())
    })
}

fn problem_code(problem: Problem) -> &'static std::ffi::CStr {
    match problem {
        Problem::Absent => c"absent",
        Problem::Oversized => c"oversized",
        Problem::Malformed(_) => c"malformed",
        Problem::DuplicateKey => c"duplicate_key",
        Problem::UnknownVersion => c"unknown_version",
    }
}

/// Sets whether the current request carries Global Privacy Control (a `Sec-GPC: 1` header, see
/// `cookie_charter_gpc_enabled`). The signal is not part of the consent cookie: set it for each
/// request before deciding. It never grants anything: where the visitor has made no valid
/// choice, the purposes the policy marks `gpc` are refused with the state
/// `COOKIE_CHARTER_CONSENT_STATE_GPC_DENIED`; an explicit choice of the visitor wins.
///
/// Fails only with `NULL_POINTER`. Like `cookie_charter_consent_set`, it needs the consent alone:
/// no other call may use it at the same time.
///
/// # Safety
///
/// `consent` is NULL or a live consent not used by another thread during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_set_gpc(
    consent: *mut cookie_charter_consent,
    gpc: bool,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow_mut(consent) }?;
        consent.inner.set_gpc(gpc);
        Ok(())
    })
}

/// Whether `consent` carries the Global Privacy Control signal (set by
/// `cookie_charter_consent_set_gpc`; a new consent has none). False if `consent` is NULL.
///
/// # Safety
///
/// `consent` is NULL or a live consent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_gpc(
    consent: *const cookie_charter_consent,
) -> bool {
    let mut gpc = false;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(consent) = unsafe { borrow(consent) } {
            gpc = consent.inner.gpc();
        }
    });
    gpc
}

/// Which of the policy's consent sources (`site.consent_sources`) gave `consent`: writes its
/// index to `*index_out` and its format to `*format_out`, a static NUL-terminated id (never free
/// it) such as `"cookieconsent"` or `"onetrust"`. When no source gave it (the policy declares
/// none, no source's cookie was in the request, or the consent was built or read directly),
/// writes 0 and NULL.
///
/// # Safety
///
/// `consent` is NULL or a live consent; `index_out` and `format_out` are NULL (giving
/// `NULL_POINTER`) or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_source(
    consent: *const cookie_charter_consent,
    index_out: *mut usize,
    format_out: *mut *const c_char,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let index_out = out(index_out)?;
        let format_out = out(format_out)?;
        let (index, format) = consent.inner.source().map_or((0, std::ptr::null()), |s| {
            (s.index, format_id(s.format).as_ptr())
        });
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { index_out.write(index) };
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { format_out.write(format) };
        Ok(())
    })
}

/// A format's id as a static C string.
fn format_id(format: SourceFormat) -> &'static std::ffi::CStr {
    match format {
        SourceFormat::CookieCharter => c"cookie-charter",
        SourceFormat::Tcf => c"tcf",
        SourceFormat::Tarteaucitron => c"tarteaucitron",
        SourceFormat::Klaro => c"klaro",
        SourceFormat::Cookieconsent => c"cookieconsent",
        SourceFormat::Cookiebot => c"cookiebot",
        SourceFormat::Onetrust => c"onetrust",
        SourceFormat::Didomi => c"didomi",
        SourceFormat::Cookieyes => c"cookieyes",
        SourceFormat::Complianz => c"complianz",
        SourceFormat::WpConsent => c"wp_consent",
        SourceFormat::Axeptio => c"axeptio",
        SourceFormat::Borlabs => c"borlabs",
        SourceFormat::Iubenda => c"iubenda",
        _ => c"unknown",
    }
}

/// Releases a consent. NULL is allowed and does nothing.
///
/// # Safety
///
/// `consent` is NULL or a consent this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_free(consent: *mut cookie_charter_consent) {
    guard_void(|| {
        if !consent.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(consent) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_match_the_core() {
        for problem in [
            Problem::Absent,
            Problem::Oversized,
            Problem::Malformed("x"),
            Problem::DuplicateKey,
            Problem::UnknownVersion,
        ] {
            assert_eq!(problem_code(problem).to_str(), Ok(problem.code()));
        }
    }
}
