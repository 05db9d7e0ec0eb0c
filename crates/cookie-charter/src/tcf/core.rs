//! The core segment: the CMP's metadata, the purposes, the vendors and the publisher
//! restrictions.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use super::bits::{BitReader, IdBits, sextet_bits};
use super::error::{TcError, TcErrorKind};
use super::vendors::{self, Section, VendorEncoding, VendorSet};

/// The first policy version of TCF v2.2, which removed legitimate interest for purposes 3 to 6.
pub const TCF_V2_2_POLICY_VERSION: u8 = 4;

/// The bits of the fixed-width fields before the vendor sections (Version to
/// PublisherCC), and the characters that hold them.
const HEADER_BITS: usize = 213;
const HEADER_CHARS: usize = 36;

/// The purposes that cannot rest on legitimate interest since TCF v2.2.
const NO_LEGITIMATE_INTEREST: [u8; 4] = [3, 4, 5, 6];

/// The decoded core segment of a TC string.
///
/// The scalar fields are decoded; the vendor sections and publisher restrictions are validated
/// and located, and read from the text (which it borrows, or owns after
/// [`into_owned`](CoreSegment::into_owned)) when asked for.
#[derive(Debug, Clone, Default)]
pub struct CoreSegment<'a> {
    /// The text the sections are in: the whole TC string (or the core segment alone).
    pub(crate) text: Cow<'a, str>,
    pub(crate) fields: CoreFields,
}

/// The decoded fields of a core segment, and where its vendor sections and publisher
/// restrictions are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CoreFields {
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
    pub(crate) vendor_consents: Section,
    pub(crate) vendor_legitimate_interests: Section,
    /// The bit of the first publisher restriction, and how many there are.
    pub(crate) restrictions_start: u32,
    pub(crate) restrictions: u16,
    /// The length of the core segment in bytes.
    pub(crate) core_len: u32,
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

/// A publisher restriction: for [`purpose`](Self::purpose), what
/// [`restriction_type`](Self::restriction_type) requires of [`vendors`](Self::vendors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublisherRestriction<'t> {
    purpose: u8,
    restriction_type: RestrictionType,
    vendors: VendorSet<'t>,
}

impl<'t> PublisherRestriction<'t> {
    /// The purpose id.
    pub fn purpose(&self) -> u8 {
        self.purpose
    }

    /// What is required.
    pub fn restriction_type(&self) -> RestrictionType {
        self.restriction_type
    }

    /// The vendors it applies to (range-encoded; `max_vendor_id` is the largest id, or 0).
    pub fn vendors(&self) -> VendorSet<'t> {
        self.vendors
    }
}

/// The publisher restrictions of a core segment, in the order of the string: each is re-read
/// from the text (validated when the string was decoded) as the iterator reaches it.
#[derive(Debug, Clone)]
pub struct PublisherRestrictions<'t> {
    text: &'t [u8],
    reader: BitReader<'t>,
    left: u16,
}

impl PublisherRestrictions<'_> {
    /// The number of restrictions left.
    pub fn len(&self) -> usize {
        usize::from(self.left)
    }

    /// Whether no restriction is left.
    pub fn is_empty(&self) -> bool {
        self.left == 0
    }
}

impl<'t> Iterator for PublisherRestrictions<'t> {
    type Item = PublisherRestriction<'t>;

    fn next(&mut self) -> Option<PublisherRestriction<'t>> {
        self.left = self.left.checked_sub(1)?;
        let purpose = self.reader.read_u8(6, "").ok()?;
        let code = self.reader.read_u8(2, "").ok()?;
        let restriction_type = RestrictionType::from_code(code)?;
        let (start, entries, largest) = vendors::read_ranges(&mut self.reader, "", None).ok()?;
        let section = Section {
            offset: 0,
            start,
            max_vendor_id: largest,
            entries,
            encoding: VendorEncoding::Range,
        };
        Some(PublisherRestriction {
            purpose,
            restriction_type,
            vendors: VendorSet::new(self.text, section),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.len(), Some(self.len()))
    }
}

impl ExactSizeIterator for PublisherRestrictions<'_> {}

/// Reads the two letters of a language or country code as text.
fn letters(code: &[u8; 2]) -> &str {
    std::str::from_utf8(code).unwrap_or_default()
}

