//! Errors returned by the calls that can fail: loading a policy and building values strictly.
//!
//! Every error carries a stable [`ErrorKind::code`] that every binding reports unchanged, the
//! field it is about, and where it is in the policy file when it comes from one.

use std::fmt;

/// The stable kinds of error. Their [`code`](ErrorKind::code) strings never change meaning.
///
/// # Examples
///
/// ```
/// use cookie_charter::{ErrorKind, Policy};
///
/// let error = Policy::from_toml("[site]\nname = 1\n").unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::InvalidType);
/// assert_eq!(ErrorKind::InvalidType.code(), "invalid_type");
/// assert_eq!(ErrorKind::DuplicateCookie.to_string(), "duplicate_cookie");
/// assert!(ErrorKind::ALL.contains(&ErrorKind::InvalidTcString));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file is not valid TOML or JSON.
    Syntax,
    /// The file is larger than [`limits::MAX_POLICY_BYTES`](crate::limits::MAX_POLICY_BYTES).
    TooLarge,
    /// More declarations than [`limits::MAX_COOKIES`](crate::limits::MAX_COOKIES) or another count limit.
    TooMany,
    /// Nesting deeper than the document allows.
    TooDeep,
    /// A field the format does not know.
    UnknownField,
    /// A required field is absent.
    MissingField,
    /// A field has the wrong type (a string where a table is expected...).
    InvalidType,
    /// A field has a value outside what it accepts.
    InvalidValue,
    /// A cookie names a purpose the policy does not declare.
    UnknownPurpose,
    /// Two declarations have the same cookie name.
    DuplicateCookie,
    /// A cookie name or pattern is not a valid token, or a pattern has more than one `*`.
    InvalidName,
    /// Two patterns of equal specificity can match the same name.
    AmbiguousPatterns,
    /// `anonymous` is set on a cookie whose purpose is not `statistics`.
    AnonymousNotStatistics,
    /// A lifetime such as `13 months` could not be read.
    InvalidLifetime,
    /// A label is missing for one of the policy's languages.
    MissingLabel,
    /// A purpose id does not match `[a-z][a-z0-9_-]{0,31}`.
    InvalidPurposeId,
    /// The site URL or a cookie domain is not usable.
    InvalidDomain,
    /// A consent value given strictly (not a cookie) is invalid.
    InvalidConsent,
    /// An argument given to a call is invalid (used by the bindings too).
    InvalidArgument,
    /// An internal failure was caught at a binding boundary.
    Panic,
    /// An IAB TCF TC string could not be decoded (the message starts with the
    /// [`TcError`](crate::TcError) code).
    InvalidTcString,
    /// A consent source names a banner whose consent a server cannot read (it keeps it in the
    /// browser's storage, or encrypted): Usercentrics, Termly, Osano.
    UnreadableConsentSource,
    /// A consent source maps no key to a purpose that needs consent: that purpose could never
    /// be granted while the source decides.
    UnmappedPurpose,
    /// A consent source maps the same key of the banner to two purposes.
    DuplicateConsentKey,
}

