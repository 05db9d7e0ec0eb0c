//! The segments after the core one: disclosed vendors, allowed vendors and publisher TC.

use super::bits::{BitReader, IdBits};
use super::error::{TcError, TcErrorKind};

/// The type of a segment after the core one (its first 3 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SegmentType {
    /// Segment type 1: the vendors disclosed to the user.
    DisclosedVendors,
    /// Segment type 2: the vendors the publisher allows.
    AllowedVendors,
    /// Segment type 3: the publisher's own purposes.
    PublisherTc,
}

impl SegmentType {
    /// Reads the 3-bit SegmentType; types other than 1, 2 and 3 are `invalid_segment`.
    #[inline]
    pub(crate) fn read(reader: &mut BitReader<'_>) -> Result<Self, TcError> {
        const FIELD: &str = "segment_type";
        let code = reader.read_u8(3, FIELD)?;
        match code {
            1 => Ok(Self::DisclosedVendors),
            2 => Ok(Self::AllowedVendors),
            3 => Ok(Self::PublisherTc),
            _ => Err(reader
                .error_at(TcErrorKind::InvalidSegment, FIELD, 0)
                .with_value(u64::from(code))),
        }
    }

    /// The code of the type in the string.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::DisclosedVendors => 1,
            Self::AllowedVendors => 2,
            Self::PublisherTc => 3,
        }
    }

    /// The name of the segment, as the JSON and the errors write it.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Self::DisclosedVendors => "disclosed_vendors",
            Self::AllowedVendors => "allowed_vendors",
            Self::PublisherTc => "publisher_tc",
        }
    }
}

/// The publisher TC segment: the publisher's own purposes and custom purposes.
///
/// # Examples
///
/// ```
/// use cookie_charter::tcf::PublisherTc;
///
/// // Purpose 1 has consent; two custom purposes, the first with consent, the second with
/// // legitimate interest.
/// let publisher = PublisherTc::decode("cAAAAAAAAUgA")?;
/// assert!(publisher.purpose_consent(1) && !publisher.purpose_consent(2));
/// assert_eq!(publisher.purpose_consents().collect::<Vec<_>>(), [1]);
/// assert!(!publisher.purpose_legitimate_interest(1));
/// assert_eq!(publisher.purpose_legitimate_interests().count(), 0);
/// assert_eq!(publisher.num_custom_purposes(), 2);
/// assert!(publisher.custom_purpose_consent(1) && !publisher.custom_purpose_consent(2));
/// assert_eq!(publisher.custom_purpose_consents().collect::<Vec<_>>(), [1]);
/// assert!(publisher.custom_purpose_legitimate_interest(2));
/// assert_eq!(publisher.custom_purpose_legitimate_interests().collect::<Vec<_>>(), [2]);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PublisherTc {
    pub(crate) purpose_consents: IdBits,
    pub(crate) purpose_legitimate_interests: IdBits,
    pub(crate) custom_purpose_consents: IdBits,
    pub(crate) custom_purpose_legitimate_interests: IdBits,
}

impl PublisherTc {
    /// Decodes a publisher TC segment alone (segment type 3; the base64url text after a `.`).
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::tcf::PublisherTc;
    ///
    /// let publisher = PublisherTc::decode("f3gAH7AAAAAA")?;
    /// assert_eq!(publisher.purpose_consents().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7, 8, 9, 10]);
    /// // A segment of another type (here disclosed vendors) is refused.
    /// assert!(PublisherTc::decode("IDKQA4AAgAKAGQAygAAA").is_err());
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn decode(segment: &str) -> Result<Self, TcError> {
        super::check_segment(segment)?;
        let mut reader = BitReader::new(segment.as_bytes(), 0);
        match SegmentType::read(&mut reader)? {
            SegmentType::PublisherTc => Self::read(&mut reader),
            other => Err(reader
                .error_at(TcErrorKind::InvalidSegment, "segment_type", 0)
                .with_value(u64::from(other.code()))),
        }
    }

    /// Whether publisher purpose `id` (1 to 24) has consent.
    pub fn purpose_consent(&self, id: u8) -> bool {
        self.purpose_consents.get(id)
    }

    /// Whether publisher purpose `id` (1 to 24) is under legitimate interest.
    pub fn purpose_legitimate_interest(&self, id: u8) -> bool {
        self.purpose_legitimate_interests.get(id)
    }

    /// The ids of the publisher purposes with consent, ascending.
    pub fn purpose_consents(&self) -> impl Iterator<Item = u8> {
        self.purpose_consents.iter()
    }

    /// The ids of the publisher purposes under legitimate interest, ascending.
    pub fn purpose_legitimate_interests(&self) -> impl Iterator<Item = u8> {
        self.purpose_legitimate_interests.iter()
    }

    /// The number of custom purposes (0 to 63).
    pub fn num_custom_purposes(&self) -> u8 {
        self.custom_purpose_consents.width()
    }

    /// Whether custom purpose `id` (1 to [`num_custom_purposes`](Self::num_custom_purposes))
    /// has consent.
    pub fn custom_purpose_consent(&self, id: u8) -> bool {
        self.custom_purpose_consents.get(id)
    }

    /// Whether custom purpose `id` is under legitimate interest.
    pub fn custom_purpose_legitimate_interest(&self, id: u8) -> bool {
        self.custom_purpose_legitimate_interests.get(id)
    }

    /// The ids of the custom purposes with consent, ascending.
    pub fn custom_purpose_consents(&self) -> impl Iterator<Item = u8> {
        self.custom_purpose_consents.iter()
    }

    /// The ids of the custom purposes under legitimate interest, ascending.
    pub fn custom_purpose_legitimate_interests(&self) -> impl Iterator<Item = u8> {
        self.custom_purpose_legitimate_interests.iter()
    }

    /// Reads the fields after the segment type.
    #[inline]
    pub(crate) fn read(reader: &mut BitReader<'_>) -> Result<Self, TcError> {
        let purpose_consents = reader.read_flags(24, "purpose_consents")?;
        let purpose_legitimate_interests = reader.read_flags(24, "purpose_legitimate_interests")?;
        let custom = reader.read_u8(6, "num_custom_purposes")?;
        Ok(Self {
            purpose_consents,
            purpose_legitimate_interests,
            custom_purpose_consents: reader.read_flags(custom, "custom_purpose_consents")?,
            custom_purpose_legitimate_interests: reader
                .read_flags(custom, "custom_purpose_legitimate_interests")?,
        })
    }
}
