//! IAB TCF v2.2 TC strings (spec §10): decoding one, reading its fields, and taking it as the
//! visitor's consent. The decoder is the core's; this module only carries it across.

use std::ffi::c_char;

use engine::{Error, TcString};

use crate::consent::cookie_charter_consent;
use crate::error::{Failure, cookie_charter_error, cookie_charter_status};
use crate::ffi::{self, borrow, guard, guard_void, guard_with_error, out};
use crate::policy::cookie_charter_policy;
use crate::strings::{cookie_charter_str, cookie_charter_string};

/// A decoded TC string: the core segment and the optional disclosed-vendors, allowed-vendors and
/// publisher-TC segments. Immutable: any number of threads may read one at the same time.
/// Created by `cookie_charter_tc_string_decode`, released by `cookie_charter_tc_string_free`.
pub struct cookie_charter_tc_string {
    inner: TcString<'static>,
}

/// A decoding failure as the core error the other languages report: code `invalid_tc_string`,
/// message starting with the reason (`truncated`, `invalid_base64`...).
fn tc_failure(error: engine::TcError) -> Failure {
    Failure::Core(Error::from(error))
}

/// Reads a field of a TC string behind the panic boundary; `T::default()` if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string from this library.
unsafe fn field<T: Default>(
    tc: *const cookie_charter_tc_string,
    read: impl FnOnce(&TcString<'static>) -> T,
) -> T {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { ffi::read_or(tc, T::default(), |tc| read(&tc.inner)) }
}

/// Decodes the TC string that is the `len` bytes at `text` (the `euconsent-v2` cookie value or
/// the `gdpr_consent` URL parameter), strictly: IAB TCF v2.2, base64url segments without padding
/// joined by `.`.
///
/// On success writes a new TC string to `*tc_out`, owned by the caller (release it with
/// `cookie_charter_tc_string_free`). A string that does not decode or breaks the TCF v2.2 rules
/// gives `COOKIE_CHARTER_STATUS_INVALID_TC_STRING`; then, if `error_out` is not NULL, a new error
/// is written there whose message starts with the reason code (`empty`, `too_large`,
/// `invalid_base64`, `truncated`, `unsupported_version`, `invalid_segment`, `duplicate_segment`,
/// `invalid_field`, `invalid_vendor_range`, `legitimate_interest_not_allowed`) followed by `:`,
/// owned by the caller (release it with `cookie_charter_error_free`). Also fails with
/// `INVALID_UTF8` or `NULL_POINTER`. `*tc_out` is untouched on failure.
///
/// # Safety
///
/// `text` points to `len` readable bytes; `tc_out` and `error_out` (if not NULL) point to
/// writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_decode(
    text: *const c_char,
    len: usize,
    tc_out: *mut *mut cookie_charter_tc_string,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        let tc_out = out(tc_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let source = unsafe { ffi::text(text, len) }?;
        let inner = TcString::decode(source)
            .map(TcString::into_owned)
            .map_err(tc_failure)?;
        let tc = Box::into_raw(Box::new(cookie_charter_tc_string { inner }));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { tc_out.write(tc) };
        Ok(())
    })
}

/// Writes to `*json_out` every field of `tc` as canonical JSON, the shape every language gives
/// (`docs/tcf.md`): keys in a fixed order, no spaces, id sets as ascending arrays, absent
/// segments as `null`. The string is owned by the caller (release it with
/// `cookie_charter_string_free`). Fails only with `NULL_POINTER`.
///
/// # Safety
///
/// `tc` is NULL or a live TC string; `json_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_to_json(
    tc: *const cookie_charter_tc_string,
    json_out: *mut cookie_charter_string,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let tc = unsafe { borrow(tc) }?;
        let json_out = out(json_out)?;
        let json = cookie_charter_string::new(&tc.inner.to_json());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { json_out.write(json) };
        Ok(())
    })
}

/// The version of the TC string's core segment: always 2 (version 1 does not decode). 0 if `tc`
/// is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_version(
    tc: *const cookie_charter_tc_string,
) -> u8 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().version()) }
}

/// When the TC string was created, in deciseconds since the Unix epoch (divide by 10 for unix
/// seconds). 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_created(
    tc: *const cookie_charter_tc_string,
) -> u64 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().created()) }
}

/// When the TC string was last updated, in deciseconds since the Unix epoch (divide by 10 for
/// unix seconds; a consent taken from it is dated so). 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_last_updated(
    tc: *const cookie_charter_tc_string,
) -> u64 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().last_updated()) }
}

/// The id of the consent management platform that wrote the TC string. 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_cmp_id(
    tc: *const cookie_charter_tc_string,
) -> u16 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().cmp_id()) }
}

/// The version of the consent management platform. 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_cmp_version(
    tc: *const cookie_charter_tc_string,
) -> u16 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().cmp_version()) }
}

