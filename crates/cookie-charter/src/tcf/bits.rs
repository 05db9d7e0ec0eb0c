//! Bits of a segment: validating the base64url text, reading MSB-first fields of any width
//! straight from it (no intermediate buffer); and [`IdBits`], a fixed-width field of flags
//! numbered from 1.

use std::num::NonZeroU64;

use super::error::{TcError, TcErrorKind};

/// The 6-bit value of every base64url character, and 0 for any other byte (which validation
/// excludes before any reading): one load per character, no mask.
static VALUES: [u8; 256] = value_table();

#[expect(
    clippy::indexing_slicing,
    reason = "a const fn cannot use `get_mut`; every index is below 64 or 256 by the loop bounds"
)]
const fn value_table() -> [u8; 256] {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// The 6-bit value of a base64url character (any other byte, which validation excludes first,
/// gives 0).
#[inline(always)]
pub(crate) fn sextet_bits(byte: u8) -> u64 {
    // A `u8` index is always in the table: no bounds check is emitted.
    u64::from(VALUES.get(usize::from(byte)).copied().unwrap_or(0))
}

/// The 96 bits of 16 base64url characters, the first one in the high bits.
#[inline(always)]
pub(crate) fn run16(run: &[u8; 16]) -> u128 {
    let (high, low) = run.split_at(8);
    let high = <&[u8; 8]>::try_from(high).map_or(0, run8);
    let low = <&[u8; 8]>::try_from(low).map_or(0, run8);
    (u128::from(high) << 48) | u128::from(low)
}

/// The value of every base64url character already shifted to its place in a run of four
/// (table `k` for the `k`-th character: 18, 12, 6 and 0 bits), and 0 for any other byte: a
/// run of four characters is four loads joined by `|`, no shift or mask per character.
static PLACED: [[u32; 256]; 4] = placed_tables();

#[expect(
    clippy::indexing_slicing,
    reason = "a const fn cannot use `get`; every index is below 4 or 256 by the loop bounds"
)]
const fn placed_tables() -> [[u32; 256]; 4] {
    let mut tables = [[0u32; 256]; 4];
    let mut k = 0;
    while k < 4 {
        let mut byte = 0;
        while byte < 256 {
            tables[k][byte] = (VALUES[byte] as u32) << (18 - 6 * k);
            byte += 1;
        }
        k += 1;
    }
    tables
}

/// The 24 bits of 4 base64url characters, the first one in the high bits (missing characters
/// count as `A`, 0 bits).
#[inline(always)]
pub(crate) fn run4(run: &[u8]) -> u64 {
    let placed = |k: usize| {
        let byte = run.get(k).copied().unwrap_or(b'A');
        PLACED
            .get(k)
            .and_then(|table| table.get(usize::from(byte)))
            .copied()
            .unwrap_or(0)
    };
    u64::from(placed(0) | placed(1) | placed(2) | placed(3))
}

/// The 48 bits of 8 base64url characters, the first one in the high bits.
#[inline(always)]
pub(crate) fn run8(run: &[u8; 8]) -> u64 {
    let (high, low) = run.split_at(4);
    (run4(high) << 24) | run4(low)
}

/// Whether `byte` is a base64url character or the `.` between segments.
fn is_text_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() | (byte == b'-') | (byte == b'_') | (byte == b'.')
}

/// Bytes the alphabet check looks at per step: a fixed-size block the compiler checks with
/// vector compares.
const BLOCK: usize = 32;

/// Whether every byte of a block is base64url or `.`.
#[inline(always)]
fn block_ok(block: &[u8; BLOCK]) -> bool {
    block.iter().fold(true, |ok, &b| ok & is_text_byte(b))
}

/// Whether a block holds a `.`.
#[inline(always)]
fn block_has_dot(block: &[u8; BLOCK]) -> bool {
    block.iter().fold(false, |dot, &b| dot | (b == b'.'))
}

/// How many `.` positions [`scan`] notes: enough for the four segments a string can have.
const DOTS: usize = 3;

/// The positions of the first [`DOTS`] `.` of a text, noted by [`scan`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Dots {
    at: [usize; DOTS],
    count: usize,
}

