//! IAB TCF v2.2 TC strings: decoding the consent string a CMP stores (the `euconsent-v2` cookie
//! or the `gdpr_consent` URL parameter) into its segments.
//!
//! A TC string is base64url text without padding, in segments joined by `.`: the core segment
//! first, then optionally the disclosed-vendors, allowed-vendors and publisher-TC segments, each
//! starting with its 3-bit segment type. Decoding is strict: any deviation from the format is a
//! [`TcError`] with a stable [`code`](TcError::code), the segment, the field and the bit offset;
//! it never panics, and allocates nothing when it succeeds: a [`TcString`] borrows the text, and
//! its vendor sets and publisher restrictions are views that re-read the (validated) text.
//! [`TcString::into_owned`] gives a value that owns its text. See `docs/tcf.md` for the fields,
//! the canonical JSON of [`TcString::to_json`] and the error codes.
//!
//! ```
//! use cookie_charter::TcString;
//!
//! let tc = TcString::decode("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA")?;
//! assert_eq!(tc.core().version(), 2);
//! assert_eq!(tc.core().consent_language(), "EN");
//! assert!(tc.disclosed_vendors().is_some());
//! # Ok::<(), cookie_charter::TcError>(())
//! ```

mod bits;
mod core;
mod error;
mod json;
mod segments;
mod vendors;

#[cfg(test)]
mod tests;

pub use self::core::{
    CoreSegment, PublisherRestriction, PublisherRestrictions, RestrictionType,
    TCF_V2_2_POLICY_VERSION,
};
pub use self::error::{TcError, TcErrorKind};
pub use self::segments::PublisherTc;
pub use self::vendors::{VendorEncoding, VendorIds, VendorSet};

use std::borrow::Cow;

use self::bits::BitReader;
use self::core::CoreFields;
use self::segments::SegmentType;
use self::vendors::Section;
use crate::limits::MAX_TC_STRING_BYTES;

/// A decoded TC string: the core segment and the optional segments that follow it.
///
/// It borrows the text it was decoded from (`'a`); [`into_owned`](TcString::into_owned) gives
/// one that owns a copy. Two values are equal when they hold the same fields, vendor ids and
/// restrictions, whatever the order of the segments or the padding.
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
///
/// let text = "COvzTO5OvzTO5B7ABCENAPCYAKdAADkAAIqIFhwBAAGAAXAFGAsMAhYAgAMAAegBYAEKAAA.QE5QAwCvgHyATkA";
/// let tc = TcString::decode(text)?;
/// assert_eq!(tc.core().cmp_id(), 123);
/// assert!(tc.core().vendor_consents().contains(707));
/// assert_eq!(tc.disclosed_vendors(), None);
/// assert_eq!(tc.allowed_vendors().map(|v| v.iter().collect::<Vec<_>>()), Some(vec![351, 498, 626]));
/// assert!(tc.publisher_tc().is_none());
/// assert!(tc.to_json().starts_with("{\"version\":2,"));
/// let owned: TcString<'static> = tc.clone().into_owned();
/// assert_eq!(owned, tc);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Debug, Clone)]
pub struct TcString<'a> {
    core: CoreSegment<'a>,
    disclosed_vendors: Option<Section>,
    allowed_vendors: Option<Section>,
    publisher_tc: Option<PublisherTc>,
}

impl PartialEq for TcString<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.core == other.core
            && self.disclosed_vendors() == other.disclosed_vendors()
            && self.allowed_vendors() == other.allowed_vendors()
            && self.publisher_tc == other.publisher_tc
    }
}

impl Eq for TcString<'_> {}

impl std::hash::Hash for TcString<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.core.hash(state);
        self.disclosed_vendors().hash(state);
        self.allowed_vendors().hash(state);
        self.publisher_tc.hash(state);
    }
}

