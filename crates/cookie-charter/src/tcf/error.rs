//! The typed errors of TC-string decoding: a stable code, and where in the string it happened.

use std::fmt;

use super::CoreSegment;

/// The stable kinds of TC-string error. Their [`code`](TcErrorKind::code) strings never change.
///
/// # Examples
///
/// ```
/// use cookie_charter::{TcErrorKind, TcString};
///
/// assert_eq!(TcString::decode("").unwrap_err().kind(), TcErrorKind::Empty);
/// assert_eq!(TcErrorKind::LegitimateInterestNotAllowed.code(), "legitimate_interest_not_allowed");
/// assert_eq!(TcErrorKind::ALL.len(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TcErrorKind {
    /// The string is empty.
    Empty,
    /// The string is longer than [`limits::MAX_TC_STRING_BYTES`](crate::limits::MAX_TC_STRING_BYTES).
    TooLarge,
    /// A byte is neither a base64url character nor the `.` between segments.
    InvalidBase64,
    /// A field goes past the end of its segment.
    Truncated,
    /// The core segment's version is not 2 (version 1 is the retired TCF v1.1).
    UnsupportedVersion,
    /// A segment after the core one has an unknown segment type.
    InvalidSegment,
    /// Two segments have the same segment type.
    DuplicateSegment,
    /// A field holds a value the format does not allow (a letter above `Z`, restriction type 3).
    InvalidField,
    /// A vendor id or range starts at 0, ends before it starts, or goes beyond the maximum id.
    InvalidVendorRange,
    /// Under policy version 4 or later (TCF v2.2), legitimate interest is set for purpose 3 to 6.
    LegitimateInterestNotAllowed,
}

impl TcErrorKind {
    /// Every kind, in a stable order.
    pub const ALL: [TcErrorKind; 10] = [
        Self::Empty,
        Self::TooLarge,
        Self::InvalidBase64,
        Self::Truncated,
        Self::UnsupportedVersion,
        Self::InvalidSegment,
        Self::DuplicateSegment,
        Self::InvalidField,
        Self::InvalidVendorRange,
        Self::LegitimateInterestNotAllowed,
    ];

    /// The stable snake_case identifier of this kind, the same in every language.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge => "too_large",
            Self::InvalidBase64 => "invalid_base64",
            Self::Truncated => "truncated",
            Self::UnsupportedVersion => "unsupported_version",
            Self::InvalidSegment => "invalid_segment",
            Self::DuplicateSegment => "duplicate_segment",
            Self::InvalidField => "invalid_field",
            Self::InvalidVendorRange => "invalid_vendor_range",
            Self::LegitimateInterestNotAllowed => "legitimate_interest_not_allowed",
        }
    }
}

impl fmt::Display for TcErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a TC string could not be decoded, and where.
///
/// Displayed as one lowercase sentence that starts with the [`code`](TcError::code), for example
/// ``truncated: segment 0 ends at bit 2040 while reading `vendor_legitimate_interests` at bit 1170``.
///
/// Boxed, so that a decoding result is as small as the value it carries.
///
/// # Examples
///
/// ```
/// use cookie_charter::{TcErrorKind, TcString};
///
/// // Policy version 4 (TCF v2.2) forbids legitimate interest for purposes 3 to 6.
/// let error = TcString::decode("COvwooAOvwooAB7ABCENAPEYAIAAACAAAIqIAAoAAoAA.QAAo.IAAo").unwrap_err();
/// assert_eq!(error.kind(), TcErrorKind::LegitimateInterestNotAllowed);
/// assert_eq!(error.code(), "legitimate_interest_not_allowed");
/// assert_eq!(error.segment(), 0);
/// assert_eq!(error.field(), "purpose_legitimate_interests");
/// assert_eq!(error.value(), Some(3));
/// assert!(error.bit() >= 176);
/// assert_eq!(error.position(), None);
/// // The fields read before the error are there.
/// assert_eq!(error.partial().map(|core| core.policy_version()), Some(4));
///
/// let bad_byte = TcString::decode("CO+").unwrap_err();
/// assert_eq!(bad_byte.position(), Some(2));
/// assert!(bad_byte.partial().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcError(Box<Details>);

/// What a [`TcError`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    kind: TcErrorKind,
    segment: usize,
    field: &'static str,
    bit: usize,
    segment_bits: usize,
    value: Option<u64>,
    position: Option<usize>,
    partial: Option<CoreSegment<'static>>,
}