impl Dots {
    /// Notes the `.`s of `block` (which starts at byte `offset` of the text) at or after byte
    /// `from`, while there is room.
    ///
    /// Eight bytes at a time: a word with the high bit of each byte that is a `.` set (exactly:
    /// no borrow between bytes), whose set bits are the positions.
    #[inline]
    fn note(&mut self, block: &[u8; BLOCK], offset: usize, from: usize) {
        const DOT: u64 = 0x2E2E_2E2E_2E2E_2E2E;
        const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
        for (k, chunk) in block.chunks_exact(8).enumerate() {
            let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
                continue;
            };
            let x = u64::from_le_bytes(bytes) ^ DOT;
            // The high bit of a byte is set when the byte of `x` is 0.
            let mut dots = !(((x & LOW7) + LOW7) | x | LOW7);
            while dots != 0 {
                let at = offset + k * 8 + (dots.trailing_zeros() / 8) as usize;
                dots &= dots - 1;
                if at >= from {
                    if let Some(slot) = self.at.get_mut(self.count) {
                        *slot = at;
                        self.count += 1;
                    }
                }
            }
        }
    }

    /// Where the segment that starts at byte `from` of `text` ends (its `.`, or the end of the
    /// text), `index` being the number of `.`s before it.
    #[inline]
    pub(crate) fn end(&self, text: &[u8], index: usize, from: usize) -> usize {
        if index < self.count {
            return self.at.get(index).copied().unwrap_or(text.len());
        }
        if self.count < DOTS {
            return text.len();
        }
        // More `.`s than noted: look for the next one.
        let rest = text.get(from..).unwrap_or_default();
        from + rest.iter().position(|&b| b == b'.').unwrap_or(rest.len())
    }

    /// The position of the first `.`, if any.
    #[inline]
    pub(crate) fn first(&self) -> Option<usize> {
        (self.count > 0).then(|| self.at.first().copied().unwrap_or_default())
    }
}

/// Checks the alphabet of `text` and notes its first `.`s in the same pass: `Ok` with where
/// they are, or `Err` with the position of the first byte that is neither base64url nor `.`.
///
/// Checks every byte without stopping early (which lets the loop be vectorised), and looks for
/// the position of a wrong byte only when there is one, and for the `.`s only in a block that
/// has one. The last bytes are checked as the last full block (overlapping the one before), or
/// in a block padded with a valid byte when the text is shorter than a block, so that they take
/// the vector path too.
#[inline]
pub(crate) fn scan(text: &[u8]) -> Result<Dots, usize> {
    let mut ok = true;
    let mut dots = Dots::default();
    let mut blocks = text.chunks_exact(BLOCK);
    let mut offset = 0;
    for block in &mut blocks {
        if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
            ok &= block_ok(block);
            if dots.count < DOTS && block_has_dot(block) {
                dots.note(block, offset, offset);
            }
        }
        offset += BLOCK;
    }
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let from = text.len().saturating_sub(BLOCK);
        let mut padded = [b'A'; BLOCK];
        let last = match text
            .get(from..)
            .and_then(|t| <&[u8; BLOCK]>::try_from(t).ok())
        {
            Some(last) => last,
            None => {
                if let Some(start) = padded.get_mut(..rest.len()) {
                    start.copy_from_slice(rest);
                }
                &padded
            }
        };
        ok &= block_ok(last);
        if dots.count < DOTS && block_has_dot(last) {
            // The bytes before `offset` were noted with their block.
            dots.note(last, from, offset);
        }
    }
    if ok {
        return Ok(dots);
    }
    Err(text
        .iter()
        .position(|&b| !is_text_byte(b))
        .unwrap_or(text.len()))
}

/// The position of the first byte of `text` that is neither base64url nor `.`, if any.
#[cfg(test)]
pub(crate) fn first_invalid(text: &[u8]) -> Option<usize> {
    scan(text).err()
}

/// The next bits of a segment, decoded from its text: the low `available` bits of `bits` (the
/// bits above them are stale), and the index of the next character to load.
///
/// A refill loads 16 characters (96 bits) at once, or 8 when the window has less room; past the
/// end of the text it loads `A`s (0 bits), so a refill never fails: readers check a field
/// against the segment's length before they use its bits.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    bits: u128,
    available: u32,
    next: usize,
}

