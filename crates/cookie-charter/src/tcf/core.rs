//! The core segment: the CMP's metadata, the purposes, the vendors and the publisher
//! restrictions.

use super::bits::{BitReader, IdBits, SegmentBits};
use super::error::{TcError, TcErrorKind};
use super::vendors::VendorSet;

/// The first policy version of TCF v2.2, which removed legitimate interest for purposes 3 to 6.
pub const TCF_V2_2_POLICY_VERSION: u8 = 4;

/// The purposes that cannot rest on legitimate interest since TCF v2.2.
const NO_LEGITIMATE_INTEREST: [u8; 4] = [3, 4, 5, 6];

/// The decoded core segment of a TC string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CoreSegment {
    pub(crate) version: u8,
    pub(crate) created: u64,
    pub(crate) last_updated: u64,
    pub(crate) cmp_id: u16,
    pub(crate) cmp_version: u16,
    pub(crate) consent_screen: u8,
    pub(crate) consent_language: [u8; 2],
    pub(crate) vendor_list_version: u16,
    pub(crate) policy_version: u8,
    pub(crate) is_service_specific: bool,
    pub(crate) use_non_standard_texts: bool,
    pub(crate) special_feature_opt_ins: IdBits,
    pub(crate) purpose_consents: IdBits,
    pub(crate) purpose_legitimate_interests: IdBits,
    pub(crate) purpose_one_treatment: bool,
    pub(crate) publisher_country_code: [u8; 2],
    pub(crate) vendor_consents: VendorSet,
    pub(crate) vendor_legitimate_interests: VendorSet,
    pub(crate) publisher_restrictions: Vec<PublisherRestriction>,
}

/// What a publisher restriction requires of the vendors it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RestrictionType {
    /// The purpose is not allowed for these vendors (code 0).
    NotAllowed,
    /// The vendors need consent for the purpose (code 1).
    RequireConsent,
    /// The vendors need legitimate interest for the purpose (code 2).
    RequireLegitimateInterest,
}

impl RestrictionType {
    /// `not_allowed`, `require_consent` or `require_legitimate_interest`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotAllowed => "not_allowed",
            Self::RequireConsent => "require_consent",
            Self::RequireLegitimateInterest => "require_legitimate_interest",
        }
    }

    /// The code of the type in the string: 0, 1 or 2.
    pub const fn code(self) -> u8 {
        match self {
            Self::NotAllowed => 0,
            Self::RequireConsent => 1,
            Self::RequireLegitimateInterest => 2,
        }
    }

    /// The type of code `code` (3, undefined, and larger codes are none).
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::NotAllowed),
            1 => Some(Self::RequireConsent),
            2 => Some(Self::RequireLegitimateInterest),
            _ => None,
        }
    }
}

/// A publisher restriction: for `purpose`, what `restriction_type` requires of `vendors`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublisherRestriction {
    /// The purpose id.
    pub purpose: u8,
    /// What is required.
    pub restriction_type: RestrictionType,
    /// The vendors it applies to (range-encoded; `max_vendor_id` is the largest id, or 0).
    pub vendors: VendorSet,
}

/// Reads the two letters of a language or country code as text.
fn letters(code: &[u8; 2]) -> &str {
    std::str::from_utf8(code).unwrap_or_default()
}

impl CoreSegment {
    /// Decodes a core segment alone (the base64url text before the first `.`).
    pub fn decode(segment: &str) -> Result<Self, TcError> {
        super::check_segment(segment)?;
        Self::read(SegmentBits::new(segment.as_bytes()).reader(0))
    }

    /// The version: always 2.
    pub fn version(&self) -> u8 {
        self.version
    }

    /// When the string was created, in deciseconds since the Unix epoch.
    pub fn created(&self) -> u64 {
        self.created
    }

    /// When the string was last updated, in deciseconds since the Unix epoch.
    pub fn last_updated(&self) -> u64 {
        self.last_updated
    }

    /// When the string was created, in whole seconds since the Unix epoch.
    pub fn created_unix(&self) -> u64 {
        self.created / 10
    }

    /// When the string was last updated, in whole seconds since the Unix epoch.
    pub fn last_updated_unix(&self) -> u64 {
        self.last_updated / 10
    }

    /// The id of the consent management platform.
    pub fn cmp_id(&self) -> u16 {
        self.cmp_id
    }

    /// The version of the consent management platform.
    pub fn cmp_version(&self) -> u16 {
        self.cmp_version
    }

    /// The screen of the CMP on which consent was given.
    pub fn consent_screen(&self) -> u8 {
        self.consent_screen
    }

    /// The two-letter language of the CMP's texts (`EN`, `FR`...).
    pub fn consent_language(&self) -> &str {
        letters(&self.consent_language)
    }

    /// The version of the Global Vendor List.
    pub fn vendor_list_version(&self) -> u16 {
        self.vendor_list_version
    }

    /// The TCF policy version (4 and later are TCF v2.2).
    pub fn policy_version(&self) -> u8 {
        self.policy_version
    }

    /// Whether the choices apply to this service only.
    pub fn is_service_specific(&self) -> bool {
        self.is_service_specific
    }

    /// Whether the CMP used non-standard texts (`useNonStandardStacks` in older texts).
    pub fn use_non_standard_texts(&self) -> bool {
        self.use_non_standard_texts
    }

    /// Whether special feature `id` (1 to 12) is opted in.
    pub fn special_feature_opt_in(&self, id: u8) -> bool {
        self.special_feature_opt_ins.get(id)
    }