impl<'a> CoreSegment<'a> {
    /// Decodes a core segment alone (the base64url text before the first `.`), borrowing it.
    pub fn decode(segment: &'a str) -> Result<Self, TcError> {
        super::check_segment(segment)?;
        let fields = CoreFields::read(segment.as_bytes())?;
        Ok(Self {
            text: Cow::Borrowed(segment),
            fields,
        })
    }

    /// The same segment owning its text.
    pub fn into_owned(self) -> CoreSegment<'static> {
        CoreSegment {
            text: Cow::Owned(self.text.into_owned()),
            fields: self.fields,
        }
    }

    /// A copy that owns the core segment's text alone, for [`TcError::partial`].
    #[cold]
    pub(crate) fn partial(&self) -> CoreSegment<'static> {
        let core = self.text.get(..self.fields.core_len as usize);
        CoreSegment {
            text: Cow::Owned(core.unwrap_or_default().to_owned()),
            fields: self.fields,
        }
    }

    /// The view of a section of the text.
    #[inline]
    fn vendor_set(&self, section: Section) -> VendorSet<'_> {
        VendorSet::new(self.text.as_bytes(), section)
    }

    /// The version: always 2.
    pub fn version(&self) -> u8 {
        self.fields.version
    }

    /// When the string was created, in deciseconds since the Unix epoch.
    pub fn created(&self) -> u64 {
        self.fields.created
    }

    /// When the string was last updated, in deciseconds since the Unix epoch.
    pub fn last_updated(&self) -> u64 {
        self.fields.last_updated
    }

    /// When the string was created, in whole seconds since the Unix epoch.
    pub fn created_unix(&self) -> u64 {
        self.fields.created / 10
    }

    /// When the string was last updated, in whole seconds since the Unix epoch.
    pub fn last_updated_unix(&self) -> u64 {
        self.fields.last_updated / 10
    }

    /// The id of the consent management platform.
    pub fn cmp_id(&self) -> u16 {
        self.fields.cmp_id
    }

    /// The version of the consent management platform.
    pub fn cmp_version(&self) -> u16 {
        self.fields.cmp_version
    }

    /// The screen of the CMP on which consent was given.
    pub fn consent_screen(&self) -> u8 {
        self.fields.consent_screen
    }

    /// The two-letter language of the CMP's texts (`EN`, `FR`...).
    pub fn consent_language(&self) -> &str {
        letters(&self.fields.consent_language)
    }

    /// The version of the Global Vendor List.
    pub fn vendor_list_version(&self) -> u16 {
        self.fields.vendor_list_version
    }

    /// The TCF policy version (4 and later are TCF v2.2).
    pub fn policy_version(&self) -> u8 {
        self.fields.policy_version
    }

    /// Whether the choices apply to this service only.
    pub fn is_service_specific(&self) -> bool {
        self.fields.is_service_specific
    }

    /// Whether the CMP used non-standard texts (`useNonStandardStacks` in older texts).
    pub fn use_non_standard_texts(&self) -> bool {
        self.fields.use_non_standard_texts
    }

    /// Whether special feature `id` (1 to 12) is opted in.
    pub fn special_feature_opt_in(&self, id: u8) -> bool {
        self.fields.special_feature_opt_ins.get(id)
    }

    /// Whether purpose `id` (1 to 24) has consent.
    pub fn purpose_consent(&self, id: u8) -> bool {
        self.fields.purpose_consents.get(id)
    }

    /// Whether purpose `id` (1 to 24) is transparently disclosed under legitimate interest.
    pub fn purpose_legitimate_interest(&self, id: u8) -> bool {
        self.fields.purpose_legitimate_interests.get(id)
    }

    /// The ids of the special features opted in, ascending.
    pub fn special_feature_opt_ins(&self) -> impl Iterator<Item = u8> {
        self.fields.special_feature_opt_ins.iter()
    }

    /// The ids of the purposes with consent, ascending.
    pub fn purpose_consents(&self) -> impl Iterator<Item = u8> {
        self.fields.purpose_consents.iter()
    }

    /// The ids of the purposes under legitimate interest, ascending.
    pub fn purpose_legitimate_interests(&self) -> impl Iterator<Item = u8> {
        self.fields.purpose_legitimate_interests.iter()
    }

    /// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
    pub fn purpose_one_treatment(&self) -> bool {
        self.fields.purpose_one_treatment
    }

    /// The publisher's two-letter country code (`FR`...).
    pub fn publisher_country_code(&self) -> &str {
        letters(&self.fields.publisher_country_code)
    }

    /// The vendors with consent.
    pub fn vendor_consents(&self) -> VendorSet<'_> {
        self.vendor_set(self.fields.vendor_consents)
    }

    /// The vendors under legitimate interest.
    pub fn vendor_legitimate_interests(&self) -> VendorSet<'_> {
        self.vendor_set(self.fields.vendor_legitimate_interests)
    }

    /// The publisher restrictions, in the order of the string.
    pub fn publisher_restrictions(&self) -> PublisherRestrictions<'_> {
        let text = self.text.as_bytes();
        let core = text
            .get(..self.fields.core_len as usize)
            .unwrap_or_default();
        PublisherRestrictions {
            text: core,
            reader: BitReader::at(core, 0, self.fields.restrictions_start as usize),
            left: self.fields.restrictions,
        }
    }
}