impl Window {
    /// The 16 characters at `next` (padded with `A`s past the end).
    #[inline(always)]
    fn run16(text: &[u8], next: usize) -> u128 {
        match text
            .get(next..next + 16)
            .and_then(|run| <&[u8; 16]>::try_from(run).ok())
        {
            Some(run) => run16(run),
            None => Self::padded(text, next, 16),
        }
    }

    /// The `n` characters (at most 16) at `next`, near the end of the text: those left, then
    /// `A`s (0 bits).
    #[inline(never)]
    fn padded(text: &[u8], next: usize, n: usize) -> u128 {
        let rest = text.get(next..).unwrap_or_default();
        let n = n.min(16);
        let taken = rest.len().min(n);
        if taken <= 8 {
            // The common case (the end of a core segment, a short later segment): in 64 bits.
            let bits = rest
                .iter()
                .take(taken)
                .fold(0u64, |acc, &b| (acc << 6) | sextet_bits(b));
            return u128::from(bits) << (6 * (n - taken));
        }
        let bits = rest
            .iter()
            .take(taken)
            .fold(0u128, |acc, &b| (acc << 6) | u128::from(sextet_bits(b)));
        bits << (6 * (n - taken))
    }

    /// Loads characters so that at least [`MAX_READ_BITS`] bits are available.
    #[inline(always)]
    fn refill(&mut self, text: &[u8]) {
        if self.available <= 32 {
            self.bits = (self.bits << 96) | Self::run16(text, self.next);
            self.available += 96;
            self.next += 16;
        } else {
            // 33 to 57 bits: room for 8 characters.
            let bits = match text
                .get(self.next..self.next + 8)
                .and_then(|run| <&[u8; 8]>::try_from(run).ok())
            {
                Some(run) => u128::from(run8(run)),
                None => Self::padded(text, self.next, 8),
            };
            self.bits = (self.bits << 48) | bits;
            self.available += 48;
            self.next += 8;
        }
    }

    /// The next `width` bits (1 to [`MAX_READ_BITS`]), without moving.
    #[inline(always)]
    fn peek(&mut self, text: &[u8], width: u32) -> u64 {
        let width = width.clamp(1, MAX_READ_BITS);
        if self.available < width {
            self.refill(text);
        }
        let shift = self.available.saturating_sub(width);
        ((self.bits >> shift) as u64) & ((1u64 << width) - 1)
    }

    /// Moves past `bits` bits that were peeked.
    #[inline(always)]
    fn consume(&mut self, bits: u32) {
        self.available = self.available.saturating_sub(bits);
    }
}

/// Why [`BitReader::range_entries`] or [`BitReader::restrictions`] stopped before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A range entry at this bit is not `1 <= start <= end <= max`; the id at fault.
    BadRange(usize, u16),
    /// A restriction type at this bit is 3 (undefined).
    BadType(usize),
    /// A field runs past the end of the segment: the caller reads on field by field (from the
    /// reader's position, which is where the entry or restriction starts) to say which.
    End,
}

/// A sequential reader of the bits of one segment, straight from its base64url text (most
/// significant bit first): each character is looked up once, into a 128-bit window that holds
/// the next bits, so a field of any width up to 58 bits is a shift and a mask. The window is
/// refilled 16 characters (96 bits) at a time, so a run of range entries (17 or 33 bits each)
/// refills once every three to five entries.
///
/// Copying a reader copies its position: a view re-reads a validated section from a copy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BitReader<'a> {
    /// The base64url characters of the segment (validated before any reading).
    text: &'a [u8],
    /// The next bits.
    window: Window,
    /// The offset of the next bit, and the length of the segment in bits.
    pos: usize,
    len: usize,
    segment: usize,
}

/// The widest field [`BitReader::read`] reads at once.
pub(crate) const MAX_READ_BITS: u32 = 58;

/// The bits of a range entry that is a range: IsARange, StartVendorId, EndVendorId.
const RANGE_BITS: u32 = 1 + 16 + 16;

