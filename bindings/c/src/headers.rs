//! Headers (spec §6): filtering `Set-Cookie` response headers, and purging withdrawn cookies.

use std::borrow::Cow;
use std::ffi::{CStr, c_char};

use engine::{Decision, HeaderProblem};

use crate::consent::cookie_charter_consent;
use crate::decide::cookie_charter_decision;
use crate::error::cookie_charter_status;
use crate::ffi::{borrow, bytes, guard, guard_void, out, str_array};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_str;

/// A `Set-Cookie` header the filter kept. Borrowed from the `cookie_charter_filtered` it came
/// from: valid until `cookie_charter_filtered_free`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_kept {
    /// The header value to send: the input byte for byte, unless `rewritten`.
    pub header: cookie_charter_str,
    /// Its position in the input array.
    pub index: usize,
    /// Whether the value was rewritten to clamp its lifetime (policy `clamp_lifetimes`).
    pub rewritten: bool,
}

/// A `Set-Cookie` header that was dropped. Borrowed from the `cookie_charter_filtered` or
/// `cookie_charter_response` it came from (and `decision.purpose` from the policy): valid until
/// that result is freed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_dropped {
    /// The header value, as given (possibly not UTF-8, see `problem`).
    pub header: cookie_charter_str,
    /// Its position in the input array.
    pub index: usize,
    /// The cookie name a browser would have stored, `cookie_len` bytes, not NUL-terminated; NULL
    /// when the header gives no usable name (see `problem`).
    pub cookie: *const c_char,
    /// The length of `cookie` in bytes.
    pub cookie_len: usize,
    /// The decision that dropped it: `undeclared` for a header without a usable name.
    pub decision: cookie_charter_decision,
    /// Why the header gives no usable name, NUL-terminated and static: `"control_character"`,
    /// `"too_large"`, `"empty"`, `"nameless"`, or `"invalid_utf8"` (the C library drops headers
    /// that are not UTF-8: fail closed); NULL when it was dropped for its decision.
    pub problem: *const c_char,
}

struct Kept {
    index: usize,
    header: Box<str>,
    rewritten: bool,
}

/// A dropped `Set-Cookie` value, copied out of the core's answer (by the filter and by
/// `cookie_charter_respond`).
pub(crate) struct Dropped {
    index: usize,
    header: Box<[u8]>,
    cookie: Option<Box<str>>,
    decision: cookie_charter_decision,
    problem: Option<&'static CStr>,
}

impl Dropped {
    /// The copy of the core's dropped value number `index` of the input.
    pub(crate) fn of(index: usize, dropped: &engine::Dropped<'_, '_>) -> Self {
        Self {
            index,
            header: dropped.header.as_bytes().into(),
            cookie: dropped.cookie.map(Box::from),
            decision: cookie_charter_decision::of(&dropped.decision),
            problem: dropped.problem.map(header_problem),
        }
    }

    /// Value number `index` of the input, dropped because it is not UTF-8 (fail closed).
    pub(crate) fn not_utf8(index: usize, header: &[u8]) -> Self {
        Self {
            index,
            header: header.into(),
            cookie: None,
            decision: cookie_charter_decision::of(&Decision::UNDECLARED),
            problem: Some(c"invalid_utf8"),
        }
    }

    /// Its position in the input.
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// The C view, borrowed from `self`.
    pub(crate) fn view(&self) -> cookie_charter_dropped {
        let (cookie, cookie_len) = self
            .cookie
            .as_ref()
            .map_or((std::ptr::null(), 0), |c| (c.as_ptr().cast(), c.len()));
        cookie_charter_dropped {
            header: cookie_charter_str {
                data: self.header.as_ptr().cast(),
                len: self.header.len(),
            },
            index: self.index,
            cookie,
            cookie_len,
            decision: self.decision,
            problem: self.problem.map_or(std::ptr::null(), CStr::as_ptr),
        }
    }
}

/// The result of `cookie_charter_filter_set_cookies`: the kept headers and the dropped ones, each
/// in input order. Owned by the caller: release it with `cookie_charter_filtered_free`. It copies
/// what it needs: the input headers may be freed once the call returns.
pub struct cookie_charter_filtered {
    kept: Vec<Kept>,
    dropped: Vec<Dropped>,
}

fn header_problem(problem: HeaderProblem) -> &'static CStr {
    match problem {
        HeaderProblem::ControlCharacter => c"control_character",
        HeaderProblem::TooLarge => c"too_large",
        HeaderProblem::Empty => c"empty",
        HeaderProblem::Nameless => c"nameless",
    }
}