/// The version of the Global Vendor List the TC string was written against. 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_vendor_list_version(
    tc: *const cookie_charter_tc_string,
) -> u16 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().vendor_list_version()) }
}

/// The TCF policy version (4 and later is TCF v2.2, which allows no legitimate interest for
/// purposes 3 to 6). 0 if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_policy_version(
    tc: *const cookie_charter_tc_string,
) -> u8 {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().policy_version()) }
}

/// Whether the TC string is service-specific (its choices apply to this site only). False if
/// `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_is_service_specific(
    tc: *const cookie_charter_tc_string,
) -> bool {
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().is_service_specific()) }
}

/// Writes to `*language_out` the two-letter language of the consent screen, upper case (such as
/// `"EN"`), borrowed from `tc`: valid until `cookie_charter_tc_string_free(tc)`, not
/// NUL-terminated. Fails only with `NULL_POINTER`.
///
/// # Safety
///
/// `tc` is NULL or a live TC string; `language_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_consent_language(
    tc: *const cookie_charter_tc_string,
    language_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let tc = unsafe { borrow(tc) }?;
        let language_out = out(language_out)?;
        let language = cookie_charter_str::of(tc.inner.core().consent_language());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { language_out.write(language) };
        Ok(())
    })
}

/// Writes to `*country_out` the two-letter country code of the publisher, upper case (such as
/// `"FR"`), borrowed from `tc`: valid until `cookie_charter_tc_string_free(tc)`, not
/// NUL-terminated. Fails only with `NULL_POINTER`.
///
/// # Safety
///
/// `tc` is NULL or a live TC string; `country_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_publisher_country_code(
    tc: *const cookie_charter_tc_string,
    country_out: *mut cookie_charter_str,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let tc = unsafe { borrow(tc) }?;
        let country_out = out(country_out)?;
        let country = cookie_charter_str::of(tc.inner.core().publisher_country_code());
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { country_out.write(country) };
        Ok(())
    })
}

/// Whether the core segment gives consent for TCF purpose `id` (1 to 24). False for any other
/// id and if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_purpose_consent(
    tc: *const cookie_charter_tc_string,
    id: u32,
) -> bool {
    let Ok(id) = u8::try_from(id) else {
        return false;
    };
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().purpose_consent(id)) }
}

/// Whether the core segment establishes legitimate interest for TCF purpose `id` (1 to 24).
/// Legitimate interest is not consent: `cookie_charter_consent_from_tc_string` never counts it.
/// False for any other id and if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_purpose_legitimate_interest(
    tc: *const cookie_charter_tc_string,
    id: u32,
) -> bool {
    let Ok(id) = u8::try_from(id) else {
        return false;
    };
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().purpose_legitimate_interest(id)) }
}

/// Whether the visitor opted in to TCF special feature `id` (1 to 12). False for any other id
/// and if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_special_feature_opt_in(
    tc: *const cookie_charter_tc_string,
    id: u32,
) -> bool {
    let Ok(id) = u8::try_from(id) else {
        return false;
    };
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().special_feature_opt_in(id)) }
}

/// Whether the core segment gives consent to vendor `id` (1 to 65535, a Global Vendor List id).
/// False for any other id and if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_vendor_consent(
    tc: *const cookie_charter_tc_string,
    id: u32,
) -> bool {
    let Ok(id) = u16::try_from(id) else {
        return false;
    };
    // SAFETY: the caller's promise, passed on.
    unsafe { field(tc, |tc| tc.core().vendor_consents().contains(id)) }
}

/// Whether the core segment establishes legitimate interest for vendor `id` (1 to 65535). False
/// for any other id and if `tc` is NULL.
///
/// # Safety
///
/// `tc` is NULL or a live TC string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_vendor_legitimate_interest(
    tc: *const cookie_charter_tc_string,
    id: u32,
) -> bool {
    let Ok(id) = u16::try_from(id) else {
        return false;
    };
    // SAFETY: the caller's promise, passed on.
    unsafe {
        field(tc, |tc| {
            tc.core().vendor_legitimate_interests().contains(id)
        })
    }
}

/// Releases a TC string. NULL is allowed and does nothing. Strings borrowed from it become
/// invalid.
///
/// # Safety
///
/// `tc` is NULL or a TC string this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_tc_string_free(tc: *mut cookie_charter_tc_string) {
    guard_void(|| {
        if !tc.is_null() {
            // SAFETY: not NULL, from `Box::into_raw` in this library, freed once (the promise).
            drop(unsafe { Box::from_raw(tc) });
        }
    });
}