impl<'a> TcString<'a> {
    /// Decodes a TC string strictly, borrowing `text` (nothing is allocated when it decodes).
    ///
    /// On failure, [`TcError::partial`] gives the core segment as far as it was decoded.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::{TcErrorKind, TcString};
    ///
    /// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
    /// assert_eq!(tc.core().purpose_consents().collect::<Vec<_>>(), [1, 3, 4, 7]);
    /// let error = TcString::decode("CO+").unwrap_err();
    /// assert_eq!(error.kind(), TcErrorKind::InvalidBase64);
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    #[inline]
    pub fn decode(text: &'a str) -> Result<Self, TcError> {
        let dots = check_text(text)?;
        let bytes = text.as_bytes();
        let core_len = dots.end(bytes, 0, 0);
        let core_text = bytes.get(..core_len).unwrap_or_default();
        let fields = CoreFields::read(core_text)?;
        let mut later = Later::default();
        let mut offset = core_len;
        let mut index = 0;
        while offset < bytes.len() {
            offset += 1;
            index += 1;
            let end = dots.end(bytes, index, offset);
            let segment = bytes.get(offset..end).unwrap_or_default();
            if let Err(error) = later.read_segment(segment, offset, index) {
                let core = CoreSegment {
                    text: Cow::Borrowed(text),
                    fields,
                };
                return Err(error.with_partial(core.partial()));
            }
            offset = end;
        }
        // Built at the end, in place of the result.
        Ok(Self {
            core: CoreSegment {
                text: Cow::Borrowed(text),
                fields,
            },
            disclosed_vendors: later.disclosed_vendors,
            allowed_vendors: later.allowed_vendors,
            publisher_tc: later.publisher_tc,
        })
    }

    /// The same string owning a copy of its text.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let owned: TcString<'static> = {
    ///     let text = String::from("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA");
    ///     TcString::decode(&text)?.into_owned()
    /// };
    /// assert_eq!(owned.core().cmp_id(), 81);
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn into_owned(self) -> TcString<'static> {
        TcString {
            core: self.core.into_owned(),
            disclosed_vendors: self.disclosed_vendors,
            allowed_vendors: self.allowed_vendors,
            publisher_tc: self.publisher_tc,
        }
    }

    /// The core segment.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
    /// assert_eq!(tc.core().publisher_country_code(), "AA");
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn core(&self) -> &CoreSegment<'a> {
        &self.core
    }

    /// The view of a vendor section of a later segment.
    fn vendor_set(&self, section: Option<Section>) -> Option<VendorSet<'_>> {
        section.map(|section| VendorSet::new(self.core.text.as_bytes(), section))
    }

    /// The disclosed-vendors segment (type 1), if the string has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let tc = TcString::decode("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA")?;
    /// let disclosed = tc.disclosed_vendors().unwrap();
    /// assert_eq!(disclosed.iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 100, 404]);
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn disclosed_vendors(&self) -> Option<VendorSet<'_>> {
        self.vendor_set(self.disclosed_vendors)
    }

    /// The allowed-vendors segment (type 2), if the string has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let tc = TcString::decode("COvzTO5OvzTO5B7ABCENAPEYAIAAAIAAAIqIAAoAAoAA.QAAo.IAAo")?;
    /// assert!(tc.allowed_vendors().is_some_and(|v| v.contains(1)));
    /// let core_only = TcString::decode("COvzTO5OvzTO5B7ABCENAPEYAIAAAIAAAIqIAAoAAoAA")?;
    /// assert!(core_only.allowed_vendors().is_none());
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn allowed_vendors(&self) -> Option<VendorSet<'_>> {
        self.vendor_set(self.allowed_vendors)
    }

    /// The publisher TC segment (type 3), if the string has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let tc = TcString::decode("CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.YAAAAAAAAAAA")?;
    /// assert_eq!(tc.publisher_tc().map(|p| p.num_custom_purposes()), Some(0));
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn publisher_tc(&self) -> Option<&PublisherTc> {
        self.publisher_tc.as_ref()
    }

    /// Every field as canonical JSON, the shape every binding and the CLI expose (see
    /// `docs/tcf.md`): keys in a fixed order, no spaces, id sets as ascending arrays.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::TcString;
    ///
    /// let tc = TcString::decode("COvzTO5OvzTO5B7ABCENAPEYAIAAAIAAAIqIAAoAAoAA")?;
    /// let json = tc.to_json();
    /// assert!(json.starts_with("{\"version\":2,\"created\":15834362809,"));
    /// assert!(json.contains("\"purpose_consents\":[1],"));
    /// assert!(json.ends_with("\"publisher_tc\":null}"));
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn to_json(&self) -> String {
        json::tc_string(self)
    }
}