impl TcError {
    /// A new error of `kind` in `segment`, reading `field` at `bit`.
    #[cold]
    pub(crate) fn new(kind: TcErrorKind, segment: usize, field: &'static str, bit: usize) -> Self {
        Self(Box::new(Details {
            kind,
            segment,
            field,
            bit,
            segment_bits: 0,
            value: None,
            position: None,
            partial: None,
        }))
    }

    /// The same error with the offending value.
    #[must_use]
    pub(crate) fn with_value(mut self, value: u64) -> Self {
        self.0.value = Some(value);
        self
    }

    /// The same error at byte `position` of the whole string.
    #[must_use]
    pub(crate) fn with_position(mut self, position: usize) -> Self {
        self.0.position = Some(position);
        self
    }

    /// The same error, noting the length in bits of the segment it happened in.
    #[must_use]
    pub(crate) fn with_segment_bits(mut self, bits: usize) -> Self {
        self.0.segment_bits = bits;
        self
    }

    /// The same error carrying the core segment as far as it was decoded.
    #[must_use]
    pub(crate) fn with_partial(mut self, core: CoreSegment<'static>) -> Self {
        self.0.partial = Some(core);
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> TcErrorKind {
        self.0.kind
    }

    /// The stable code of the kind (`truncated`, `invalid_base64`...).
    pub fn code(&self) -> &'static str {
        self.0.kind.code()
    }

    /// The index of the `.`-separated segment the error is in (0 is the core segment).
    pub fn segment(&self) -> usize {
        self.0.segment
    }

    /// The field being read, such as `vendor_legitimate_interests` (empty for `empty` and
    /// `too_large`, which are about the whole string).
    pub fn field(&self) -> &'static str {
        self.0.field
    }

    /// The bit offset in the segment where the failing field starts (for
    /// `legitimate_interest_not_allowed`, the offending bit).
    pub fn bit(&self) -> usize {
        self.0.bit
    }

    /// The offending value: the version, segment type, letter, restriction type, vendor id, the
    /// purpose id of `legitimate_interest_not_allowed` or the length of a `too_large` string.
    pub fn value(&self) -> Option<u64> {
        self.0.value
    }

    /// For `invalid_base64`, the byte position of the offending byte in the whole string.
    pub fn position(&self) -> Option<usize> {
        self.0.position
    }

    /// The core segment as far as it was decoded before the error.
    ///
    /// The fields read before [`field`](TcError::field) hold their decoded values; the failing
    /// field and every later one are zero or empty. When the error is in a later segment, the
    /// core segment is complete. `None` when decoding stopped before the core segment's version
    /// was read as 2 (or for `empty`, `too_large` and `invalid_base64`).
    ///
    /// The error owns a copy of the core segment's text, so the vendor sets read before the
    /// failing field work as in a decoded string.
    pub fn partial(&self) -> Option<&CoreSegment<'static>> {
        self.0.partial.as_ref()
    }
}

impl fmt::Display for TcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.code();
        let Details {
            kind,
            segment,
            field,
            bit,
            segment_bits,
            value,
            position,
            ..
        } = *self.0;
        let value = value.unwrap_or_default();
        match kind {
            TcErrorKind::Empty => write!(f, "{code}: the TC string is empty"),
            TcErrorKind::TooLarge => write!(
                f,
                "{code}: the TC string is {value} bytes, more than the limit of {}",
                crate::limits::MAX_TC_STRING_BYTES
            ),
            TcErrorKind::InvalidBase64 => write!(
                f,
                "{code}: byte {} (segment {segment}) is not a base64url character",
                position.unwrap_or_default()
            ),
            TcErrorKind::Truncated => write!(
                f,
                "{code}: segment {segment} ends at bit {segment_bits} while reading `{field}` at \
                 bit {bit}"
            ),
            TcErrorKind::LegitimateInterestNotAllowed => write!(
                f,
                "{code}: segment {segment}, `{field}` at bit {bit}: legitimate interest for \
                 purpose {value} is not allowed since policy version 4"
            ),
            _ => write!(
                f,
                "{code}: segment {segment}, `{field}` at bit {bit}: value {value} is not allowed"
            ),
        }
    }
}

impl std::error::Error for TcError {}
