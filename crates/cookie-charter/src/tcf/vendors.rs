//! Vendor sets: the bitfield or range encoding of vendor ids, held as a bitset.

use super::bits::BitReader;
use super::error::{TcError, TcErrorKind};

/// How a vendor section was encoded in the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VendorEncoding {
    /// One bit per vendor id, from 1 to the maximum id.
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

/// A set of vendor ids (1 to 65,535), with the maximum id and the encoding the string gave.
///
/// Held as a bitset: [`contains`](VendorSet::contains) is O(1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VendorSet {
    max_vendor_id: u16,
    encoding: VendorEncoding,
    /// Bit `id % 64` of word `id / 64` is vendor `id`; words past the last set id are absent.
    words: Box<[u64]>,
}

impl Default for VendorSet {
    fn default() -> Self {
        Self {
            max_vendor_id: 0,
            encoding: VendorEncoding::Bitfield,
            words: Box::default(),
        }
    }
}

/// The range entries of a publisher restriction read in one pass, on the stack.
const BUFFERED_ENTRIES: usize = 32;

/// Bits of one range entry without its end id: IsARange and StartOrOnlyVendorId.
const MIN_ENTRY_BITS: usize = 17;

impl VendorSet {
    /// The maximum vendor id the string declared (for a publisher restriction, which declares
    /// none, the largest id of the set, or 0).
    pub fn max_vendor_id(&self) -> u16 {
        self.max_vendor_id
    }

    /// How the set was encoded.
    pub fn encoding(&self) -> VendorEncoding {
        self.encoding
    }

    /// Whether vendor `id` is in the set.
    pub fn contains(&self, id: u16) -> bool {
        let id = usize::from(id);
        self.words
            .get(id / 64)
            .is_some_and(|word| (word >> (id % 64)) & 1 == 1)
    }

    /// The vendor ids of the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let base = index * 64;
            SetBits(word).filter_map(move |bit| u16::try_from(base + bit).ok())
        })
    }

    /// The number of vendor ids in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set holds no vendor.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// Reads a vendor section: MaxVendorId, IsRangeEncoding, then the bitfield or the ranges.
    pub(crate) fn read(reader: &mut BitReader<'_>, field: &'static str) -> Result<Self, TcError> {
        let max_vendor_id = reader.read_u16(16, field)?;
        if reader.read_bool(field)? {
            let mut set = Self::read_ranges(reader, field, Some(max_vendor_id))?;
            set.max_vendor_id = max_vendor_id;
            Ok(set)
        } else {
            Self::read_bitfield(reader, field, max_vendor_id)
        }
    }

    /// Reads `max_vendor_id` bits, bit `i` being vendor `i + 1`, 64 bits at a time.
    fn read_bitfield(
        reader: &mut BitReader<'_>,
        field: &'static str,
        max_vendor_id: u16,
    ) -> Result<Self, TcError> {
        let count = usize::from(max_vendor_id);
        reader.ensure(count, field)?;
        let mut words = vec![0u64; word_count(max_vendor_id)];
        let mut index = 0;
        let mut left = count;
        while left > 0 {
            let width = left.min(64);
            let chunk = reader.read(width as u32, field)?;
            // The chunk's first bit (vendor 64 * index + 1) is its most significant one: reversed,
            // vendor 64 * index + 1 + j is bit j, which lands on bit j + 1 of the word.
            let vendors = chunk.reverse_bits() >> (64 - width);
            if let Some(word) = words.get_mut(index) {
                *word |= vendors << 1;
            }
            if let Some(word) = words.get_mut(index + 1) {
                *word |= vendors >> 63;
            }
            index += 1;
            left -= width;
        }
        Ok(Self {
            max_vendor_id,
            encoding: VendorEncoding::Bitfield,
            words: words.into_boxed_slice(),
        })
    }

    /// Reads NumEntries then the range entries; ids must lie in `1..=max` when `max` is given.
    ///
    /// With a maximum, the bitset is allocated for it and the entries are read once. Without
    /// (publisher restrictions), up to [`BUFFERED_ENTRIES`] entries are kept on the stack while
    /// the largest id is found; more are read twice (once to check them and find the largest
    /// id, then to set the bits). Either way the bitset is allocated once, at the right size.
    pub(crate) fn read_ranges(
        reader: &mut BitReader<'_>,
        field: &'static str,
        max: Option<u16>,
    ) -> Result<Self, TcError> {
        let entries = usize::from(reader.read_u16(12, field)?);
        reader.ensure(entries.saturating_mul(MIN_ENTRY_BITS), field)?;
        if max.is_none() && entries <= BUFFERED_ENTRIES {
            let mut buffer = [(0u16, 0u16); BUFFERED_ENTRIES];
            let mut largest = 0u16;
            for slot in buffer.iter_mut().take(entries) {
                *slot = read_entry(reader, field, max)?;
                largest = largest.max(slot.1);
            }
            let mut words = vec![0u64; word_count(largest)];
            for &(start, end) in buffer.iter().take(entries) {
                set_range(&mut words, usize::from(start), usize::from(end));
            }
            return Ok(Self {
                max_vendor_id: largest,
                encoding: VendorEncoding::Range,
                words: words.into_boxed_slice(),
            });
        }
        let largest = match max {
            Some(max) => max,
            None => {
                let mut check = *reader;
                let mut largest = 0u16;
                for _ in 0..entries {
                    let (_, end) = read_entry(&mut check, field, max)?;
                    largest = largest.max(end);
                }
                largest
            }
        };
        let mut words = vec![0u64; if entries == 0 { 0 } else { word_count(largest) }];
        let mut highest = 0u16;
        for _ in 0..entries {
            let (start, end) = read_entry(reader, field, max)?;
            set_range(&mut words, usize::from(start), usize::from(end));
            highest = highest.max(end);
        }
        Ok(Self {
            max_vendor_id: highest,
            encoding: VendorEncoding::Range,
            words: words.into_boxed_slice(),
        })
    }
}