/// One range entry from the 33 bits at its start: its first and last ids, and its width in bits
/// (17 for a single id, 33 for a range), selected without a branch on IsARange.
#[inline(always)]
fn entry_of(bits: u64) -> (u16, u16, u32) {
    let is_range = (bits >> 32) as u32 & 1;
    let first = (bits >> 16) as u16;
    let last = if is_range == 1 { bits as u16 } else { first };
    (first, last, RANGE_BITS - 16 + 16 * is_range)
}

/// Whether a range entry is wrong (`1 <= first <= last <= max` fails), and the id at fault.
#[inline(always)]
pub(crate) fn bad_entry(first: u16, last: u16, max: u16) -> Option<u16> {
    // One test for the three checks.
    if (first == 0) | (last < first) | (last > max) {
        return Some(if first == 0 || last < first {
            first
        } else {
            last
        });
    }
    None
}

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `text`, the segment of index `segment`, which must hold only
    /// base64url characters (see [`scan`]).
    #[inline]
    pub(crate) fn new(text: &'a [u8], segment: usize) -> Self {
        Self {
            text,
            window: Window::default(),
            pos: 0,
            len: text.len().saturating_mul(6),
            segment,
        }
    }

    /// A reader at bit `bit` of `text`.
    #[inline]
    pub(crate) fn at(text: &'a [u8], segment: usize, bit: usize) -> Self {
        let mut reader = Self::new(text, segment);
        reader.skip(bit);
        reader
    }

    /// The offset of the next bit.
    #[inline]
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The number of bits left.
    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.len.saturating_sub(self.pos)
    }

    /// An error of `kind` about `field`, which starts at bit `bit` of this segment.
    #[cold]
    pub(crate) fn error_at(&self, kind: TcErrorKind, field: &'static str, bit: usize) -> TcError {
        TcError::new(kind, self.segment, field, bit).with_segment_bits(self.len)
    }

    /// An error of `kind` about `field`, which starts at the current bit.
    #[cold]
    pub(crate) fn error(&self, kind: TcErrorKind, field: &'static str) -> TcError {
        self.error_at(kind, field, self.pos)
    }

    /// Fails as truncated, at the current bit, unless `bits` bits remain.
    #[inline(always)]
    pub(crate) fn ensure(&self, bits: usize, field: &'static str) -> Result<(), TcError> {
        if bits > self.remaining() {
            return Err(self.error(TcErrorKind::Truncated, field));
        }
        Ok(())
    }

    /// The next `width` bits (1 to [`MAX_READ_BITS`]) without moving; the caller has checked that
    /// they are in the segment.
    #[inline(always)]
    pub(crate) fn peek(&mut self, width: u32) -> u64 {
        self.window.peek(self.text, width)
    }

    /// Moves past `bits` bits that were peeked.
    #[inline(always)]
    pub(crate) fn consume(&mut self, bits: u32) {
        self.window.consume(bits);
        self.pos += bits as usize;
    }

    /// Moves `bits` bits forward without reading them.
    #[inline]
    pub(crate) fn skip(&mut self, bits: usize) {
        if bits <= self.window.available as usize {
            self.consume(bits as u32);
            return;
        }
        self.pos = self.pos.saturating_add(bits);
        let (index, offset) = (self.pos / 6, (self.pos % 6) as u32);
        self.window = Window {
            bits: 0,
            available: 0,
            next: index,
        };
        if offset > 0 {
            if let Some(&byte) = self.text.get(index) {
                self.window = Window {
                    bits: u128::from(sextet_bits(byte)),
                    available: 6 - offset,
                    next: index + 1,
                };
            }
        }
    }

    /// Reads a `width`-bit unsigned field (at most [`MAX_READ_BITS`]).
    #[inline(always)]
    pub(crate) fn read(&mut self, width: u32, field: &'static str) -> Result<u64, TcError> {
        let width = width.min(MAX_READ_BITS);
        self.ensure(width as usize, field)?;
        if width == 0 {
            return Ok(0);
        }
        let value = self.peek(width);
        self.consume(width);
        Ok(value)
    }

    /// Reads a 1-bit flag.
    #[inline(always)]
    pub(crate) fn read_bool(&mut self, field: &'static str) -> Result<bool, TcError> {
        Ok(self.read(1, field)? == 1)
    }

    /// Reads a field of at most 16 bits.
    #[inline(always)]
    pub(crate) fn read_u16(&mut self, width: u32, field: &'static str) -> Result<u16, TcError> {
        let value = self.read(width.min(16), field)?;
        Ok(u16::try_from(value).unwrap_or(u16::MAX))
    }

    /// Reads a field of at most 8 bits.
    #[inline(always)]
    pub(crate) fn read_u8(&mut self, width: u32, field: &'static str) -> Result<u8, TcError> {
        let value = self.read(width.min(8), field)?;
        Ok(u8::try_from(value).unwrap_or(u8::MAX))
    }

    /// Reads `width` flags numbered from 1 (at most 63), the first bit being flag 1.
    #[inline]
    pub(crate) fn read_flags(&mut self, width: u8, field: &'static str) -> Result<IdBits, TcError> {
        let width = width.min(63);
        self.ensure(usize::from(width), field)?;
        let (high, low) = (
            u32::from(width.min(32)),
            u32::from(width.saturating_sub(32)),
        );
        let mut raw = self.read(high, field)?;
        if low > 0 {
            raw = (raw << low) | self.read(low, field)?;
        }
        Ok(IdBits::new(raw, width))
    }

    /// Reads `count` range entries (IsARange, StartOrOnlyVendorId, and EndVendorId when it is a
    /// range) and checks each (`1 <= start <= end <= max`): gives the largest id, or where and
    /// why it stopped (the reader is then at the start of the entry it stopped at, and has
    /// consumed the `done` entries before it, which it counts).
    ///
    /// The window and position are kept in locals through the loop; an entry is one 33-bit
    /// peek.
    #[inline(always)]
    pub(crate) fn range_entries(
        &mut self,
        count: u16,
        max: u16,
        done: &mut u16,
    ) -> Result<u16, Stop> {
        // When every entry could be a range and still fit, no entry needs its own end check.
        if self.pos + usize::from(count) * RANGE_BITS as usize <= self.len {
            self.entries::<false>(count, max, done)
        } else {
            self.entries::<true>(count, max, done)
        }
    }

    /// The loop of [`range_entries`](Self::range_entries), checking each entry against the end
    /// of the segment when `CHECK_END`.
    #[inline(always)]
    fn entries<const CHECK_END: bool>(
        &mut self,
        count: u16,
        max: u16,
        done: &mut u16,
    ) -> Result<u16, Stop> {
        let (mut window, mut pos) = (self.window, self.pos);
        let mut largest = 0u16;
        let mut outcome = Ok(());
        for _ in 0..count {
            let (first, last, width) = entry_of(window.peek(self.text, RANGE_BITS));
            if CHECK_END && pos + width as usize > self.len {
                outcome = Err(Stop::End);
                break;
            }
            if let Some(bad) = bad_entry(first, last, max) {
                outcome = Err(Stop::BadRange(pos, bad));
                break;
            }
            largest = largest.max(last);
            window.consume(width);
            pos += width as usize;
            *done += 1;
        }
        self.window = window;
        self.pos = pos;
        outcome.map(|()| largest)
    }

    /// Reads and checks `count` publisher restrictions (PurposeId, RestrictionType, NumEntries,
    /// then the range entries): stops at the first restriction whose type is 3, or whose range
    /// entry is wrong, or that runs past the end of the segment (the reader is then at the start
    /// of that restriction, `done` counting those before it).
    #[inline]
    pub(crate) fn restrictions(&mut self, count: u16, done: &mut u16) -> Result<(), Stop> {
        /// PurposeId, RestrictionType and NumEntries.
        const HEAD_BITS: u32 = 6 + 2 + 12;
        let mut here = *self;
        let mut outcome = Ok(());
        for _ in 0..count {
            let start = here.pos;
            let head = here.window.peek(self.text, HEAD_BITS);
            let entries = (head & 0xFFF) as u16;
            if here.pos + HEAD_BITS as usize + usize::from(entries) * 17 > self.len {
                outcome = Err(Stop::End);
                break;
            }
            if (head >> 12) & 0b11 == 3 {
                outcome = Err(Stop::BadType(here.pos + 6));
                break;
            }
            here.consume(HEAD_BITS);
            let mut read = 0;
            match here.range_entries(entries, u16::MAX, &mut read) {
                Ok(_) => *done += 1,
                Err(Stop::End) => {
                    // Back to the start of the restriction (rare: near the end of the segment).
                    here = Self::at(self.text, self.segment, start);
                    outcome = Err(Stop::End);
                    break;
                }
                Err(stop) => {
                    outcome = Err(stop);
                    break;
                }
            }
        }
        *self = here;
        outcome
    }

    /// Reads two letters of 6 bits each (0 is `A`, 25 is `Z`).
    #[inline]
    pub(crate) fn read_letters(&mut self, field: &'static str) -> Result<[u8; 2], TcError> {
        let start = self.pos;
        let mut letters = [b'A'; 2];
        for letter in &mut letters {
            let value = self.read_u8(6, field)?;
            if value > 25 {
                return Err(self
                    .error_at(TcErrorKind::InvalidField, field, start)
                    .with_value(u64::from(value)));
            }
            *letter = b'A' + value;
        }
        Ok(letters)
    }
}

