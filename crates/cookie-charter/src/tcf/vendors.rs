//! Vendor sets: where a bitfield or range section lies in the string, validated while decoding,
//! and [`VendorSet`], a view that re-reads it from the text on demand.

use std::fmt;
use std::hash::{Hash, Hasher};

use super::bits::{BitReader, MAX_READ_BITS, Stop, bad_entry, sextet_bits};
use super::error::{TcError, TcErrorKind};

/// How a vendor section was encoded in the string.
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
/// use cookie_charter::tcf::VendorEncoding;
///
/// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
/// assert_eq!(tc.core().vendor_consents().encoding(), VendorEncoding::Range);
/// assert_eq!(tc.core().vendor_legitimate_interests().encoding().as_str(), "bitfield");
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum VendorEncoding {
    /// One bit per vendor id, from 1 to the maximum id.
    #[default]
    Bitfield,
    /// A list of single ids and ranges of ids.
    Range,
}

impl VendorEncoding {
    /// `bitfield` or `range`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Bitfield => "bitfield",
            Self::Range => "range",
        }
    }
}

/// Where a validated vendor section lies: the byte where its segment starts in the text, the
/// bit (in the segment) of its first vendor bit or range entry, its maximum id, encoding and
/// number of entries. Validation has checked that all of it lies in the segment, so a view
/// reads from the segment's start without bounding it at the segment's end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Section {
    pub(crate) offset: u32,
    pub(crate) start: u32,
    pub(crate) max_vendor_id: u16,
    pub(crate) entries: u16,
    pub(crate) encoding: VendorEncoding,
}

/// Bits of one range entry without its end id: IsARange and StartOrOnlyVendorId.
pub(crate) const MIN_ENTRY_BITS: usize = 17;

impl Section {
    /// Reads and validates a vendor section: MaxVendorId, IsRangeEncoding, then the bitfield
    /// (checked by its length alone, and skipped) or the range entries (each checked). The
    /// segment's place in the text (`offset`) is the caller's to fill in.
    #[inline(always)]
    pub(crate) fn read(reader: &mut BitReader<'_>, field: &'static str) -> Result<Self, TcError> {
        // MaxVendorId and IsRangeEncoding in one read when 17 bits remain (a shorter rest is
        // read field by field, for the error to name the right bit).
        let (max_vendor_id, is_range) = if reader.remaining() >= 17 {
            let head = reader.peek(17);
            reader.consume(17);
            ((head >> 1) as u16, head & 1 == 1)
        } else {
            (reader.read_u16(16, field)?, reader.read_bool(field)?)
        };
        if is_range {
            let (start, entries, _) = read_ranges(reader, field, Some(max_vendor_id))?;
            Ok(Self {
                start,
                max_vendor_id,
                entries,
                encoding: VendorEncoding::Range,
                ..Self::default()
            })
        } else {
            reader.ensure(usize::from(max_vendor_id), field)?;
            let start = position(reader);
            reader.skip(usize::from(max_vendor_id));
            Ok(Self {
                start,
                max_vendor_id,
                encoding: VendorEncoding::Bitfield,
                ..Self::default()
            })
        }
    }

    /// The same section, in the segment that starts at byte `offset` of the text.
    #[inline]
    pub(crate) fn placed(mut self, offset: usize) -> Self {
        self.offset = u32::try_from(offset).unwrap_or(u32::MAX);
        self
    }
}

/// The position of a reader as stored (segments are at most a few kilobytes).
#[inline]
pub(crate) fn position(reader: &BitReader<'_>) -> u32 {
    u32::try_from(reader.position()).unwrap_or(u32::MAX)
}

/// Reads NumEntries then validates the range entries (ids in `1..=max` when `max` is given);
/// gives the bit of the first entry, the number of entries and the largest id.
#[inline]
pub(crate) fn read_ranges(
    reader: &mut BitReader<'_>,
    field: &'static str,
    max: Option<u16>,
) -> Result<(u32, u16, u16), TcError> {
    let entries = reader.read_u16(12, field)?;
    reader.ensure(usize::from(entries).saturating_mul(MIN_ENTRY_BITS), field)?;
    let start = position(reader);
    let max = max.unwrap_or(u16::MAX);
    let mut done = 0;
    match reader.range_entries(entries, max, &mut done) {
        Ok(largest) => Ok((start, entries, largest)),
        Err(Stop::End) => {
            let largest = read_entries_one_by_one(reader, field, entries - done, max)?;
            Ok((start, entries, largest))
        }
        Err(stop) => Err(stop_error(reader, field, stop)),
    }
}

