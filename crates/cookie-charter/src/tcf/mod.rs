//! IAB TCF v2.2 TC strings: decoding the consent string a CMP stores (the `euconsent-v2` cookie
//! or the `gdpr_consent` URL parameter) into its segments.
//!
//! A TC string is base64url text without padding, in segments joined by `.`: the core segment
//! first, then optionally the disclosed-vendors, allowed-vendors and publisher-TC segments, each
//! starting with its 3-bit segment type. Decoding is strict: any deviation from the format is a
//! [`TcError`] with a stable [`code`](TcError::code), the segment, the field and the bit offset;
//! it never panics, and allocates at most one bitset per vendor set. See `docs/tcf.md` for the
//! fields, the canonical JSON of [`TcString::to_json`] and the error codes.
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

pub use self::core::{CoreSegment, PublisherRestriction, RestrictionType, TCF_V2_2_POLICY_VERSION};
pub use self::error::{TcError, TcErrorKind};
pub use self::segments::PublisherTc;
pub use self::vendors::{VendorEncoding, VendorSet};

use self::bits::SegmentBits;
use self::segments::SegmentType;
use crate::limits::MAX_TC_STRING_BYTES;

/// A decoded TC string: the core segment and the optional segments that follow it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TcString {
    core: CoreSegment,
    disclosed_vendors: Option<VendorSet>,
    allowed_vendors: Option<VendorSet>,
    publisher_tc: Option<PublisherTc>,
}

impl TcString {
    /// Decodes a TC string strictly.
    ///
    /// On failure, [`TcError::partial`] gives the core segment as far as it was decoded.
    pub fn decode(text: &str) -> Result<Self, TcError> {
        check_text(text)?;
        let mut segments = text.split('.').enumerate();
        let core_text = segments.next().map_or("", |(_, s)| s);
        let mut bits = SegmentBits::new(core_text.as_bytes());
        let core = CoreSegment::read(bits.reader(0))?;
        let mut tc = Self {
            core,
            disclosed_vendors: None,
            allowed_vendors: None,
            publisher_tc: None,
        };
        for (index, segment) in segments {
            bits.load(segment.as_bytes());
            if let Err(error) = tc.read_segment(&bits, index) {
                return Err(error.with_partial(tc.core));
            }
        }
        Ok(tc)
    }

    /// Reads one segment after the core one into `self`.
    fn read_segment(&mut self, bits: &SegmentBits, index: usize) -> Result<(), TcError> {
        let mut reader = bits.reader(index);
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
                self.disclosed_vendors = Some(VendorSet::read(&mut reader, field)?);
            }
            SegmentType::AllowedVendors => {
                self.allowed_vendors = Some(VendorSet::read(&mut reader, field)?);
            }
            SegmentType::PublisherTc => {
                self.publisher_tc = Some(PublisherTc::read(&mut reader)?);
            }
        }
        Ok(())
    }

    /// The core segment.
    pub fn core(&self) -> &CoreSegment {
        &self.core
    }

    /// The disclosed-vendors segment (type 1), if the string has one.
    pub fn disclosed_vendors(&self) -> Option<&VendorSet> {
        self.disclosed_vendors.as_ref()
    }

    /// The allowed-vendors segment (type 2), if the string has one.
    pub fn allowed_vendors(&self) -> Option<&VendorSet> {
        self.allowed_vendors.as_ref()
    }

    /// The publisher TC segment (type 3), if the string has one.
    pub fn publisher_tc(&self) -> Option<&PublisherTc> {
        self.publisher_tc.as_ref()
    }

    /// Every field as canonical JSON, the shape every binding and the CLI expose (see
    /// `docs/tcf.md`): keys in a fixed order, no spaces, id sets as ascending arrays.
    pub fn to_json(&self) -> String {
        json::tc_string(self)
    }
}

/// Checks the whole text before any decoding: not empty, within the size limit, and only
/// base64url characters and `.`.
fn check_text(text: &str) -> Result<(), TcError> {
    if text.is_empty() {
        return Err(TcError::new(TcErrorKind::Empty, 0, "", 0));
    }
    if text.len() > MAX_TC_STRING_BYTES {
        return Err(TcError::new(TcErrorKind::TooLarge, 0, "", 0).with_value(text.len() as u64));
    }
    if let Some(position) = bits::first_invalid(text.as_bytes()) {
        let before = text.as_bytes().get(..position).unwrap_or_default();
        let segment = before.iter().filter(|&&b| b == b'.').count();
        let segment_start = before.iter().rposition(|&b| b == b'.').map_or(0, |i| i + 1);
        let byte = text.as_bytes().get(position).copied().unwrap_or_default();
        let bit = (position - segment_start) * 6;
        return Err(TcError::new(TcErrorKind::InvalidBase64, segment, "", bit)
            .with_position(position)
            .with_value(u64::from(byte)));
    }
    Ok(())
}

/// Checks the text of a single segment: as [`check_text`], and without `.`.
fn check_segment(segment: &str) -> Result<(), TcError> {
    check_text(segment)?;
    match segment.bytes().position(|b| b == b'.') {
        Some(position) => Err(
            TcError::new(TcErrorKind::InvalidBase64, 0, "", position * 6)
                .with_position(position)
                .with_value(u64::from(b'.')),
        ),
        None => Ok(()),
    }
}