/// A fixed-width field of flags numbered from 1: flag `i` is the `i`-th bit read (the most
/// significant one is flag 1).
///
/// One word: the flags in the low `width` bits (at most 63), and a marker bit just above them
/// (so it is never 0, which lets an `Option` of a value that holds it be no larger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IdBits(NonZeroU64);

impl Default for IdBits {
    fn default() -> Self {
        Self(NonZeroU64::MIN)
    }
}

impl IdBits {
    /// The flags of the `width` low bits of `raw` (a width above 63 is 63).
    #[inline]
    pub(crate) fn new(raw: u64, width: u8) -> Self {
        let width = width.min(63);
        let marker = 1u64 << width;
        let bits = (raw & (marker - 1)) | marker;
        Self(NonZeroU64::new(bits).unwrap_or(NonZeroU64::MIN))
    }

    /// The number of flags.
    #[inline]
    pub(crate) fn width(self) -> u8 {
        (63 - self.0.leading_zeros()) as u8
    }

    /// Whether flag `id` is set (ids outside `1..=width` are not).
    #[inline]
    pub(crate) fn get(self, id: u8) -> bool {
        let width = self.width();
        if id == 0 || id > width {
            return false;
        }
        (self.0.get() >> (width - id)) & 1 == 1
    }

    /// The set flags, ascending.
    pub(crate) fn iter(self) -> impl Iterator<Item = u8> {
        (1..=self.width()).filter(move |&id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_across_characters_most_significant_bit_first() -> Result<(), TcError> {
        // `B` is 000001 and `A` is 000000: bits 000001 000000.
        let mut reader = BitReader::new(b"BA", 0);
        assert_eq!(reader.read(5, "a")?, 0);
        assert_eq!(reader.read(2, "b")?, 0b10);
        assert_eq!(reader.remaining(), 5);
        assert_eq!(reader.read(5, "c")?, 0);
        let error = reader.read(1, "d").err();
        assert_eq!(
            error.map(|e| (e.kind(), e.field(), e.bit())),
            Some((TcErrorKind::Truncated, "d", 12))
        );
        Ok(())
    }

    #[test]
    fn reads_fields_of_every_width_at_every_offset() -> Result<(), TcError> {
        // 40 characters: 240 bits of the pattern 000001 000010 ... (each character's index + 1).
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let text: Vec<u8> = (1..=40).map(|i| alphabet[i]).collect();
        let bit = |n: usize| ((n / 6 + 1) >> (5 - n % 6)) & 1 == 1;
        for start in [0, 1, 5, 6, 63, 64, 65, 100, 127, 128, 175] {
            for width in [1, 2, 6, 12, 16, 36, 57, 58] {
                let mut reader = BitReader::new(&text, 0);
                let mut left = start;
                while left > 0 {
                    let step = left.min(MAX_READ_BITS as usize);
                    reader.read(step as u32, "skip")?;
                    left -= step;
                }
                let mut skipped = BitReader::at(&text, 0, start);
                let mut stepped = BitReader::new(&text, 0);
                stepped.read(3, "skip")?;
                stepped.skip(start.saturating_sub(3));
                if start >= 3 {
                    assert_eq!(
                        stepped.read(width as u32, "field")?,
                        skipped.peek(width as u32)
                    );
                }
                let expected =
                    (start..start + width).fold(0u64, |acc, n| (acc << 1) | u64::from(bit(n)));
                assert_eq!(
                    reader.read(width as u32, "field")?,
                    expected,
                    "{start} {width}"
                );
                assert_eq!(skipped.read(width as u32, "field")?, expected);
            }
        }
        Ok(())
    }

    #[test]
    fn flags_are_numbered_from_the_first_bit() {
        let flags = IdBits::new(0b1010_0000_0000_0000_0000_0001, 24);
        assert!(flags.get(1) && !flags.get(2) && flags.get(3) && flags.get(24));
        assert!(!flags.get(0) && !flags.get(25));
        assert_eq!(flags.iter().collect::<Vec<_>>(), [1, 3, 24]);
    }

    #[test]
    fn the_scan_finds_the_dots_or_the_first_wrong_byte() {
        let ends = |text: &[u8]| -> Result<Vec<usize>, usize> {
            let dots = scan(text)?;
            let (mut ends, mut from) = (Vec::new(), 0);
            loop {
                let end = dots.end(text, ends.len(), from);
                ends.push(end);
                if end == text.len() {
                    return Ok(ends);
                }
                from = end + 1;
            }
        };
        let expected = |text: &[u8]| -> Vec<usize> {
            let mut ends: Vec<usize> = (0..text.len()).filter(|&i| text[i] == b'.').collect();
            ends.push(text.len());
            ends
        };
        for len in [1, 5, 31, 32, 33, 54, 63, 64, 65, 100] {
            let text = vec![b'A'; len];
            assert_eq!(ends(&text), Ok(vec![len]));
            for at in [0, len / 2, len - 1] {
                for later in [at, len - 1] {
                    let mut dotted = text.clone();
                    dotted[later] = b'.';
                    dotted[at] = b'.';
                    assert_eq!(ends(&dotted), Ok(expected(&dotted)), "{len} {at} {later}");
                    assert_eq!(scan(&dotted).map(|d| d.first()), Ok(Some(at)));
                    let mut wrong = dotted.clone();
                    wrong[later] = b'=';
                    assert_eq!(scan(&wrong).err(), Some(later), "{len} {at} {later}");
                }
            }
            // A `.` at every position, and with others before and after it.
            for at in 0..len {
                let mut dotted = text.clone();
                dotted[at] = b'.';
                assert_eq!(ends(&dotted), Ok(vec![at, len]), "{len} {at}");
                dotted[len / 3] = b'.';
                dotted[len - 1] = b'.';
                assert_eq!(ends(&dotted), Ok(expected(&dotted)), "{len} {at}");
            }
            // More `.`s than the scan notes.
            let many: Vec<u8> = (0..len)
                .map(|i| if i % 3 == 1 { b'.' } else { b'A' })
                .collect();
            assert_eq!(ends(&many), Ok(expected(&many)), "{len}");
        }
    }

    #[test]
    fn only_the_base64url_alphabet_is_accepted() {
        assert_eq!(first_invalid(b"Az09-_.A"), None);
        assert_eq!(first_invalid(b"AB=C"), Some(2));
        assert_eq!(sextet_bits(b'A'), 0);
        assert_eq!(sextet_bits(b'-'), 62);
        assert_eq!(sextet_bits(b'_'), 63);
        assert_eq!(sextet_bits(b'.'), 0);
        for byte in [b'+', b'/', b' ', 0xC3] {
            assert_eq!(first_invalid(&[b'A', byte]), Some(1));
            assert_eq!(sextet_bits(byte), 0);
        }
    }
}