/// The error for a range entry or restriction that [`BitReader::range_entries`] or
/// [`BitReader::restrictions`] stopped at (other than at the end of the segment).
#[cold]
#[inline(never)]
pub(crate) fn stop_error(reader: &BitReader<'_>, field: &'static str, stop: Stop) -> TcError {
    match stop {
        Stop::BadRange(bit, bad) => reader
            .error_at(TcErrorKind::InvalidVendorRange, field, bit)
            .with_value(u64::from(bad)),
        Stop::BadType(bit) => reader
            .error_at(TcErrorKind::InvalidField, field, bit)
            .with_value(3),
        Stop::End => reader.error(TcErrorKind::Truncated, field),
    }
}

/// Reads and checks `count` range entries field by field, near the end of the segment (where
/// a missing field fails as truncated at its own bit); gives the largest id.
#[cold]
#[inline(never)]
fn read_entries_one_by_one(
    reader: &mut BitReader<'_>,
    field: &'static str,
    count: u16,
    max: u16,
) -> Result<u16, TcError> {
    let mut largest = 0;
    for _ in 0..count {
        let entry_start = reader.position();
        let (first, end) = read_entry(reader, field)?;
        if let Some(bad) = bad_entry(first, end, max) {
            return Err(reader
                .error_at(TcErrorKind::InvalidVendorRange, field, entry_start)
                .with_value(u64::from(bad)));
        }
        largest = largest.max(end);
    }
    Ok(largest)
}

/// Reads one range entry: IsARange, StartOrOnlyVendorId, and EndVendorId when it is a range
/// (the end of a single id is the id).
///
/// The entry is peeked in one window of 33 bits when that many remain (the common case), and
/// its end and width are selected without a branch on IsARange.
#[inline(always)]
fn read_entry(reader: &mut BitReader<'_>, field: &'static str) -> Result<(u16, u16), TcError> {
    const RANGE_BITS: u32 = 1 + 16 + 16;
    if reader.remaining() >= RANGE_BITS as usize {
        let window = reader.peek(RANGE_BITS);
        let is_range = (window >> 32) as u32 & 1;
        let start = (window >> 16) as u16;
        let end = if is_range == 1 { window as u16 } else { start };
        reader.consume(RANGE_BITS - 16 + 16 * is_range);
        return Ok((start, end));
    }
    read_last_entry(reader, field)
}

/// Reads a range entry field by field, near the end of the segment (where a missing field
/// fails as truncated at its own bit).
#[cold]
#[inline(never)]
fn read_last_entry(reader: &mut BitReader<'_>, field: &'static str) -> Result<(u16, u16), TcError> {
    let is_range = reader.read_bool(field)?;
    let start = reader.read_u16(16, field)?;
    let end = if is_range {
        reader.read_u16(16, field)?
    } else {
        start
    };
    Ok((start, end))
}

/// Reads one range entry already validated (no checks; 0s past the end).
#[inline(always)]
fn next_entry(reader: &mut BitReader<'_>) -> (u16, u16) {
    read_entry(reader, "").unwrap_or((0, 0))
}