    /// Whether purpose `id` (1 to 24) has consent.
    pub fn purpose_consent(&self, id: u8) -> bool {
        self.purpose_consents.get(id)
    }

    /// Whether purpose `id` (1 to 24) is transparently disclosed under legitimate interest.
    pub fn purpose_legitimate_interest(&self, id: u8) -> bool {
        self.purpose_legitimate_interests.get(id)
    }

    /// The ids of the special features opted in, ascending.
    pub fn special_feature_opt_ins(&self) -> impl Iterator<Item = u8> {
        self.special_feature_opt_ins.iter()
    }

    /// The ids of the purposes with consent, ascending.
    pub fn purpose_consents(&self) -> impl Iterator<Item = u8> {
        self.purpose_consents.iter()
    }

    /// The ids of the purposes under legitimate interest, ascending.
    pub fn purpose_legitimate_interests(&self) -> impl Iterator<Item = u8> {
        self.purpose_legitimate_interests.iter()
    }

    /// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
    pub fn purpose_one_treatment(&self) -> bool {
        self.purpose_one_treatment
    }

    /// The publisher's two-letter country code (`FR`...).
    pub fn publisher_country_code(&self) -> &str {
        letters(&self.publisher_country_code)
    }

    /// The vendors with consent.
    pub fn vendor_consents(&self) -> &VendorSet {
        &self.vendor_consents
    }

    /// The vendors under legitimate interest.
    pub fn vendor_legitimate_interests(&self) -> &VendorSet {
        &self.vendor_legitimate_interests
    }

    /// The publisher restrictions, in the order of the string.
    pub fn publisher_restrictions(&self) -> &[PublisherRestriction] {
        &self.publisher_restrictions
    }

    /// Reads the core segment; on failure, the error carries what was read (see
    /// [`TcError::partial`]) once the version has been read as 2.
    pub(crate) fn read(mut reader: BitReader<'_>) -> Result<Self, TcError> {
        let version = reader.read_u8(6, "version")?;
        if version != 2 {
            return Err(reader
                .error_at(TcErrorKind::UnsupportedVersion, "version", 0)
                .with_value(u64::from(version)));
        }
        let mut core = Self {
            version,
            ..Self::default()
        };
        match core.read_fields(&mut reader) {
            Ok(()) => Ok(core),
            Err(error) => Err(error.with_partial(core)),
        }
    }

    /// Reads every field after the version into `self`, in the order of the format.
    fn read_fields(&mut self, reader: &mut BitReader<'_>) -> Result<(), TcError> {
        self.created = reader.read(36, "created")?;
        self.last_updated = reader.read(36, "last_updated")?;
        self.cmp_id = reader.read_u16(12, "cmp_id")?;
        self.cmp_version = reader.read_u16(12, "cmp_version")?;
        self.consent_screen = reader.read_u8(6, "consent_screen")?;
        self.consent_language = reader.read_letters("consent_language")?;
        self.vendor_list_version = reader.read_u16(12, "vendor_list_version")?;
        self.policy_version = reader.read_u8(6, "policy_version")?;
        self.is_service_specific = reader.read_bool("is_service_specific")?;
        self.use_non_standard_texts = reader.read_bool("use_non_standard_texts")?;
        self.special_feature_opt_ins = reader.read_flags(12, "special_feature_opt_ins")?;
        self.purpose_consents = reader.read_flags(24, "purpose_consents")?;
        let li_start = reader.position();
        let li = reader.read_flags(24, "purpose_legitimate_interests")?;
        self.purpose_legitimate_interests = li;
        if self.policy_version >= TCF_V2_2_POLICY_VERSION {
            if let Some(&purpose) = NO_LEGITIMATE_INTEREST.iter().find(|&&id| li.get(id)) {
                let bit = li_start + usize::from(purpose) - 1;
                return Err(reader
                    .error_at(
                        TcErrorKind::LegitimateInterestNotAllowed,
                        "purpose_legitimate_interests",
                        bit,
                    )
                    .with_value(u64::from(purpose)));
            }
        }
        self.purpose_one_treatment = reader.read_bool("purpose_one_treatment")?;
        self.publisher_country_code = reader.read_letters("publisher_country_code")?;
        self.vendor_consents = VendorSet::read(reader, "vendor_consents")?;
        self.vendor_legitimate_interests = VendorSet::read(reader, "vendor_legitimate_interests")?;
        self.publisher_restrictions = read_restrictions(reader)?;
        Ok(())
    }
}

/// Reads NumPubRestrictions and the restrictions.
fn read_restrictions(reader: &mut BitReader<'_>) -> Result<Vec<PublisherRestriction>, TcError> {
    const FIELD: &str = "publisher_restrictions";
    /// PurposeId, RestrictionType and NumEntries: the least one restriction takes.
    const MIN_RESTRICTION_BITS: usize = 6 + 2 + 12;
    let count = usize::from(reader.read_u16(12, FIELD)?);
    reader.ensure(count.saturating_mul(MIN_RESTRICTION_BITS), FIELD)?;
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let purpose = reader.read_u8(6, FIELD)?;
        let type_start = reader.position();
        let code = reader.read_u8(2, FIELD)?;
        let restriction_type = RestrictionType::from_code(code).ok_or_else(|| {
            reader
                .error_at(TcErrorKind::InvalidField, FIELD, type_start)
                .with_value(u64::from(code))
        })?;
        let vendors = VendorSet::read_ranges(reader, FIELD, None)?;
        out.push(PublisherRestriction {
            purpose,
            restriction_type,
            vendors,
        });
    }
    Ok(out)
}
