//! The core segment: the CMP's metadata, the purposes, the vendors and the publisher
//! restrictions.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};

use super::bits::{BitReader, IdBits, Stop, run4, run8};
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
///
/// # Examples
///
/// ```
/// use cookie_charter::tcf::CoreSegment;
///
/// let core = CoreSegment::decode("COvzTO5OvzTO5B7ABCENAPCYAKdAADkAAIqIFhwBAAGAAXAFGAsMAhYAgAMAAegBYAEKAAA")?;
/// assert_eq!(core.version(), 2);
/// assert_eq!(core.created(), 15_834_362_809); // deciseconds
/// assert_eq!(core.created_unix(), 1_583_436_280);
/// assert_eq!(core.last_updated(), 15_834_362_809);
/// assert_eq!(core.last_updated_unix(), 1_583_436_280);
/// assert_eq!((core.cmp_id(), core.cmp_version(), core.consent_screen()), (123, 1, 2));
/// assert_eq!(core.consent_language(), "EN");
/// assert_eq!((core.vendor_list_version(), core.policy_version()), (15, 2));
/// assert!(!core.is_service_specific());
/// assert!(core.use_non_standard_texts());
/// assert!(core.special_feature_opt_in(1) && !core.special_feature_opt_in(2));
/// assert_eq!(core.special_feature_opt_ins().collect::<Vec<_>>(), [1]);
/// assert!(core.purpose_consent(1) && !core.purpose_consent(2));
/// assert_eq!(core.purpose_consents().collect::<Vec<_>>(), [1, 3, 6, 7, 8, 10]);
/// assert!(core.purpose_legitimate_interest(3));
/// assert_eq!(core.purpose_legitimate_interests().collect::<Vec<_>>(), [3, 4, 5, 8]);
/// assert!(core.purpose_one_treatment());
/// assert_eq!(core.publisher_country_code(), "FR");
/// assert_eq!(core.vendor_consents().iter().collect::<Vec<_>>(), [12, 23, 163, 707]);
/// assert_eq!(core.vendor_legitimate_interests().iter().collect::<Vec<_>>(), [48, 61, 88, 133]);
/// assert!(core.publisher_restrictions().is_empty());
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CoreSegment<'a> {
    /// The text the sections are in: the whole TC string (or the core segment alone).
    pub(crate) text: Cow<'a, str>,
    pub(crate) fields: CoreFields,
}

/// The decoded fields of a core segment, and where its vendor sections and publisher
/// restrictions are.
///
/// The fixed-width fields (Version to PublisherCC, [`HEADER_BITS`] bits) are kept as they are in
/// the string, most significant bit first, in four words (the last one holds the 21 last bits
/// in its high bits, the rest 0), and each accessor reads its field at its fixed offset. A field
/// not read (in [`TcError::partial`](super::TcError::partial)) is 0. The two letter codes are
/// also kept as text (`[0, 0]` when not read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CoreFields {
    pub(crate) header: [u64; 4],
    pub(crate) consent_language: [u8; 2],
    pub(crate) publisher_country_code: [u8; 2],
    pub(crate) vendor_consents: Section,
    pub(crate) vendor_legitimate_interests: Section,
    /// The bit of the first publisher restriction, and how many there are.
    pub(crate) restrictions_start: u32,
    pub(crate) restrictions: u16,
    /// The length of the core segment in bytes.
    pub(crate) core_len: u32,
}

/// The offset and width of each fixed-width field of the core segment.
mod at {
    pub(super) const VERSION: (usize, u32) = (0, 6);
    pub(super) const CREATED: (usize, u32) = (6, 36);
    pub(super) const LAST_UPDATED: (usize, u32) = (42, 36);
    pub(super) const CMP_ID: (usize, u32) = (78, 12);
    pub(super) const CMP_VERSION: (usize, u32) = (90, 12);
    pub(super) const CONSENT_SCREEN: (usize, u32) = (102, 6);
    pub(super) const CONSENT_LANGUAGE: (usize, u32) = (108, 12);
    pub(super) const VENDOR_LIST_VERSION: (usize, u32) = (120, 12);
    pub(super) const POLICY_VERSION: (usize, u32) = (132, 6);
    pub(super) const IS_SERVICE_SPECIFIC: (usize, u32) = (138, 1);
    pub(super) const USE_NON_STANDARD_TEXTS: (usize, u32) = (139, 1);
    pub(super) const SPECIAL_FEATURE_OPT_INS: (usize, u32) = (140, 12);
    pub(super) const PURPOSE_CONSENTS: (usize, u32) = (152, 24);
    pub(super) const PURPOSE_LEGITIMATE_INTERESTS: (usize, u32) = (176, 24);
    pub(super) const PURPOSE_ONE_TREATMENT: (usize, u32) = (200, 1);
    pub(super) const PUBLISHER_COUNTRY_CODE: (usize, u32) = (201, 12);
}