/// A set of vendor ids (1 to 65,535), with the maximum id and the encoding the string gave: a
/// view of a section of the TC string, validated when the string was decoded and re-read from
/// its text on demand (it is `Copy` and borrows the [`TcString`](super::TcString)).
///
/// Cost: [`contains`](VendorSet::contains) reads one bit for a bitfield (O(1)) and scans the
/// entries for ranges (O(entries)); [`iter`](VendorSet::iter) and [`len`](VendorSet::len) read
/// the bitfield 58 bits at a time, or collect, sort and merge the range entries (one
/// allocation).
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
///
/// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
/// let vendors = tc.core().vendor_consents();
/// assert_eq!(vendors.max_vendor_id(), 61);
/// assert!(vendors.contains(37) && !vendors.contains(38));
/// assert_eq!(vendors.len(), 3);
/// assert!(!vendors.is_empty());
/// assert_eq!(vendors.iter().collect::<Vec<_>>(), [2, 37, 61]);
/// assert_eq!(vendors.into_iter().sum::<u16>(), 100);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Clone, Copy)]
pub struct VendorSet<'t> {
    text: &'t [u8],
    section: Section,
}

impl<'t> VendorSet<'t> {
    /// The view of `section` of `text` (the whole TC string, or the core segment).
    #[inline]
    pub(crate) fn new(text: &'t [u8], section: Section) -> Self {
        let text = text.get(section.offset as usize..).unwrap_or_default();
        Self { text, section }
    }

    /// A reader at the first vendor bit or range entry.
    #[inline]
    fn reader(&self) -> BitReader<'t> {
        BitReader::at(self.text, 0, self.section.start as usize)
    }

    /// The maximum vendor id the string declared (for a publisher restriction, which declares
    /// none, the largest id of the set, or 0).
    pub fn max_vendor_id(&self) -> u16 {
        self.section.max_vendor_id
    }

    /// How the set was encoded.
    pub fn encoding(&self) -> VendorEncoding {
        self.section.encoding
    }

    /// The range entries as written, `(start, end)` with `1 <= start <= end` (none for a
    /// bitfield).
    fn entries(&self) -> impl Iterator<Item = (u16, u16)> + 't {
        let mut reader = self.reader();
        let count = match self.section.encoding {
            VendorEncoding::Range => self.section.entries,
            VendorEncoding::Bitfield => 0,
        };
        (0..count).map(move |_| next_entry(&mut reader))
    }

    /// The range entries sorted and merged into disjoint ascending runs.
    fn runs(&self) -> Vec<(u16, u16)> {
        let mut entries: Vec<(u16, u16)> = self.entries().collect();
        entries.sort_unstable();
        let mut runs: Vec<(u16, u16)> = Vec::with_capacity(entries.len());
        for (start, end) in entries {
            match runs.last_mut() {
                Some(last) if u32::from(start) <= u32::from(last.1) + 1 => {
                    last.1 = last.1.max(end);
                }
                _ => runs.push((start, end)),
            }
        }
        runs
    }

    /// Whether vendor `id` is in the set: one bit read for a bitfield, a scan of the entries
    /// for ranges.
    #[inline]
    pub fn contains(&self, id: u16) -> bool {
        if id == 0 || id > self.section.max_vendor_id {
            return false;
        }
        match self.section.encoding {
            VendorEncoding::Bitfield => {
                let bit = self.section.start as usize + usize::from(id) - 1;
                self.text
                    .get(bit / 6)
                    .is_some_and(|&byte| (sextet_bits(byte) >> (5 - bit % 6)) & 1 == 1)
            }
            VendorEncoding::Range => self
                .entries()
                .any(|(start, end)| (start..=end).contains(&id)),
        }
    }

    /// The vendor ids of the set, ascending.
    pub fn iter(&self) -> VendorIds<'t> {
        match self.section.encoding {
            VendorEncoding::Bitfield => VendorIds {
                reader: self.reader(),
                left: self.section.max_vendor_id,
                next_id: 1,
                base: 0,
                chunk: 0,
                runs: Vec::new().into_iter(),
                run: None,
            },
            VendorEncoding::Range => VendorIds {
                reader: self.reader(),
                left: 0,
                next_id: 1,
                base: 0,
                chunk: 0,
                runs: self.runs().into_iter(),
                run: None,
            },
        }
    }

    /// The number of vendor ids in the set.
    pub fn len(&self) -> usize {
        match self.section.encoding {
            VendorEncoding::Bitfield => {
                let mut ones = 0usize;
                for_chunks(self.reader(), self.section.max_vendor_id, |_, chunk| {
                    ones += chunk.count_ones() as usize;
                    true
                });
                ones
            }
            VendorEncoding::Range => self
                .runs()
                .iter()
                .map(|&(start, end)| usize::from(end - start) + 1)
                .sum(),
        }
    }

    /// Whether the set holds no vendor.
    pub fn is_empty(&self) -> bool {
        match self.section.encoding {
            VendorEncoding::Bitfield => {
                let mut empty = true;
                for_chunks(self.reader(), self.section.max_vendor_id, |_, chunk| {
                    empty = chunk == 0;
                    empty
                });
                empty
            }
            VendorEncoding::Range => self.section.entries == 0,
        }
    }
}

