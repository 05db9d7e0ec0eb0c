//! Statuses and error objects: what a failed call tells its C caller.

use std::ffi::{CStr, CString, c_char};

use engine::{Error, ErrorKind};

use crate::ffi::{guard_void, read_or};

/// The outcome of a fallible call. `COOKIE_CHARTER_STATUS_OK` is 0; the numbers are stable and
/// never reused. 1–99 mirror the error codes of the core library (the same ids in every
/// language, see `cookie_charter_status_name`); 100 and above are the C library's own.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cookie_charter_status {
    /// Success: the out-parameters were written.
    Ok = 0,
    /// `syntax`: the policy is not valid TOML or JSON.
    Syntax = 1,
    /// `too_large`: the policy text is larger than the documented limit.
    TooLarge = 2,
    /// `too_many`: more declarations than the documented limit.
    TooMany = 3,
    /// `too_deep`: nesting deeper than the policy format allows.
    TooDeep = 4,
    /// `unknown_field`: a field the policy format does not know.
    UnknownField = 5,
    /// `missing_field`: a required field is absent.
    MissingField = 6,
    /// `invalid_type`: a field has the wrong type.
    InvalidType = 7,
    /// `invalid_value`: a field has a value outside what it accepts.
    InvalidValue = 8,
    /// `unknown_purpose`: a cookie names a purpose the policy does not declare.
    UnknownPurpose = 9,
    /// `duplicate_cookie`: two declarations have the same cookie name.
    DuplicateCookie = 10,
    /// `invalid_name`: a cookie name or pattern is not a valid token.
    InvalidName = 11,
    /// `ambiguous_patterns`: two patterns of equal specificity can match the same name.
    AmbiguousPatterns = 12,
    /// `anonymous_not_statistics`: `anonymous` on a cookie whose purpose is not `statistics`.
    AnonymousNotStatistics = 13,
    /// `invalid_lifetime`: a lifetime could not be read.
    InvalidLifetime = 14,
    /// `missing_label`: a label is missing for one of the policy's languages.
    MissingLabel = 15,
    /// `invalid_purpose_id`: a purpose id does not match `[a-z][a-z0-9_-]{0,31}`.
    InvalidPurposeId = 16,
    /// `invalid_domain`: the site URL or a cookie domain is not usable.
    InvalidDomain = 17,
    /// `invalid_consent`: a consent value given strictly is invalid.
    InvalidConsent = 18,
    /// `invalid_argument`: an argument is out of range (an unknown enum value, a length too big).
    InvalidArgument = 19,
    /// `panic`: an internal failure was caught at the boundary; the process is unharmed.
    Panic = 20,
    /// `invalid_tc_string`: an IAB TCF TC string could not be decoded (the message starts with
    /// the reason, such as `truncated`).
    InvalidTcString = 21,
    /// `unreadable_consent_source`: a consent source names a banner whose consent a server cannot
    /// read (kept in the browser's storage, or encrypted).
    UnreadableConsentSource = 22,
    /// `unmapped_purpose`: a consent source maps no key to a purpose that needs consent.
    UnmappedPurpose = 23,
    /// `duplicate_consent_key`: a consent source maps the same key of the banner to two purposes.
    DuplicateConsentKey = 24,
    /// `null_pointer`: a pointer argument was NULL.
    NullPointer = 100,
    /// `invalid_utf8`: a string argument is not valid UTF-8.
    InvalidUtf8 = 101,
    /// `out_of_range`: an index is past the end of a list.
    OutOfRange = 102,
    /// `invalid_consent_keys`: the text of the consent keys is not one `<key id>:<base64url
    /// secret>` per line or comma, a secret has fewer than 32 bytes, a key id repeats, or there
    /// is no key. The message says which key (by number or id), never a secret.
    InvalidConsentKeys = 103,
    /// `unreadable_consent_keys`: the consent keys could not be read: their file cannot be read
    /// (or is larger than 64 KiB, or not UTF-8), or their environment variable is not set (or not
    /// UTF-8).
    UnreadableConsentKeys = 104,
    /// `unknown_error`: an error of the core library this build of the C library does not know.
    UnknownError = 199,
}