impl ErrorKind {
    /// The stable identifier of this kind, the same in every language.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::TooLarge => "too_large",
            Self::TooMany => "too_many",
            Self::TooDeep => "too_deep",
            Self::UnknownField => "unknown_field",
            Self::MissingField => "missing_field",
            Self::InvalidType => "invalid_type",
            Self::InvalidValue => "invalid_value",
            Self::UnknownPurpose => "unknown_purpose",
            Self::DuplicateCookie => "duplicate_cookie",
            Self::InvalidName => "invalid_name",
            Self::AmbiguousPatterns => "ambiguous_patterns",
            Self::AnonymousNotStatistics => "anonymous_not_statistics",
            Self::InvalidLifetime => "invalid_lifetime",
            Self::MissingLabel => "missing_label",
            Self::InvalidPurposeId => "invalid_purpose_id",
            Self::InvalidDomain => "invalid_domain",
            Self::InvalidConsent => "invalid_consent",
            Self::InvalidArgument => "invalid_argument",
            Self::Panic => "panic",
            Self::InvalidTcString => "invalid_tc_string",
            Self::UnreadableConsentSource => "unreadable_consent_source",
            Self::UnmappedPurpose => "unmapped_purpose",
            Self::DuplicateConsentKey => "duplicate_consent_key",
        }
    }

    /// Every kind, in a stable order (for documentation and bindings).
    pub const ALL: [ErrorKind; 24] = [
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
    ];
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A position in a policy file: 1-based line and column (in characters).
///
/// # Examples
///
/// ```
/// use cookie_charter::Location;
///
/// let source = "[site]\nnamé = 1";
/// let location = Location::of_offset(source, source.find('=').unwrap());
/// assert_eq!(location, Location { line: 2, column: 6 }); // `é` is one character
/// assert_eq!(location.to_string(), "line 2, column 6");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source` (clamped to the text).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::Location;
    ///
    /// assert_eq!(Location::of_offset("a\nbc", 3), Location { line: 2, column: 2 });
    /// // Clamped to the text.
    /// assert_eq!(Location::of_offset("a\nbc", 99), Location { line: 2, column: 3 });
    /// ```
    pub fn of_offset(source: &str, offset: usize) -> Self {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = source.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).unwrap_or_default().chars().count() + 1;
        Self { line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

/// An error from loading a policy or from a strict constructor.
///
/// Displayed as `line L, column C: field: message`, lowercase, user input in backticks.
///
/// # Examples
///
/// ```
/// use cookie_charter::{ErrorKind, Location, Policy};
///
/// let error = Policy::from_toml(r#"
/// [site]
/// name = "Example"
/// url = "https://www.example.com"
/// consent_cookie = "consent"
/// revision = 0
/// "#).unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::InvalidValue);
/// assert_eq!(error.code(), "invalid_value");
/// assert_eq!(error.field(), Some("site.revision"));
/// assert_eq!(error.location().map(|l| l.line), Some(6));
/// assert!(error.to_string().starts_with("line 6, column "));
/// assert!(error.to_string().ends_with(error.message()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    field: Option<String>,
    location: Option<Location>,
    message: String,
}

impl Error {
    /// A new error of `kind` saying `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{Error, ErrorKind, Location};
    ///
    /// let error = Error::new(ErrorKind::InvalidArgument, "`now` is in the future")
    ///     .with_field("now")
    ///     .with_location(Location { line: 1, column: 5 });
    /// assert_eq!(error.kind(), ErrorKind::InvalidArgument);
    /// assert_eq!(error.message(), "`now` is in the future");
    /// assert_eq!(error.field(), Some("now"));
    /// assert_eq!(error.location(), Some(Location { line: 1, column: 5 }));
    /// assert_eq!(error.to_string(), "line 1, column 5: now: `now` is in the future");
    /// ```
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            field: None,
            location: None,
            message: message.into(),
        }
    }

    /// The same error about `field` (a dotted path such as `cookies[2].purpose`).
    #[must_use]
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same error at `location`.
    #[must_use]
    pub fn with_location(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The stable code of the kind, as every binding reports it.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// The field the error is about, if any.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// Where in the policy file the error is, if it comes from one.
    pub fn location(&self) -> Option<Location> {
        self.location
    }

    /// The message alone, without location or field.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(location) = self.location {
            write!(f, "{location}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl From<crate::TcError> for Error {
    /// An [`ErrorKind::InvalidTcString`] error whose message is the TC error's, which starts
    /// with its code (such as `truncated`) and names the segment, the field and the bit.
    fn from(error: crate::TcError) -> Self {
        Self::new(ErrorKind::InvalidTcString, error.to_string())
    }
}

/// The result type of fallible calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let text = "a\nbé c\nd";
        assert_eq!(
            Location::of_offset(text, 0),
            Location { line: 1, column: 1 }
        );
        let c = text.find('c').unwrap_or_default();
        assert_eq!(
            Location::of_offset(text, c),
            Location { line: 2, column: 4 }
        );
        assert_eq!(
            Location::of_offset(text, 999),
            Location { line: 3, column: 2 }
        );
    }

    #[test]
    fn display_puts_location_then_field() {
        let e = Error::new(ErrorKind::UnknownPurpose, "unknown purpose `ads`")
            .with_field("cookies[0].purpose")
            .with_location(Location {
                line: 3,
                column: 11,
            });
        assert_eq!(
            e.to_string(),
            "line 3, column 11: cookies[0].purpose: unknown purpose `ads`"
        );
        assert_eq!(e.code(), "unknown_purpose");
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
    }
}
