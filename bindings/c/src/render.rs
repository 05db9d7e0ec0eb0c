//! The charter page (spec §7).

use std::ffi::c_char;

use engine::Format;

use crate::error::cookie_charter_status;
use crate::ffi::{borrow, guard, out, text};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_string;

/// The format of the charter page (the `format` argument of `cookie_charter_render`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_format {
    /// CommonMark with GitHub tables.
    Markdown = 1,
    /// An HTML fragment (one `<article>` element), every policy text escaped.
    Html = 2,
}

impl cookie_charter_format {
    fn from_u32(value: u32) -> Option<Format> {
        match value {
            v if v == Self::Markdown as u32 => Some(Format::Markdown),
            v if v == Self::Html as u32 => Some(Format::Html),
            _ => None,
        }
    }
}

/// Renders the charter page of `policy` in the language whose tag is the `lang_len` bytes at
/// `lang` (such as `"fr"`), in `format` (a `cookie_charter_format` value).
///
/// Writes to `*page_out` a new string owned by the caller (release it with
/// `cookie_charter_string_free`). A language the policy does not declare renders its first
/// language with a visible note. Fails with `INVALID_ARGUMENT` for an unknown `format`,
/// `INVALID_UTF8`, or `NULL_POINTER`, leaving `*page_out` untouched.
///
/// # Safety
///
/// `policy` is NULL or a live policy; `lang` points to `lang_len` readable bytes; `page_out` is
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_render(
    policy: *const cookie_charter_policy,
    lang: *const c_char,
    lang_len: usize,
    format: u32,
    page_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let lang = unsafe { text(lang, lang_len) }?;
        let page_out = out(page_out)?;
        let format = cookie_charter_format::from_u32(format)
            .ok_or(cookie_charter_status::InvalidArgument)?;
        let page = cookie_charter_string::new(&policy.inner.render_charter(lang, format));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { page_out.write(page) };
        Ok(())
    })
}