impl cookie_charter_status {
    /// Every status, in the order of their numbers.
    pub const ALL: [Self; 31] = [
        Self::Ok,
        Self::Syntax,
        Self::TooLarge,
        Self::TooMany,
        Self::TooDeep,
        Self::UnknownField,
        Self::MissingField,
        Self::InvalidType,
        Self::InvalidValue,
        Self::UnknownPurpose,
        Self::DuplicateCookie,
        Self::InvalidName,
        Self::AmbiguousPatterns,
        Self::AnonymousNotStatistics,
        Self::InvalidLifetime,
        Self::MissingLabel,
        Self::InvalidPurposeId,
        Self::InvalidDomain,
        Self::InvalidConsent,
        Self::InvalidArgument,
        Self::Panic,
        Self::InvalidTcString,
        Self::UnreadableConsentSource,
        Self::UnmappedPurpose,
        Self::DuplicateConsentKey,
        Self::NullPointer,
        Self::InvalidUtf8,
        Self::OutOfRange,
        Self::InvalidConsentKeys,
        Self::UnreadableConsentKeys,
        Self::UnknownError,
    ];

    /// The status of a core error kind.
    pub fn of_kind(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::Syntax => Self::Syntax,
            ErrorKind::TooLarge => Self::TooLarge,
            ErrorKind::TooMany => Self::TooMany,
            ErrorKind::TooDeep => Self::TooDeep,
            ErrorKind::UnknownField => Self::UnknownField,
            ErrorKind::MissingField => Self::MissingField,
            ErrorKind::InvalidType => Self::InvalidType,
            ErrorKind::InvalidValue => Self::InvalidValue,
            ErrorKind::UnknownPurpose => Self::UnknownPurpose,
            ErrorKind::DuplicateCookie => Self::DuplicateCookie,
            ErrorKind::InvalidName => Self::InvalidName,
            ErrorKind::AmbiguousPatterns => Self::AmbiguousPatterns,
            ErrorKind::AnonymousNotStatistics => Self::AnonymousNotStatistics,
            ErrorKind::InvalidLifetime => Self::InvalidLifetime,
            ErrorKind::MissingLabel => Self::MissingLabel,
            ErrorKind::InvalidPurposeId => Self::InvalidPurposeId,
            ErrorKind::InvalidDomain => Self::InvalidDomain,
            ErrorKind::InvalidConsent => Self::InvalidConsent,
            ErrorKind::InvalidArgument => Self::InvalidArgument,
            ErrorKind::Panic => Self::Panic,
            ErrorKind::InvalidTcString => Self::InvalidTcString,
            ErrorKind::UnreadableConsentSource => Self::UnreadableConsentSource,
            ErrorKind::UnmappedPurpose => Self::UnmappedPurpose,
            ErrorKind::DuplicateConsentKey => Self::DuplicateConsentKey,
            _ => Self::UnknownError,
        }
    }

    /// The stable id, NUL-terminated: the core's error code, or the C library's own.
    pub const fn name(self) -> &'static CStr {
        match self {
            Self::Ok => c"ok",
            Self::Syntax => c"syntax",
            Self::TooLarge => c"too_large",
            Self::TooMany => c"too_many",
            Self::TooDeep => c"too_deep",
            Self::UnknownField => c"unknown_field",
            Self::MissingField => c"missing_field",
            Self::InvalidType => c"invalid_type",
            Self::InvalidValue => c"invalid_value",
            Self::UnknownPurpose => c"unknown_purpose",
            Self::DuplicateCookie => c"duplicate_cookie",
            Self::InvalidName => c"invalid_name",
            Self::AmbiguousPatterns => c"ambiguous_patterns",
            Self::AnonymousNotStatistics => c"anonymous_not_statistics",
            Self::InvalidLifetime => c"invalid_lifetime",
            Self::MissingLabel => c"missing_label",
            Self::InvalidPurposeId => c"invalid_purpose_id",
            Self::InvalidDomain => c"invalid_domain",
            Self::InvalidConsent => c"invalid_consent",
            Self::InvalidArgument => c"invalid_argument",
            Self::Panic => c"panic",
            Self::InvalidTcString => c"invalid_tc_string",
            Self::UnreadableConsentSource => c"unreadable_consent_source",
            Self::UnmappedPurpose => c"unmapped_purpose",
            Self::DuplicateConsentKey => c"duplicate_consent_key",
            Self::NullPointer => c"null_pointer",
            Self::InvalidUtf8 => c"invalid_utf8",
            Self::OutOfRange => c"out_of_range",
            Self::InvalidConsentKeys => c"invalid_consent_keys",
            Self::UnreadableConsentKeys => c"unreadable_consent_keys",
            Self::UnknownError => c"unknown_error",
        }
    }

    /// A message for a failure that has no core error behind it.
    fn message(self) -> &'static str {
        match self {
            Self::Ok => "no error",
            Self::NullPointer => "a pointer argument is null",
            Self::InvalidUtf8 => "a string argument is not valid utf-8",
            Self::OutOfRange => "an index is past the end of the list",
            Self::Panic => "internal error caught at the c boundary",
            Self::InvalidArgument => "an argument is out of range",
            Self::InvalidConsentKeys => "the consent keys are invalid",
            Self::UnreadableConsentKeys => "the consent keys cannot be read",
            _ => "error",
        }
    }
}