/// The `width` bits (1 to 58) at bit `pos` of `words`, read most significant bit first.
#[inline(always)]
fn word_field(words: &[u64; 4], (pos, width): (usize, u32)) -> u64 {
    let (index, offset) = (pos / 64, (pos % 64) as u32);
    let first = words.get(index).copied().unwrap_or(0);
    let window = if offset == 0 {
        first
    } else {
        let second = words.get(index + 1).copied().unwrap_or(0);
        (first << offset) | (second >> (64 - offset))
    };
    window >> (64 - width.clamp(1, 58))
}

/// What a publisher restriction requires of the vendors it lists.
///
/// # Examples
///
/// ```
/// use cookie_charter::tcf::RestrictionType;
///
/// assert_eq!(RestrictionType::from_code(1), Some(RestrictionType::RequireConsent));
/// assert_eq!(RestrictionType::from_code(3), None);
/// assert_eq!(RestrictionType::NotAllowed.code(), 0);
/// assert_eq!(RestrictionType::RequireLegitimateInterest.as_str(), "require_legitimate_interest");
/// ```
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
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
/// use cookie_charter::tcf::RestrictionType;
///
/// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
/// let first = tc.core().publisher_restrictions().next().unwrap();
/// assert_eq!(first.purpose(), 1);
/// assert_eq!(first.restriction_type(), RestrictionType::RequireConsent);
/// assert_eq!(first.vendors().iter().collect::<Vec<_>>(), [123]);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
///
/// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
/// let restrictions = tc.core().publisher_restrictions();
/// assert_eq!(restrictions.len(), 3);
/// assert!(!restrictions.is_empty());
/// let purposes: Vec<u8> = restrictions.map(|r| r.purpose()).collect();
/// assert_eq!(purposes, [1, 2, 3]);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::tcf::CoreSegment;
    ///
    /// let core = CoreSegment::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
    /// assert_eq!(core.cmp_id(), 81);
    /// // One segment only: the `.` of a whole TC string is refused.
    /// assert!(CoreSegment::decode("COvzTO5OvzTO5B7ABCENAPEYAIAAAIAAAIqIAAoAAoAA.QAAo").is_err());
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
    pub fn decode(segment: &'a str) -> Result<Self, TcError> {
        super::check_segment(segment)?;
        let fields = CoreFields::read(segment.as_bytes())?;
        Ok(Self {
            text: Cow::Borrowed(segment),
            fields,
        })
    }

    /// The same segment owning its text.
    ///
    /// # Examples
    ///
    /// ```
    /// use cookie_charter::tcf::CoreSegment;
    ///
    /// let text = String::from("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA");
    /// let owned: CoreSegment<'static> = CoreSegment::decode(&text)?.into_owned();
    /// drop(text);
    /// assert_eq!(owned.vendor_consents().iter().collect::<Vec<_>>(), [2, 37, 61]);
    /// # Ok::<(), cookie_charter::TcError>(())
    /// ```
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
        self.fields.field(at::VERSION) as u8
    }

    /// When the string was created, in deciseconds since the Unix epoch.
    pub fn created(&self) -> u64 {
        self.fields.field(at::CREATED)
    }

    /// When the string was last updated, in deciseconds since the Unix epoch.
    pub fn last_updated(&self) -> u64 {
        self.fields.field(at::LAST_UPDATED)
    }

    /// When the string was created, in whole seconds since the Unix epoch.
    pub fn created_unix(&self) -> u64 {
        self.created() / 10
    }

    /// When the string was last updated, in whole seconds since the Unix epoch.
    pub fn last_updated_unix(&self) -> u64 {
        self.last_updated() / 10
    }

    /// The id of the consent management platform.
    pub fn cmp_id(&self) -> u16 {
        self.fields.field(at::CMP_ID) as u16
    }

    /// The version of the consent management platform.
    pub fn cmp_version(&self) -> u16 {
        self.fields.field(at::CMP_VERSION) as u16
    }

    /// The screen of the CMP on which consent was given.
    pub fn consent_screen(&self) -> u8 {
        self.fields.field(at::CONSENT_SCREEN) as u8
    }

    /// The two-letter language of the CMP's texts (`EN`, `FR`...).
    pub fn consent_language(&self) -> &str {
        letters(&self.fields.consent_language)
    }

    /// The version of the Global Vendor List.
    pub fn vendor_list_version(&self) -> u16 {
        self.fields.field(at::VENDOR_LIST_VERSION) as u16
    }

    /// The TCF policy version (4 and later are TCF v2.2).
    pub fn policy_version(&self) -> u8 {
        self.fields.field(at::POLICY_VERSION) as u8
    }

    /// Whether the choices apply to this service only.
    pub fn is_service_specific(&self) -> bool {
        self.fields.field(at::IS_SERVICE_SPECIFIC) == 1
    }

    /// Whether the CMP used non-standard texts (`useNonStandardStacks` in older texts).
    pub fn use_non_standard_texts(&self) -> bool {
        self.fields.field(at::USE_NON_STANDARD_TEXTS) == 1
    }

    /// Whether special feature `id` (1 to 12) is opted in.
    pub fn special_feature_opt_in(&self, id: u8) -> bool {
        self.fields.flags(at::SPECIAL_FEATURE_OPT_INS).get(id)
    }

    /// Whether purpose `id` (1 to 24) has consent.
    pub fn purpose_consent(&self, id: u8) -> bool {
        self.fields.flags(at::PURPOSE_CONSENTS).get(id)
    }

    /// Whether purpose `id` (1 to 24) is transparently disclosed under legitimate interest.
    pub fn purpose_legitimate_interest(&self, id: u8) -> bool {
        self.fields.flags(at::PURPOSE_LEGITIMATE_INTERESTS).get(id)
    }

    /// The ids of the special features opted in, ascending.
    pub fn special_feature_opt_ins(&self) -> impl Iterator<Item = u8> {
        self.fields.flags(at::SPECIAL_FEATURE_OPT_INS).iter()
    }

    /// The ids of the purposes with consent, ascending.
    pub fn purpose_consents(&self) -> impl Iterator<Item = u8> {
        self.fields.flags(at::PURPOSE_CONSENTS).iter()
    }

    /// The ids of the purposes under legitimate interest, ascending.
    pub fn purpose_legitimate_interests(&self) -> impl Iterator<Item = u8> {
        self.fields.flags(at::PURPOSE_LEGITIMATE_INTERESTS).iter()
    }

    /// Whether purpose 1 was not disclosed (the publisher's country's rules apply).
    pub fn purpose_one_treatment(&self) -> bool {
        self.fields.field(at::PURPOSE_ONE_TREATMENT) == 1
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
type Scalars = ([u64; 4], [u8; 2], [u8; 2]);

impl CoreFields {
    /// The scalar fields.
    fn scalars(&self) -> Scalars {
        (
            self.header,
            self.consent_language,
            self.publisher_country_code,
        )
    }

    /// The fixed-width field at `(offset, width)` (see [`at`]).
    #[inline(always)]
    fn field(&self, at: (usize, u32)) -> u64 {
        word_field(&self.header, at)
    }

    /// The flags field at `(offset, width)`.
    #[inline(always)]
    fn flags(&self, at: (usize, u32)) -> IdBits {
        IdBits::new(self.field(at), at.1 as u8)
    }

    /// Stores `value` as the fixed-width field at `(offset, width)`, which is still 0.
    fn set(&mut self, (pos, width): (usize, u32), value: u64) {
        let width = width.clamp(1, 58);
        let value = value & ((1u64 << width) - 1);
        let (index, offset) = (pos / 64, (pos % 64) as u32);
        let end = offset + width;
        if end <= 64 {
            if let Some(word) = self.header.get_mut(index) {
                *word |= value << (64 - end);
            }
        } else {
            let spill = end - 64;
            if let Some(word) = self.header.get_mut(index) {
                *word |= value >> spill;
            }
            if let Some(word) = self.header.get_mut(index + 1) {
                *word |= value << (64 - spill);
            }
        }
    }

    /// Reads the fixed-width field at `(offset, width)` (the reader is at its offset) and
    /// stores it.
    #[cold]
    fn read_field(
        &mut self,
        reader: &mut BitReader<'_>,
        at: (usize, u32),
        field: &'static str,
    ) -> Result<u64, TcError> {
        let value = reader.read(at.1, field)?;
        self.set(at, value);
        Ok(value)
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
                let mut core = Self::default();
                core.set(at::VERSION, u64::from(version));
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
        // 32 characters are three words: four runs of 8 characters (48 bits each).
        let run = |from: usize| {
            head.get(from..from + 8)
                .and_then(|run| <&[u8; 8]>::try_from(run).ok())
                .map_or(0, run8)
        };
        let (a, b, c, d) = (run(0), run(8), run(16), run(24));
        // Only the header's bits in the last word: the rest is the next field.
        let tail = run4(head.get(32..).unwrap_or_default());
        let last = (tail << 40) & (!0u64 << (64 - (HEADER_BITS - 192)));
        let words = [
            (a << 16) | (b >> 32),
            (b << 32) | (c >> 16),
            (c << 48) | d,
            last,
        ];
        let field = |place: (usize, u32)| word_field(&words, place);
        let letter = |pos: usize| -> Option<u8> {
            let value = field((pos, 6)) as u8;
            (value <= 25).then_some(b'A' + value)
        };
        let version = field(at::VERSION);
        let policy_version = field(at::POLICY_VERSION);
        let li = field(at::PURPOSE_LEGITIMATE_INTERESTS);
        let no_li = (1u64 << 21) | (1 << 20) | (1 << 19) | (1 << 18);
        if version != 2 || (policy_version >= u64::from(TCF_V2_2_POLICY_VERSION) && li & no_li != 0)
        {
            return None;
        }
        let (language, country) = (at::CONSENT_LANGUAGE.0, at::PUBLISHER_COUNTRY_CODE.0);
        Some(Self {
            header: words,
            consent_language: [letter(language)?, letter(language + 6)?],
            publisher_country_code: [letter(country)?, letter(country + 6)?],
            ..Self::default()
        })
    }

    /// Reads the fixed-width fields after the version into `self`, one by one in the order of
    /// the format.
    #[cold]
    fn read_header(&mut self, reader: &mut BitReader<'_>) -> Result<(), TcError> {
        self.read_field(reader, at::CREATED, "created")?;
        self.read_field(reader, at::LAST_UPDATED, "last_updated")?;
        self.read_field(reader, at::CMP_ID, "cmp_id")?;
        self.read_field(reader, at::CMP_VERSION, "cmp_version")?;
        self.read_field(reader, at::CONSENT_SCREEN, "consent_screen")?;
        self.consent_language =
            self.read_letters(reader, at::CONSENT_LANGUAGE, "consent_language")?;
        self.read_field(reader, at::VENDOR_LIST_VERSION, "vendor_list_version")?;
        let policy_version = self.read_field(reader, at::POLICY_VERSION, "policy_version")?;
        self.read_field(reader, at::IS_SERVICE_SPECIFIC, "is_service_specific")?;
        self.read_field(reader, at::USE_NON_STANDARD_TEXTS, "use_non_standard_texts")?;
        self.read_field(
            reader,
            at::SPECIAL_FEATURE_OPT_INS,
            "special_feature_opt_ins",
        )?;
        self.read_field(reader, at::PURPOSE_CONSENTS, "purpose_consents")?;
        let li_start = reader.position();
        let li = IdBits::new(
            self.read_field(
                reader,
                at::PURPOSE_LEGITIMATE_INTERESTS,
                "purpose_legitimate_interests",
            )?,
            24,
        );
        if policy_version >= u64::from(TCF_V2_2_POLICY_VERSION) {
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
        self.read_field(reader, at::PURPOSE_ONE_TREATMENT, "purpose_one_treatment")?;
        self.publisher_country_code =
            self.read_letters(reader, at::PUBLISHER_COUNTRY_CODE, "publisher_country_code")?;
        Ok(())
    }

    /// Reads two letters (see [`BitReader::read_letters`]) and stores their bits.
    #[cold]
    fn read_letters(
        &mut self,
        reader: &mut BitReader<'_>,
        at: (usize, u32),
        field: &'static str,
    ) -> Result<[u8; 2], TcError> {
        let letters = reader.read_letters(field)?;
        let [first, second] = letters.map(|letter| u64::from(letter.saturating_sub(b'A')));
        self.set(at, (first << 6) | second);
        Ok(letters)
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
    let mut done = 0;
    match reader.restrictions(count, &mut done) {
        Ok(()) => {}
        Err(Stop::End) => read_restrictions_one_by_one(reader, count - done)?,
        Err(stop) => return Err(vendors::stop_error(reader, FIELD, stop)),
    }
    Ok((start, count))
}

/// Reads and checks `count` publisher restrictions field by field, near the end of the segment
/// (where a missing field fails as truncated at its own bit).
#[cold]
#[inline(never)]
fn read_restrictions_one_by_one(reader: &mut BitReader<'_>, count: u16) -> Result<(), TcError> {
    const FIELD: &str = "publisher_restrictions";
    for _ in 0..count {
        // PurposeId and RestrictionType in one read when 8 bits remain (a shorter rest is
        // read field by field, for the error to name the right bit).
        let (code, type_start) = if reader.remaining() >= 8 {
            let both = reader.peek(8);
            reader.consume(8);
            (both & 0b11, reader.position() - 2)
        } else {
            reader.read_u8(6, FIELD)?;
            let type_start = reader.position();
            (u64::from(reader.read_u8(2, FIELD)?), type_start)
        };
        if code == 3 {
            return Err(reader
                .error_at(TcErrorKind::InvalidField, FIELD, type_start)
                .with_value(code));
        }
        vendors::read_ranges(reader, FIELD, None)?;
    }
    Ok(())
}