impl PartialEq for CoreSegment<'_> {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.fields, &other.fields);
        a.scalars() == b.scalars()
            && self.vendor_consents() == other.vendor_consents()
            && self.vendor_legitimate_interests() == other.vendor_legitimate_interests()
            && self
                .publisher_restrictions()
                .eq(other.publisher_restrictions())
    }
}

impl Eq for CoreSegment<'_> {}

impl Hash for CoreSegment<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.fields.scalars().hash(state);
        self.vendor_consents().hash(state);
        self.vendor_legitimate_interests().hash(state);
        for restriction in self.publisher_restrictions() {
            restriction.hash(state);
        }
    }
}

/// The scalar fields of a core segment, to compare and hash.
type Scalars = (
    (u8, u64, u64, u16, u16, u8, [u8; 2], u16, u8, bool, bool),
    (IdBits, IdBits, IdBits, bool, [u8; 2]),
);

impl CoreFields {
    /// The scalar fields.
    fn scalars(&self) -> Scalars {
        (
            (
                self.version,
                self.created,
                self.last_updated,
                self.cmp_id,
                self.cmp_version,
                self.consent_screen,
                self.consent_language,
                self.vendor_list_version,
                self.policy_version,
                self.is_service_specific,
                self.use_non_standard_texts,
            ),
            (
                self.special_feature_opt_ins,
                self.purpose_consents,
                self.purpose_legitimate_interests,
                self.purpose_one_treatment,
                self.publisher_country_code,
            ),
        )
    }

    /// Reads the core segment `text`; on failure, the error carries what was read (see
    /// [`TcError::partial`]) once the version has been read as 2.
    #[inline]
    pub(crate) fn read(text: &[u8]) -> Result<Self, TcError> {
        let core_len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        let (mut core, mut reader) = match Self::read_header_fast(text) {
            Some(core) => (core, BitReader::at(text, 0, HEADER_BITS)),
            None => {
                let mut reader = BitReader::new(text, 0);
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
                if let Err(error) = core.read_header(&mut reader) {
                    return Err(error.with_partial(Self::partial(text, core)));
                }
                (core, reader)
            }
        };
        core.core_len = core_len;
        match core.read_sections(&mut reader) {
            Ok(()) => Ok(core),
            Err(error) => Err(error.with_partial(Self::partial(text, core))),
        }
    }