/// Why a call failed: a bare status (NULL, UTF-8...) or an error of the core library.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A failure of the C layer itself.
    Status(cookie_charter_status),
    /// An error of the core library, with its message, field and location.
    Core(Error),
    /// A failure of the C layer with its own message (the consent keys).
    Described(cookie_charter_status, String),
}

impl Failure {
    pub(crate) fn status(&self) -> cookie_charter_status {
        match self {
            Self::Status(status) => *status,
            Self::Core(error) => cookie_charter_status::of_kind(error.kind()),
            Self::Described(status, _) => *status,
        }
    }
}

impl From<cookie_charter_status> for Failure {
    fn from(status: cookie_charter_status) -> Self {
        Self::Status(status)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self::Core(error)
    }
}

/// Text for C: NUL-terminated, with any NUL of the text shown as `\0`.
pub(crate) fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// The details of a failed call: status, message, field and location.
///
/// Created by the calls that take a `cookie_charter_error **error_out` (only when that pointer is
/// not NULL and the call fails); owned by the caller, who releases it with
/// `cookie_charter_error_free`. Its strings live as long as it does.
pub struct cookie_charter_error {
    status: cookie_charter_status,
    message: CString,
    field: Option<CString>,
    line: usize,
    column: usize,
}

impl cookie_charter_error {
    pub(crate) fn boxed(failure: Failure) -> Box<Self> {
        let status = failure.status();
        Box::new(match failure {
            Failure::Status(status) => Self {
                status,
                message: c_string(status.message()),
                field: None,
                line: 0,
                column: 0,
            },
            Failure::Core(error) => Self {
                status,
                message: c_string(&error.to_string()),
                field: error.field().map(c_string),
                line: error.location().map_or(0, |l| l.line),
                column: error.location().map_or(0, |l| l.column),
            },
            Failure::Described(status, message) => Self {
                status,
                message: c_string(&message),
                field: None,
                line: 0,
                column: 0,
            },
        })
    }

    #[cfg(test)]
    pub(crate) fn status(&self) -> cookie_charter_status {
        self.status
    }
}