/// Filters `count` `Set-Cookie` header values (`headers[0]` to `headers[count - 1]`, each one
/// cookie, without the `Set-Cookie:` prefix) against `consent` at `now` (unix seconds).
///
/// Writes to `*filtered_out` a new result, owned by the caller (release it with
/// `cookie_charter_filtered_free`): the headers to send, unchanged and in order (or clamped, when
/// the policy sets `clamp_lifetimes`), and the dropped ones with the decision that dropped them.
/// Fails closed: a header that is not UTF-8, has no name, holds a control character or is too
/// large is dropped. `count` may be 0 (then `headers` may be NULL). Fails with `NULL_POINTER`
/// (also for a header whose `data` is NULL) and leaves `*filtered_out` untouched.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `headers` points to
/// `count` readable `cookie_charter_str`, each pointing to `len` readable bytes;
/// `filtered_out` is NULL or points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filter_set_cookies(
    policy: *const cookie_charter_policy,
    headers: *const cookie_charter_str,
    count: usize,
    consent: *const cookie_charter_consent,
    now: u64,
    filtered_out: *mut *mut cookie_charter_filtered,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let filtered_out = out(filtered_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let inputs = unsafe { str_array(headers, count) }?;
        let result = filter(policy, &inputs, consent, now);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { filtered_out.write(Box::into_raw(Box::new(result))) };
        Ok(())
    })
}

fn filter(
    policy: &cookie_charter_policy,
    inputs: &[&[u8]],
    consent: &cookie_charter_consent,
    now: u64,
) -> cookie_charter_filtered {
    let mut result = cookie_charter_filtered {
        kept: Vec::with_capacity(inputs.len()),
        dropped: Vec::new(),
    };
    // Headers that are not UTF-8 are dropped here; the others go to the core in one call.
    let mut texts: Vec<(usize, &str)> = Vec::with_capacity(inputs.len());
    for (index, input) in inputs.iter().enumerate() {
        match std::str::from_utf8(input) {
            Ok(text) => texts.push((index, text)),
            Err(_) => result.dropped.push(Dropped::not_utf8(index, input)),
        }
    }
    let filtered =
        policy
            .inner
            .filter_set_cookies(texts.iter().map(|(_, t)| *t), &consent.inner, now);
    // The core keeps the input order in both lists, and each input lands in exactly one: walk
    // the inputs and take from the list whose next entry is this very header.
    let mut kept = filtered.kept.into_iter().peekable();
    let mut dropped = filtered.dropped.into_iter().peekable();
    for (index, text) in texts {
        let is_next_dropped = dropped.peek().is_some_and(|d| {
            std::ptr::eq(d.header.as_ptr(), text.as_ptr()) && d.header.len() == text.len()
        });
        if is_next_dropped {
            if let Some(d) = dropped.next() {
                result.dropped.push(Dropped::of(index, &d));
            }
        } else if let Some(k) = kept.next() {
            let rewritten = matches!(k, Cow::Owned(_));
            result.kept.push(Kept {
                index,
                header: k.into_owned().into_boxed_str(),
                rewritten,
            });
        }
    }
    result.dropped.sort_by_key(|d| d.index);
    result
}

/// The number of kept headers in `filtered`; 0 if it is NULL.
///
/// # Safety
///
/// `filtered` is NULL or a live result from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filtered_kept_len(
    filtered: *const cookie_charter_filtered,
) -> usize {
    let mut len = 0;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(filtered) = unsafe { borrow(filtered) } {
            len = filtered.kept.len();
        }
    });
    len
}

/// Writes kept header number `index` (in input order) to `*kept_out`; its strings are borrowed
/// from `filtered`. `OUT_OF_RANGE` when `index` is not below `cookie_charter_filtered_kept_len`.
///
/// # Safety
///
/// `filtered` is NULL or a live result from this library; `kept_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filtered_kept_get(
    filtered: *const cookie_charter_filtered,
    index: usize,
    kept_out: *mut cookie_charter_kept,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let filtered = unsafe { borrow(filtered) }?;
        let kept_out = out(kept_out)?;
        let kept = filtered
            .kept
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        let value = cookie_charter_kept {
            header: cookie_charter_str::of(&kept.header),
            index: kept.index,
            rewritten: kept.rewritten,
        };
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { kept_out.write(value) };
        Ok(())
    })
}

/// The number of dropped headers in `filtered`; 0 if it is NULL.
///
/// # Safety
///
/// `filtered` is NULL or a live result from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filtered_dropped_len(
    filtered: *const cookie_charter_filtered,
) -> usize {
    let mut len = 0;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(filtered) = unsafe { borrow(filtered) } {
            len = filtered.dropped.len();
        }
    });
    len
}

/// Writes dropped header number `index` (in input order) to `*dropped_out`; its strings are
/// borrowed from `filtered` (the decision's purpose from the policy). `OUT_OF_RANGE` when `index`
/// is not below `cookie_charter_filtered_dropped_len`.
///
/// # Safety
///
/// `filtered` is NULL or a live result from this library; `dropped_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filtered_dropped_get(
    filtered: *const cookie_charter_filtered,
    index: usize,
    dropped_out: *mut cookie_charter_dropped,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let filtered = unsafe { borrow(filtered) }?;
        let dropped_out = out(dropped_out)?;
        let dropped = filtered
            .dropped
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        let value = dropped.view();
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { dropped_out.write(value) };
        Ok(())
    })
}

/// Releases a filter result. NULL is allowed and does nothing.
///
/// # Safety
///
/// `filtered` is NULL or a result this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_filtered_free(filtered: *mut cookie_charter_filtered) {
    guard_void(|| {
        if !filtered.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(filtered) });
        }
    });
}