    /// The core segment as far as it was read, owning a copy of its text.
    #[cold]
    fn partial(text: &[u8], mut core: Self) -> CoreSegment<'static> {
        core.core_len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        CoreSegment {
            text: Cow::Owned(String::from_utf8_lossy(text).into_owned()),
            fields: core,
        }
    }

    /// Reads the fixed-width fields before the vendor sections at once from the first
    /// [`HEADER_CHARS`] characters, unpacked into four words on the stack; `None` when the
    /// segment is shorter or any of those fields is not allowed (then [`read_header`] reads
    /// them one by one and says which, and where).
    ///
    /// [`read_header`]: Self::read_header
    #[inline]
    fn read_header_fast(text: &[u8]) -> Option<Self> {
        let head: &[u8; HEADER_CHARS] = text.get(..HEADER_CHARS)?.try_into().ok()?;
        let mut words = [0u64; 4];
        // 32 characters are three words: four runs of 8 characters (48 bits each).
        let run = |from: usize| {
            head.iter()
                .skip(from)
                .take(8)
                .fold(0u64, |acc, &b| (acc << 6) | sextet_bits(b))
        };
        let (a, b, c, d) = (run(0), run(8), run(16), run(24));
        words[0] = (a << 16) | (b >> 32);
        words[1] = (b << 32) | (c >> 16);
        words[2] = (c << 48) | d;
        words[3] = run(32) << 40;
        let field = |pos: usize, width: u32| -> u64 {
            let (index, offset) = (pos / 64, (pos % 64) as u32);
            let first = words.get(index).copied().unwrap_or(0);
            let window = if offset == 0 {
                first
            } else {
                let second = words.get(index + 1).copied().unwrap_or(0);
                (first << offset) | (second >> (64 - offset))
            };
            window >> (64 - width)
        };
        let letter = |pos: usize| -> Option<u8> {
            let value = field(pos, 6) as u8;
            (value <= 25).then_some(b'A' + value)
        };
        let version = field(0, 6) as u8;
        let policy_version = field(132, 6) as u8;
        let li = field(176, 24) as u32;
        let no_li = (1u32 << 21) | (1 << 20) | (1 << 19) | (1 << 18);
        if version != 2 || (policy_version >= TCF_V2_2_POLICY_VERSION && li & no_li != 0) {
            return None;
        }
        Some(Self {
            version,
            created: field(6, 36),
            last_updated: field(42, 36),
            cmp_id: field(78, 12) as u16,
            cmp_version: field(90, 12) as u16,
            consent_screen: field(102, 6) as u8,
            consent_language: [letter(108)?, letter(114)?],
            vendor_list_version: field(120, 12) as u16,
            policy_version,
            is_service_specific: field(138, 1) == 1,
            use_non_standard_texts: field(139, 1) == 1,
            special_feature_opt_ins: IdBits::new(field(140, 12), 12),
            purpose_consents: IdBits::new(field(152, 24), 24),
            purpose_legitimate_interests: IdBits::new(u64::from(li), 24),
            purpose_one_treatment: field(200, 1) == 1,
            publisher_country_code: [letter(201)?, letter(207)?],
            ..Self::default()
        })
    }

    /// Reads the fixed-width fields after the version into `self`, one by one in the order of
    /// the format.
    #[cold]
    fn read_header(&mut self, reader: &mut BitReader<'_>) -> Result<(), TcError> {
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
        Ok(())
    }

    /// Reads the vendor sections and the publisher restrictions into `self`.
    #[inline]
    fn read_sections(&mut self, reader: &mut BitReader<'_>) -> Result<(), TcError> {
        self.vendor_consents = Section::read(reader, "vendor_consents")?;
        self.vendor_legitimate_interests = Section::read(reader, "vendor_legitimate_interests")?;
        let (start, count) = read_restrictions(reader)?;
        self.restrictions_start = start;
        self.restrictions = count;
        Ok(())
    }
}

/// Reads NumPubRestrictions and validates the restrictions; gives the bit of the first and
/// their number.
#[inline]
fn read_restrictions(reader: &mut BitReader<'_>) -> Result<(u32, u16), TcError> {
    const FIELD: &str = "publisher_restrictions";
    /// PurposeId, RestrictionType and NumEntries: the least one restriction takes.
    const MIN_RESTRICTION_BITS: usize = 6 + 2 + 12;
    let count = reader.read_u16(12, FIELD)?;
    reader.ensure(
        usize::from(count).saturating_mul(MIN_RESTRICTION_BITS),
        FIELD,
    )?;
    let start = vendors::position(reader);
    for _ in 0..count {
        reader.read_u8(6, FIELD)?;
        let type_start = reader.position();
        let code = reader.read_u8(2, FIELD)?;
        if RestrictionType::from_code(code).is_none() {
            return Err(reader
                .error_at(TcErrorKind::InvalidField, FIELD, type_start)
                .with_value(u64::from(code)));
        }
        vendors::read_ranges(reader, FIELD, None)?;
    }
    Ok((start, count))
}