/// The stable id of a status, NUL-terminated and static (never free it): `"ok"`, the core's error
/// code such as `"unknown_purpose"`, or `"null_pointer"`, `"invalid_utf8"`, `"out_of_range"`,
/// `"invalid_consent_keys"`, `"unreadable_consent_keys"`, `"panic"`. NULL for a number that is
/// not a status.
#[unsafe(no_mangle)]
pub extern "C" fn cookie_charter_status_name(status: u32) -> *const c_char {
    cookie_charter_status::ALL
        .iter()
        .find(|s| **s as u32 == status)
        .map_or(std::ptr::null(), |s| s.name().as_ptr())
}

/// The status of the failed call this error describes. `COOKIE_CHARTER_STATUS_NULL_POINTER` if
/// `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_status(
    error: *const cookie_charter_error,
) -> cookie_charter_status {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(error, cookie_charter_status::NullPointer, |e| e.status) }
}

/// The whole message, NUL-terminated, such as `"line 3, column 11: cookies[0].purpose: unknown
/// purpose `ads`"`: lowercase, user input in backticks. Owned by `error`: valid until
/// `cookie_charter_error_free(error)`. NULL if `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_message(
    error: *const cookie_charter_error,
) -> *const c_char {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(error, std::ptr::null(), |e| e.message.as_ptr()) }
}

/// The stable error code, NUL-terminated and static (never free it); the same as
/// `cookie_charter_status_name(cookie_charter_error_status(error))`. NULL if `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_code(
    error: *const cookie_charter_error,
) -> *const c_char {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(error, std::ptr::null(), |e| e.status.name().as_ptr()) }
}

/// The policy field the error is about (a dotted path such as `"cookies[2].purpose"`),
/// NUL-terminated, owned by `error`; NULL when the error is about no field or `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_field(
    error: *const cookie_charter_error,
) -> *const c_char {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe {
        read_or(error, std::ptr::null(), |e| {
            e.field.as_deref().map_or(std::ptr::null(), CStr::as_ptr)
        })
    }
}

/// The 1-based line of the error in the policy text; 0 when it has no location or `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_line(error: *const cookie_charter_error) -> usize {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(error, 0, |e| e.line) }
}

/// The 1-based column (in characters) of the error in the policy text; 0 when it has no location
/// or `error` is NULL.
///
/// # Safety
///
/// `error` is NULL or an error this library returned and that was not freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_column(error: *const cookie_charter_error) -> usize {
    // SAFETY: the caller's promise, passed on; NULL is checked.
    unsafe { read_or(error, 0, |e| e.column) }
}

/// Releases an error and its strings. NULL is allowed and does nothing.
///
/// # Safety
///
/// `error` is NULL or an error this library returned, freed only once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cookie_charter_error_free(error: *mut cookie_charter_error) {
    guard_void(|| {
        if !error.is_null() {
            // SAFETY: not NULL, and the caller promises it came from `Box::into_raw` in this
            // library and is freed once.
            drop(unsafe { Box::from_raw(error) });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_kind_has_its_own_status_and_name() {
        for kind in ErrorKind::ALL {
            let status = cookie_charter_status::of_kind(kind);
            assert_ne!(status, cookie_charter_status::UnknownError, "{kind:?}");
            assert_eq!(status.name().to_str(), Ok(kind.code()));
            assert!((1..100).contains(&(status as u32)), "{kind:?}");
        }
    }

    #[test]
    fn numbers_and_names_are_unique() {
        let mut numbers: Vec<u32> = cookie_charter_status::ALL
            .iter()
            .map(|s| *s as u32)
            .collect();
        let mut names: Vec<_> = cookie_charter_status::ALL
            .iter()
            .map(|s| s.name())
            .collect();
        numbers.sort_unstable();
        numbers.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(numbers.len(), cookie_charter_status::ALL.len());
        assert_eq!(names.len(), cookie_charter_status::ALL.len());
        assert!(!cookie_charter_status_name(7).is_null());
        assert!(cookie_charter_status_name(99).is_null());
    }

    #[test]
    fn messages_keep_their_nuls_visible() {
        assert_eq!(c_string("a\0b").to_str(), Ok("a\\0b"));
    }
}