/// One cookie to delete, from a `cookie_charter_purged`. Borrowed from it: valid until
/// `cookie_charter_purged_free`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_purged_entry {
    /// The cookie name, as the `Cookie` header sent it (not NUL-terminated).
    pub cookie: cookie_charter_str,
    /// The decision that denies it (`undeclared` for a cookie the policy does not declare).
    pub decision: cookie_charter_decision,
    /// How many deletion headers it has (see `cookie_charter_purged_header`).
    pub header_count: usize,
}

struct PurgedCookie {
    cookie: Box<str>,
    decision: cookie_charter_decision,
    headers: Vec<Box<str>>,
}

/// The result of `cookie_charter_purge`: the cookies the visitor holds but does not allow, each
/// with the `Set-Cookie` values that delete it. Owned by the caller: release it with
/// `cookie_charter_purged_free`. It copies what it needs from the input.
pub struct cookie_charter_purged {
    cookies: Vec<PurgedCookie>,
}

/// For each cookie of the `Cookie` request header value at `cookie_header` (`len` bytes) that
/// `consent` does not allow at `now`, the `Set-Cookie` values (`Max-Age=0`) that delete it, one
/// per domain and path the cookie can have, in the order of the header.
///
/// Writes to `*purged_out` a new result owned by the caller (release it with
/// `cookie_charter_purged_free`). Bytes that are not UTF-8 are read as U+FFFD, and a name holding
/// one is skipped (it could not be written back as sent). Fails only with `NULL_POINTER`.
///
/// # Safety
///
/// `policy` and `consent` are NULL or live objects from this library; `cookie_header` points to
/// `len` readable bytes; `purged_out` is NULL or points to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purge(
    policy: *const cookie_charter_policy,
    cookie_header: *const c_char,
    len: usize,
    consent: *const cookie_charter_consent,
    now: u64,
    purged_out: *mut *mut cookie_charter_purged,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let consent = unsafe { borrow(consent) }?;
        let purged_out = out(purged_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let header = String::from_utf8_lossy(unsafe { bytes(cookie_header, len) }?);
        let lossy = matches!(header, Cow::Owned(_));
        let cookies = policy
            .inner
            .purge(&header, &consent.inner, now)
            .into_iter()
            .filter(|p| !(lossy && p.cookie.contains(char::REPLACEMENT_CHARACTER)))
            .map(|p| PurgedCookie {
                cookie: p.cookie.into(),
                decision: cookie_charter_decision::of(&p.decision),
                headers: p.headers.into_iter().map(String::into_boxed_str).collect(),
            })
            .collect();
        let result = Box::into_raw(Box::new(cookie_charter_purged { cookies }));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { purged_out.write(result) };
        Ok(())
    })
}

/// The number of cookies to delete in `purged`; 0 if it is NULL.
///
/// # Safety
///
/// `purged` is NULL or a live result from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purged_len(purged: *const cookie_charter_purged) -> usize {
    let mut len = 0;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(purged) = unsafe { borrow(purged) } {
            len = purged.cookies.len();
        }
    });
    len
}

/// Writes cookie number `index` of `purged` to `*cookie_out`, borrowed from `purged`.
/// `OUT_OF_RANGE` when `index` is not below `cookie_charter_purged_len`.
///
/// # Safety
///
/// `purged` is NULL or a live result from this library; `cookie_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purged_get(
    purged: *const cookie_charter_purged,
    index: usize,
    cookie_out: *mut cookie_charter_purged_entry,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let purged = unsafe { borrow(purged) }?;
        let cookie_out = out(cookie_out)?;
        let cookie = purged
            .cookies
            .get(index)
            .ok_or(cookie_charter_status::OutOfRange)?;
        let value = cookie_charter_purged_entry {
            cookie: cookie_charter_str::of(&cookie.cookie),
            decision: cookie.decision,
            header_count: cookie.headers.len(),
        };
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { cookie_out.write(value) };
        Ok(())
    })
}

/// Writes deletion header number `header` of cookie number `index` to `*header_out`: a
/// `Set-Cookie` value without the `Set-Cookie:` prefix, borrowed from `purged`, not
/// NUL-terminated. `OUT_OF_RANGE` when either index is past the end.
///
/// # Safety
///
/// `purged` is NULL or a live result from this library; `header_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purged_header(
    purged: *const cookie_charter_purged,
    index: usize,
    header: usize,
    header_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let purged = unsafe { borrow(purged) }?;
        let header_out = out(header_out)?;
        let value = purged
            .cookies
            .get(index)
            .and_then(|c| c.headers.get(header))
            .ok_or(cookie_charter_status::OutOfRange)?;
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { header_out.write(cookie_charter_str::of(value)) };
        Ok(())
    })
}

/// Releases a purge result. NULL is allowed and does nothing.
///
/// # Safety
///
/// `purged` is NULL or a result this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_purged_free(purged: *mut cookie_charter_purged) {
    guard_void(|| {
        if !purged.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(purged) });
        }
    });
}