/// The segments after the core one, as they are read.
#[derive(Default)]
struct Later {
    disclosed_vendors: Option<Section>,
    allowed_vendors: Option<Section>,
    publisher_tc: Option<PublisherTc>,
}

impl Later {
    /// Reads one segment after the core one (`segment`, at byte `offset` of the text) into
    /// `self`.
    #[inline]
    fn read_segment(&mut self, segment: &[u8], offset: usize, index: usize) -> Result<(), TcError> {
        let mut reader = BitReader::new(segment, index);
        let segment_type = SegmentType::read(&mut reader)?;
        let field = segment_type.field();
        let taken = match segment_type {
            SegmentType::DisclosedVendors => self.disclosed_vendors.is_some(),
            SegmentType::AllowedVendors => self.allowed_vendors.is_some(),
            SegmentType::PublisherTc => self.publisher_tc.is_some(),
        };
        if taken {
            return Err(reader
                .error_at(TcErrorKind::DuplicateSegment, field, 0)
                .with_value(u64::from(segment_type.code())));
        }
        match segment_type {
            SegmentType::DisclosedVendors => {
                let section = Section::read(&mut reader, field)?.placed(offset);
                self.disclosed_vendors = Some(section);
            }
            SegmentType::AllowedVendors => {
                let section = Section::read(&mut reader, field)?.placed(offset);
                self.allowed_vendors = Some(section);
            }
            SegmentType::PublisherTc => {
                self.publisher_tc = Some(PublisherTc::read(&mut reader)?);
            }
        }
        Ok(())
    }
}

/// Checks the whole text before any decoding: not empty, within the size limit, and only
/// base64url characters and `.`; gives where the `.`s are, found in the same pass as the
/// alphabet.
#[inline]
fn check_text(text: &str) -> Result<bits::Dots, TcError> {
    if text.is_empty() {
        return Err(TcError::new(TcErrorKind::Empty, 0, "", 0));
    }
    if text.len() > MAX_TC_STRING_BYTES {
        return Err(TcError::new(TcErrorKind::TooLarge, 0, "", 0).with_value(text.len() as u64));
    }
    bits::scan(text.as_bytes()).map_err(|position| invalid_base64(text.as_bytes(), position))
}

/// The error for the byte at `position` of `text`, which is neither base64url nor `.`.
#[cold]
fn invalid_base64(text: &[u8], position: usize) -> TcError {
    let before = text.get(..position).unwrap_or_default();
    let segment = before.iter().filter(|&&b| b == b'.').count();
    let segment_start = before.iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
    let byte = text.get(position).copied().unwrap_or_default();
    let bit = (position - segment_start) * 6;
    TcError::new(TcErrorKind::InvalidBase64, segment, "", bit)
        .with_position(position)
        .with_value(u64::from(byte))
}

/// Checks the text of a single segment: as [`check_text`], and without `.`.
fn check_segment(segment: &str) -> Result<(), TcError> {
    if let Some(position) = check_text(segment)?.first() {
        return Err(
            TcError::new(TcErrorKind::InvalidBase64, 0, "", position * 6)
                .with_position(position)
                .with_value(u64::from(b'.')),
        );
    }
    Ok(())
}