/// Calls `each(width, chunk)` on the `count` bits at the reader, [`MAX_READ_BITS`] at a time
/// (the first bit of a chunk is its most significant), while it returns true.
fn for_chunks(mut reader: BitReader<'_>, count: u16, mut each: impl FnMut(u32, u64) -> bool) {
    let mut left = u32::from(count);
    while left > 0 {
        let width = left.min(MAX_READ_BITS);
        let chunk = reader.peek(width);
        reader.consume(width);
        left -= width;
        if !each(width, chunk) {
            return;
        }
    }
}

impl<'t> IntoIterator for VendorSet<'t> {
    type Item = u16;
    type IntoIter = VendorIds<'t>;

    fn into_iter(self) -> VendorIds<'t> {
        self.iter()
    }
}

impl PartialEq for VendorSet<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.section.max_vendor_id == other.section.max_vendor_id
            && self.section.encoding == other.section.encoding
            && self.iter().eq(other.iter())
    }
}

impl Eq for VendorSet<'_> {}

impl Hash for VendorSet<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.section.max_vendor_id.hash(state);
        self.section.encoding.hash(state);
        for id in self.iter() {
            id.hash(state);
        }
    }
}

impl fmt::Debug for VendorSet<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VendorSet")
            .field("max_vendor_id", &self.section.max_vendor_id)
            .field("encoding", &self.section.encoding)
            .field("vendors", &self.iter().collect::<Vec<_>>())
            .finish()
    }
}

/// The vendor ids of a [`VendorSet`], ascending.
///
/// # Examples
///
/// ```
/// use cookie_charter::TcString;
///
/// let tc = TcString::decode("COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA")?;
/// let mut ids = tc.core().vendor_legitimate_interests().iter();
/// assert_eq!(ids.next(), Some(2));
/// assert_eq!(ids.collect::<Vec<_>>(), [6, 8]);
/// # Ok::<(), cookie_charter::TcError>(())
/// ```
#[derive(Debug, Clone)]
pub struct VendorIds<'t> {
    /// Bitfield: the reader at the next chunk, the bits left, the id of the next chunk's first
    /// bit and the id of the current chunk's bit 0.
    reader: BitReader<'t>,
    left: u16,
    next_id: u32,
    base: u32,
    /// The current chunk, reversed so that its lowest set bit is the next id.
    chunk: u64,
    /// Ranges: the merged runs left, and the rest of the current one.
    runs: std::vec::IntoIter<(u16, u16)>,
    run: Option<(u16, u16)>,
}

impl Iterator for VendorIds<'_> {
    type Item = u16;

    #[inline]
    fn next(&mut self) -> Option<u16> {
        loop {
            if self.chunk != 0 {
                let bit = self.chunk.trailing_zeros();
                self.chunk &= self.chunk - 1;
                return u16::try_from(self.base + bit).ok();
            }
            if let Some((start, end)) = self.run {
                self.run = (start < end).then(|| (start + 1, end));
                return Some(start);
            }
            if self.left > 0 {
                let width = u32::from(self.left).min(MAX_READ_BITS);
                let bits = self.reader.peek(width);
                self.reader.consume(width);
                // The chunk's first bit (the next id) is its most significant one: reversed, it
                // is bit 0. Ids start at 1.
                self.base = self.next_id;
                self.next_id += width;
                self.chunk = bits.reverse_bits() >> (64 - width);
                self.left -= width as u16;
                continue;
            }
            self.run = Some(self.runs.next()?);
        }
    }
}