/// Writes to `*consent_out` the consent a decoded TC string gives under `policy`: a purpose that
/// declares `tcf_purposes` is granted when every one of those TCF purposes has consent in the
/// core segment and, when the string has a publisher-TC segment, there too; otherwise denied.
/// Legitimate interest never counts. Purposes without `tcf_purposes` stay unset. The consent is
/// dated by the string's last update and is for the policy's current revision.
///
/// The consent is owned by the caller (release it with `cookie_charter_consent_free`). Fails
/// only with `NULL_POINTER`.
///
/// # Safety
///
/// `policy` and `tc` are NULL or live objects from this library; `consent_out` is NULL or points
/// to a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_from_tcf(
    policy: *const cookie_charter_policy,
    tc: *const cookie_charter_tc_string,
    consent_out: *mut *mut cookie_charter_consent,
) -> cookie_charter_status {
    guard(|| {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let tc = unsafe { borrow(tc) }?;
        let consent_out = out(consent_out)?;
        let consent = cookie_charter_consent::boxed(policy.inner.consent_from_tcf(&tc.inner));
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(consent) };
        Ok(())
    })
}

/// Decodes the TC string that is the `len` bytes at `text` and writes to `*consent_out` the
/// consent it gives under `policy` (see `cookie_charter_consent_from_tcf`), owned by the caller
/// (release it with `cookie_charter_consent_free`).
///
/// A string that does not decode is never a consent: the call fails with
/// `COOKIE_CHARTER_STATUS_INVALID_TC_STRING` and, if `error_out` is not NULL, writes there a new
/// error whose message starts with the reason code, as for `cookie_charter_tc_string_decode`
/// (release it with `cookie_charter_error_free`). Also fails with `INVALID_UTF8` or
/// `NULL_POINTER`. `*consent_out` is untouched on failure.
///
/// # Safety
///
/// `policy` is NULL or a live policy; `text` points to `len` readable bytes; `consent_out` and
/// `error_out` (if not NULL) point to writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_consent_from_tc_string(
    policy: *const cookie_charter_policy,
    text: *const c_char,
    len: usize,
    consent_out: *mut *mut cookie_charter_consent,
    error_out: *mut *mut cookie_charter_error,
) -> cookie_charter_status {
    guard_with_error(error_out, || {
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let policy = unsafe { borrow(policy) }?;
        let consent_out = out(consent_out)?;
        // SAFETY: the caller's promise, passed on; NULL is checked.
        let source = unsafe { ffi::text(text, len) }?;
        let consent = policy
            .inner
            .consent_from_tc_string(source)
            .map_err(Failure::Core)?;
        let consent = cookie_charter_consent::boxed(consent);
        // SAFETY: not NULL, writable (the caller's promise).
        unsafe { consent_out.write(consent) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{cookie_charter_error_free, cookie_charter_error_message};

    const TC: &str =
        "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";

    fn decode(
        source: &str,
        error: *mut *mut cookie_charter_error,
    ) -> (cookie_charter_status, *mut cookie_charter_tc_string) {
        let mut tc: *mut cookie_charter_tc_string = std::ptr::null_mut();
        // SAFETY: `source` is readable for its length; `tc` is writable, `error` NULL or writable.
        let status = unsafe {
            cookie_charter_tc_string_decode(
                source.as_ptr().cast(),
                source.len(),
                &raw mut tc,
                error,
            )
        };
        (status, tc)
    }

    #[test]
    fn decode_read_and_free() {
        let (status, tc) = decode(TC, std::ptr::null_mut());
        assert_eq!(status, cookie_charter_status::Ok);
        // SAFETY: `tc` was just decoded and is freed below.
        assert_eq!(unsafe { cookie_charter_tc_string_version(tc) }, 2);
        // SAFETY: as above.
        assert_eq!(unsafe { cookie_charter_tc_string_cmp_id(tc) }, 880);
        // SAFETY: as above.
        assert!(unsafe { cookie_charter_tc_string_vendor_consent(tc, 4) });
        // SAFETY: as above; an id past 65535 is refused, not truncated to 4.
        assert!(!unsafe { cookie_charter_tc_string_vendor_consent(tc, 65_536 + 4) });
        // SAFETY: as above.
        unsafe { cookie_charter_tc_string_free(tc) };
        // SAFETY: NULL is allowed.
        let version = unsafe { cookie_charter_tc_string_version(std::ptr::null()) };
        assert_eq!(version, 0);
    }

    #[test]
    fn errors_carry_the_reason_first() {
        let mut error: *mut cookie_charter_error = std::ptr::null_mut();
        let (status, tc) = decode("CQSbk4A", &raw mut error);
        assert_eq!(status, cookie_charter_status::InvalidTcString);
        assert!(tc.is_null());
        assert!(!error.is_null());
        // SAFETY: `error` was just written and is not freed yet.
        let message = unsafe { cookie_charter_error_message(error) };
        // SAFETY: NUL-terminated, owned by `error`, read before it is freed.
        let message = unsafe { std::ffi::CStr::from_ptr(message) }.to_owned();
        assert!(
            message.to_bytes().starts_with(b"truncated: "),
            "{message:?}"
        );
        // SAFETY: freed once.
        unsafe { cookie_charter_error_free(error) };
    }
}
