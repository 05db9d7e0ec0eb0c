//! The boundary helpers every export goes through: the panic guard, NULL checks, string reading
//! and out-parameter writing. All the pointer handling of the crate is here or next to it.

use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::error::{Failure, cookie_charter_error, cookie_charter_status};
use crate::strings::cookie_charter_str;

/// Runs `body` behind a panic boundary: its status, or `PANIC` if it panicked.
#[inline]
pub(crate) fn guard(
    body: impl FnOnce() -> Result<(), cookie_charter_status>,
) -> cookie_charter_status {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => cookie_charter_status::Ok,
        Ok(Err(status)) => status,
        Err(_) => cookie_charter_status::Panic,
    }
}

/// Like [`guard`], for calls that can describe their failure: when `error_out` is not NULL, a
/// failure also writes a new [`cookie_charter_error`] there (owned by the caller).
pub(crate) fn guard_with_error(
    error_out: *mut *mut cookie_charter_error,
    body: impl FnOnce() -> Result<(), Failure>,
) -> cookie_charter_status {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return cookie_charter_status::Ok,
        Ok(Err(failure)) => failure,
        Err(_) => Failure::Status(cookie_charter_status::Panic),
    };
    let status = failure.status();
    if !error_out.is_null() {
        // Building the error object allocates; keep even that behind the boundary.
        if let Ok(error) = catch_unwind(AssertUnwindSafe(|| cookie_charter_error::boxed(failure))) {
            // SAFETY: `error_out` is not NULL and the caller promises it points to writable
            // storage for one pointer (documented on every export taking `error_out`).
            unsafe { error_out.write(Box::into_raw(error)) };
        }
    }
    status
}

/// Runs a function that returns nothing (the `_free` functions) behind a panic boundary.
#[inline]
pub(crate) fn guard_void(body: impl FnOnce()) {
    // A panic here has nowhere to be reported; swallowing it beats unwinding into C.
    let _ = catch_unwind(AssertUnwindSafe(body));
}

/// Borrows the object behind a `const` pointer, or `NULL_POINTER`.
///
/// # Safety
///
/// `ptr` is NULL or points to a live `T` that nobody mutates for `'a`.
#[inline]
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T) -> Result<&'a T, cookie_charter_status> {
    // SAFETY: `as_ref` checks NULL; the caller promises the rest.
    unsafe { ptr.as_ref() }.ok_or(cookie_charter_status::NullPointer)
}

/// Borrows the object behind a mutable pointer, or `NULL_POINTER`.
///
/// # Safety
///
/// `ptr` is NULL or points to a live `T` that nothing else accesses for `'a`.
#[inline]
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T) -> Result<&'a mut T, cookie_charter_status> {
    // SAFETY: `as_mut` checks NULL; the caller promises the rest.
    unsafe { ptr.as_mut() }.ok_or(cookie_charter_status::NullPointer)
}

/// Reads a value of the object behind a `const` pointer for a getter that cannot fail:
/// `read(object)`, or `absent` when the pointer is NULL or the read panics.
///
/// # Safety
///
/// As for [`borrow`], for the duration of the call.
#[inline]
pub(crate) unsafe fn read_or<T, U>(ptr: *const T, absent: U, read: impl FnOnce(&T) -> U) -> U {
    let mut value = None;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(object) = unsafe { borrow(ptr) } {
            value = Some(read(object));
        }
    });
    value.unwrap_or(absent)
}

/// Checks that an out-parameter is not NULL.
#[inline]
pub(crate) fn out<T>(ptr: *mut T) -> Result<OutParam<T>, cookie_charter_status> {
    if ptr.is_null() {
        Err(cookie_charter_status::NullPointer)
    } else {
        Ok(OutParam(ptr))
    }
}

/// A non-NULL out-parameter, written at most once, at the end of a successful call.
pub(crate) struct OutParam<T>(*mut T);

impl<T> OutParam<T> {
    /// Writes `value` without reading or dropping what was there (C memory, maybe uninitialised).
    ///
    /// # Safety
    ///
    /// The pointer given to [`out`] points to writable, aligned storage for a `T`.
    #[inline]
    pub(crate) unsafe fn write(self, value: T) {
        // SAFETY: not NULL (checked by `out`); writable and aligned (the caller's promise).
        unsafe { self.0.write(value) }
    }
}

/// The bytes of a pointer + length argument, or `NULL_POINTER` (also for a zero length: pass any
/// non-NULL pointer, such as `""`, for an empty string).
///
/// # Safety
///
/// `ptr` is NULL or points to `len` readable bytes that stay unchanged for `'a`.
#[inline]
pub(crate) unsafe fn bytes<'a>(
    ptr: *const c_char,
    len: usize,
) -> Result<&'a [u8], cookie_charter_status> {
    if ptr.is_null() {
        return Err(cookie_charter_status::NullPointer);
    }
    if isize::try_from(len).is_err() {
        return Err(cookie_charter_status::InvalidArgument);
    }
    // SAFETY: not NULL, `len` fits an isize, and the caller promises `len` readable bytes that
    // stay unchanged while borrowed.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// The byte strings of an array argument of `count` [`cookie_charter_str`]: empty when `count`
