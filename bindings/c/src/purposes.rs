//! The policy's purposes, for a banner or a settings page: their texts in a language, whether
//! they need consent, and their cookies.

use std::ffi::c_char;

use engine::{Localized, Purpose};

use crate::error::cookie_charter_status;
use crate::ffi::{borrow, guard, out, read_or, text};
use crate::policy::cookie_charter_policy;
use crate::strings::cookie_charter_str;

/// One purpose of a policy, as `cookie_charter_policy_purpose` writes it. Plain data whose
/// strings are borrowed from the policy (not NUL-terminated): valid while the policy lives;
/// nothing to free.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct cookie_charter_purpose {
    /// The purpose id, such as `statistics` (the key of the consent cookie).
    pub id: cookie_charter_str,
    /// The label in the language asked for, else in the first of the site's `languages` that
    /// has it, else in the first language given.
    pub label: cookie_charter_str,
    /// The language `label` is really in: differs from the one asked for when it fell back.
    pub label_lang: cookie_charter_str,
    /// The description, picked like `label`; `data` is NULL (and `len` 0) when the purpose has
    /// none.
    pub description: cookie_charter_str,
    /// The language `description` is really in; `data` is NULL when there is no description.
    pub description_lang: cookie_charter_str,
    /// The purpose's revision: a consent given for an older revision is `stale` for it.
    pub revision: u64,
    /// Whether a banner asks about it: at least one of its cookies needs consent (false for
    /// `necessary` and for a purpose whose cookies are all exempt).
    pub needs_consent: bool,
    /// How many cookie declarations it has (see `cookie_charter_policy_purpose_cookie`).
    pub cookie_count: usize,
}

/// A borrowed text and its language; `{NULL, 0}` twice when there is none.
fn localized(found: Option<Localized<'_>>) -> (cookie_charter_str, cookie_charter_str) {
    const NONE: cookie_charter_str = cookie_charter_str {
        data: std::ptr::null(),
        len: 0,
    };
    found.map_or((NONE, NONE), |l| {
        (
            cookie_charter_str::of(l.text),
            cookie_charter_str::of(l.lang),
        )
    })
}

/// The purpose at `index` of the policy, or `OUT_OF_RANGE`.
fn purpose_at(
    policy: &cookie_charter_policy,
    index: usize,
) -> Result<&Purpose, cookie_charter_status> {
    policy
        .inner
        .purposes()
        .get(index)
        .ok_or(cookie_charter_status::OutOfRange)
}

/// The number of purposes of `policy`, `necessary` included, in the policy's order; 0 if
/// `policy` is NULL.
///
/// # Safety
///
/// `policy` is NULL or a live policy from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_purpose_count(
    policy: *const cookie_charter_policy,
) -> usize {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(policy, 0, |p| p.inner.purposes().len()) }
}

/// Writes purpose number `index` of `policy` to `*purpose_out`, its label and description in the
/// language that is the `lang_len` bytes at `lang` (such as `"fr"`; `""` for the site's first
/// language), falling back as `cookie_charter_purpose.label` says. Its strings are borrowed from
/// `policy`.
///
/// Fails with `OUT_OF_RANGE` when `index` is not below `cookie_charter_policy_purpose_count`,
/// `INVALID_UTF8`, or `NULL_POINTER` (`lang` too: pass `""` with a length of 0), leaving
/// `*purpose_out` untouched.
///
/// # Safety
///
/// `policy` is NULL or a live policy from this library; `lang` is NULL or points to `lang_len`
/// readable bytes; `purpose_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_purpose(
    policy: *const cookie_charter_policy,
    index: usize,
    lang: *const c_char,
    lang_len: usize,
    purpose_out: *mut cookie_charter_purpose,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let lang = unsafe { text(lang, lang_len) }?;
        let purpose_out = out(purpose_out)?;
        let purpose = purpose_at(policy, index)?;
        let fallbacks = &policy.inner.site().languages;
        let id = purpose.id.as_str();
        let (label, label_lang) = localized(purpose.label.get(lang, fallbacks));
        let (description, description_lang) = localized(
            purpose
                .description
                .as_ref()
                .and_then(|d| d.get(lang, fallbacks)),
        );
        let value = cookie_charter_purpose {
            id: cookie_charter_str::of(id),
            label,
            label_lang,
            description,
            description_lang,
            revision: purpose.revision,
            needs_consent: policy.inner.needs_consent(id),
            cookie_count: policy.inner.cookies_of(id).count(),
        };
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { purpose_out.write(value) };
        Ok(())
    })
}

/// Writes the name of cookie declaration number `cookie` of purpose number `index` to
/// `*name_out`: an exact cookie name or a pattern with one `*` (such as `_ga_*`), in the policy's
/// order, borrowed from `policy`. `OUT_OF_RANGE` when `index` is not below
/// `cookie_charter_policy_purpose_count` or `cookie` not below the purpose's `cookie_count`.
///
/// # Safety
///
/// `policy` is NULL or a live policy from this library; `name_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_policy_purpose_cookie(
    policy: *const cookie_charter_policy,
    index: usize,
    cookie: usize,
    name_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let name_out = out(name_out)?;
        let purpose = purpose_at(policy, index)?;
        let declaration = policy
            .inner
            .cookies_of(purpose.id.as_str())
            .nth(cookie)
            .ok_or(cookie_charter_status::OutOfRange)?;
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { name_out.write(cookie_charter_str::of(&declaration.name)) };
        Ok(())
    })
}
