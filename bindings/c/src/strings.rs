//! Strings and lists of strings handed to C: owned strings the caller frees, and borrowed views.

use std::ffi::c_char;

use crate::error::cookie_charter_status;
use crate::ffi::{borrow, guard, guard_void, out};

/// A borrowed string: `len` bytes of UTF-8 at `data`, NOT NUL-terminated (print it with
/// `printf("%.*s", (int)s.len, s.data)`). It belongs to the object it came from and is valid as
/// long as that object is. Also used to pass lists of strings in (for example `Set-Cookie`
/// headers); then `data` must not be NULL.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_str {
    /// The first byte; never NULL in what this library returns, unless a field says it may be
    /// (an absent `cookie_charter_purpose.description`).
    pub data: *const c_char,
    /// The length in bytes.
    pub len: usize,
}

impl cookie_charter_str {
    pub(crate) fn of(text: &str) -> Self {
        Self {
            data: text.as_ptr().cast(),
            len: text.len(),
        }
    }
}

/// A string this library allocated for the caller: `len` bytes of UTF-8 at `data`, followed by a
/// NUL byte (so `data` can also be used as a C string when the text has no NUL of its own).
///
/// Owned by the caller: release it with `cookie_charter_string_free(&s)`, never with `free()`,
/// and do not change `data` or `len` before.
#[repr(C)]
#[derive(Debug)]
pub struct cookie_charter_string {
    /// The first byte; NULL only in a released or zeroed string.
    pub data: *mut c_char,
    /// The length in bytes, the final NUL not counted.
    pub len: usize,
}

impl cookie_charter_string {
    /// Copies `text` into a new NUL-terminated allocation that C owns.
    pub(crate) fn new(text: &str) -> Self {
        let mut bytes = Vec::with_capacity(text.len() + 1);
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0);
        let boxed: Box<[u8]> = bytes.into_boxed_slice();
        let len = text.len();
        Self {
            data: Box::into_raw(boxed).cast::<c_char>(),
            len,
        }
    }
}

/// Releases a string this library returned and sets it to `{NULL, 0}`, so a second call does
/// nothing. NULL, or a string whose `data` is NULL, is allowed and does nothing.
///
/// # Safety
///
/// `string` is NULL or points to a `cookie_charter_string` filled by this library (or zeroed),
/// whose `data` and `len` were not changed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_string_free(string: *mut cookie_charter_string) {
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let Some(string) = (unsafe { string.as_mut() }) else {
            return;
        };
        if string.data.is_null() {
            return;
        }
        let slice = std::ptr::slice_from_raw_parts_mut(string.data.cast::<u8>(), string.len + 1);
        // SAFETY: `data` and `len` come unchanged from `cookie_charter_string::new`, which leaked
        // a `Box<[u8]>` of `len + 1` bytes; it is rebuilt and dropped once, then forgotten below.
        drop(unsafe { Box::from_raw(slice) });
        string.data = std::ptr::null_mut();
        string.len = 0;
    });
}

/// A list of strings this library allocated, such as the purposes a banner must ask about.
///
/// Owned by the caller: release it with `cookie_charter_string_list_free`. The strings it hands
/// out belong to it.
pub struct cookie_charter_string_list {
    items: Vec<Box<str>>,
}

impl cookie_charter_string_list {
    pub(crate) fn new(items: Vec<Box<str>>) -> Self {
        Self { items }
    }

    pub(crate) fn get(&self, index: usize) -> Option<&str> {
        self.items.get(index).map(|s| &**s)
    }
}

/// The number of strings in `list`; 0 if `list` is NULL.
///
/// # Safety
///
/// `list` is NULL or a list this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_string_list_len(
    list: *const cookie_charter_string_list,
) -> usize {
    let mut len = 0;
    guard_void(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        if let Ok(list) = unsafe { borrow(list) } {
            len = list.items.len();
        }
    });
    len
}

/// Writes the string at `index` to `*item_out`. The string belongs to `list` and is valid until
/// `cookie_charter_string_list_free(list)`; it is not NUL-terminated.
///
/// Returns `OUT_OF_RANGE` when `index` is not below `cookie_charter_string_list_len(list)`,
/// `NULL_POINTER` if a pointer is NULL.
///
/// # Safety
///
/// `list` is NULL or a live list from this library; `item_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_string_list_get(
    list: *const cookie_charter_string_list,
    index: usize,
    item_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let list = unsafe { borrow(list) }?;
        let item_out = out(item_out)?;
        let item = list.get(index).ok_or(cookie_charter_status::OutOfRange)?;
        // SAFETY: `item_out` is not NULL and the caller promises it is writable.
        unsafe { item_out.write(cookie_charter_str::of(item)) };
        Ok(())
    })
}

/// Releases a list and its strings. NULL is allowed and does nothing.
///
/// # Safety
///
/// `list` is NULL or a list this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_string_list_free(list: *mut cookie_charter_string_list) {
    guard_void(|| {
        if !list.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(list) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_nul_terminated_and_freed_once() {
        let mut s = cookie_charter_string::new("v=1");
        assert_eq!(s.len, 3);
        // SAFETY: `s.data` holds `len + 1` initialised bytes.
        let all = unsafe { std::slice::from_raw_parts(s.data.cast::<u8>(), s.len + 1) };
        assert_eq!(all, b"v=1\0");
        // SAFETY: `s` comes from `new` and is freed twice on purpose (the second is a no-op).
        unsafe { cookie_charter_string_free(&raw mut s) };
        assert!(s.data.is_null());
        // SAFETY: as above.
        unsafe { cookie_charter_string_free(&raw mut s) };
    }
}