/// is 0 (then `ptr` may be NULL); `NULL_POINTER` for a NULL array with a non-zero `count` or an
/// element whose `data` is NULL; `INVALID_ARGUMENT` for a `count` no array can have.
///
/// # Safety
///
/// `ptr` is NULL or points to `count` readable elements, each pointing to `len` readable bytes,
/// all unchanged for `'a`.
pub(crate) unsafe fn str_array<'a>(
    ptr: *const cookie_charter_str,
    count: usize,
) -> Result<Vec<&'a [u8]>, cookie_charter_status> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(cookie_charter_status::NullPointer);
    }
    if count > isize::MAX as usize / size_of::<cookie_charter_str>() {
        return Err(cookie_charter_status::InvalidArgument);
    }
    // SAFETY: not NULL, the size fits an isize, and the caller promises `count` readable elements
    // that stay unchanged for `'a`.
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    items
        .iter()
        // SAFETY: the caller promises each element points to `len` readable bytes; NULL is
        // checked.
        .map(|item| unsafe { bytes(item.data, item.len) })
        .collect()
}

/// A pointer + length argument as UTF-8 text, or `NULL_POINTER` / `INVALID_UTF8`.
///
/// # Safety
///
/// As for [`bytes`].
#[inline]
pub(crate) unsafe fn text<'a>(
    ptr: *const c_char,
    len: usize,
) -> Result<&'a str, cookie_charter_status> {
    // SAFETY: the same contract, passed on.
    let bytes = unsafe { bytes(ptr, len) }?;
    utf8(bytes)
}

/// Validates UTF-8, with a fast path for the usual case (cookie names are ASCII tokens).
///
/// `str::from_utf8` is an out-of-line call that costs several nanoseconds on a short name, more
/// than the rest of the C boundary; an inlined ASCII check costs about one cycle per byte.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, cookie_charter_status> {
    if is_ascii(bytes) {
        // SAFETY: every byte is ASCII, and ASCII text is valid UTF-8.
        return Ok(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).map_err(|_| cookie_charter_status::InvalidUtf8)
}

/// Whether every byte is ASCII, in a handful of instructions for the usual 1–16-byte cookie
/// name: two overlapping word loads OR-ed together, no loop and no branch per byte.
/// (`<[u8]>::is_ascii` handles alignment first, which costs about 40 instructions per call here.)
#[inline]
fn is_ascii(bytes: &[u8]) -> bool {
    const HIGH_8: u64 = 0x8080_8080_8080_8080;
    const HIGH_4: u32 = 0x8080_8080;
    let n = bytes.len();
    if n > 16 {
        return bytes.is_ascii();
    }
    if n >= 8 {
        let (first, last) = (word8(bytes, 0), word8(bytes, n - 8));
        return (first | last) & HIGH_8 == 0;
    }
    if n >= 4 {
        let (first, last) = (word4(bytes, 0), word4(bytes, n - 4));
        return (first | last) & HIGH_4 == 0;
    }
    bytes.iter().fold(0u8, |acc, b| acc | b) & 0x80 == 0
}

/// The 8 bytes at `at` as a word; all high bits set (not ASCII) if out of bounds.
#[inline(always)]
fn word8(bytes: &[u8], at: usize) -> u64 {
    bytes
        .get(at..at + 8)
        .and_then(|s| <[u8; 8]>::try_from(s).ok())
        .map_or(u64::MAX, u64::from_ne_bytes)
}

/// The 4 bytes at `at` as a word; all high bits set (not ASCII) if out of bounds.
#[inline(always)]
fn word4(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..at + 4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .map_or(u32::MAX, u32::from_ne_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_status() {
        let status = guard(|| std::panic::panic_any("boom"));
        assert_eq!(status, cookie_charter_status::Panic);
        let mut error: *mut cookie_charter_error = std::ptr::null_mut();
        let status = guard_with_error(&raw mut error, || std::panic::panic_any("boom"));
        assert_eq!(status, cookie_charter_status::Panic);
        assert!(!error.is_null());
        // SAFETY: `error` was just written by `guard_with_error` and is freed once here.
        let error = unsafe { Box::from_raw(error) };
        assert_eq!(error.status(), cookie_charter_status::Panic);
        guard_void(|| std::panic::panic_any("boom"));
    }

    #[test]
    fn strings_are_checked() {
        // SAFETY: NULL is allowed and checked.
        let null = unsafe { text(std::ptr::null(), 0) };
        assert_eq!(null, Err(cookie_charter_status::NullPointer));
        let bad = [0xffu8, 0x61];
        // SAFETY: `bad` is two readable bytes.
        let bad = unsafe { text(bad.as_ptr().cast(), bad.len()) };
        assert_eq!(bad, Err(cookie_charter_status::InvalidUtf8));
        for good in ["é_ga", "_ga", "", "a_longer_ascii_cookie_name_1234"] {
            // SAFETY: `good` is readable for its length.
            let read = unsafe { text(good.as_ptr().cast(), good.len()) };
            assert_eq!(read, Ok(good));
        }
        assert_eq!(utf8(b"_ga\xc3"), Err(cookie_charter_status::InvalidUtf8));
        for len in 0..40 {
            for at in 0..len {
                let mut name = vec![b'a'; len];
                assert!(is_ascii(&name));
                if let Some(byte) = name.get_mut(at) {
                    *byte = 0x80;
                }
                assert!(!is_ascii(&name), "{len} {at}");
            }
        }
        assert_eq!(
            utf8(b"\xed\xa0\x80"),
            Err(cookie_charter_status::InvalidUtf8)
        );
    }
}