/// Reads one range entry: IsARange, StartOrOnlyVendorId, and EndVendorId when it is a range.
///
/// The entry is read in one window of 33 bits when that many remain (the common case).
#[inline(always)]
fn read_entry(
    reader: &mut BitReader<'_>,
    field: &'static str,
    max: Option<u16>,
) -> Result<(u16, u16), TcError> {
    const RANGE_BITS: u32 = 1 + 16 + 16;
    let entry_start = reader.position();
    let (start, end) = if reader.remaining() >= RANGE_BITS as usize {
        let window = reader.read(RANGE_BITS, field)?;
        let start = ((window >> 16) & 0xFFFF) as u16;
        if window >> 32 == 1 {
            (start, (window & 0xFFFF) as u16)
        } else {
            reader.rewind(16);
            (start, start)
        }
    } else {
        let is_range = reader.read_bool(field)?;
        let start = reader.read_u16(16, field)?;
        let end = if is_range {
            reader.read_u16(16, field)?
        } else {
            start
        };
        (start, end)
    };
    let beyond_max = max.is_some_and(|max| end > max);
    if start == 0 || end < start || beyond_max {
        let bad = if start == 0 || end < start {
            start
        } else {
            end
        };
        return Err(reader
            .error_at(TcErrorKind::InvalidVendorRange, field, entry_start)
            .with_value(u64::from(bad)));
    }
    Ok((start, end))
}

/// The number of 64-bit words that hold ids up to `largest`.
fn word_count(largest: u16) -> usize {
    if largest == 0 {
        0
    } else {
        usize::from(largest) / 64 + 1
    }
}

/// Sets the bits `start..=end`, a word at a time.
fn set_range(words: &mut [u64], start: usize, end: usize) {
    let (first, last) = (start / 64, end / 64);
    let Some(span) = words.get_mut(first..=last) else {
        return;
    };
    let span_len = span.len();
    for (i, word) in span.iter_mut().enumerate() {
        let low = if i == 0 { start % 64 } else { 0 };
        let high = if i + 1 == span_len { end % 64 } else { 63 };
        let width = high - low + 1;
        let mask = if width == 64 {
            u64::MAX
        } else {
            ((1u64 << width) - 1) << low
        };
        *word |= mask;
    }
}

/// The positions of the set bits of a word, ascending.
struct SetBits(u64);

impl Iterator for SetBits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_fill_whole_words_and_edges() {
        let mut words = vec![0u64; 3];
        set_range(&mut words, 3, 130);
        let set = VendorSet {
            max_vendor_id: 130,
            encoding: VendorEncoding::Range,
            words: words.into_boxed_slice(),
        };
        assert_eq!(set.len(), 128);
        assert!(!set.contains(2) && set.contains(3) && set.contains(64) && set.contains(130));
        assert!(!set.contains(131) && !set.contains(u16::MAX));
        assert_eq!(set.iter().next(), Some(3));
        assert_eq!(set.iter().last(), Some(130));
    }
}
