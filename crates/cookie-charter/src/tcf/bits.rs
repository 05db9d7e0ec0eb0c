//! Bits of a segment: validating the base64url text, reading MSB-first fields of any width
//! straight from it (no intermediate buffer); and [`IdBits`], a fixed-width field of flags
//! numbered from 1.

use super::error::{TcError, TcErrorKind};

/// Marks a byte that is not in the base64url alphabet.
const NOT_BASE64: u8 = 0xFF;

/// The 6-bit value of every byte, or [`NOT_BASE64`].
static SEXTETS: [u8; 256] = sextet_table();

#[expect(
    clippy::indexing_slicing,
    reason = "a const fn cannot use `get_mut`; every index is below 64 or 256 by the loop bounds"
)]
const fn sextet_table() -> [u8; 256] {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [NOT_BASE64; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}

/// The 6-bit value of a byte, or [`NOT_BASE64`].
#[inline(always)]
fn sextet_or_marker(byte: u8) -> u8 {
    SEXTETS
        .get(usize::from(byte))
        .copied()
        .unwrap_or(NOT_BASE64)
}

/// The 6-bit value of a base64url character (any other byte, which validation excludes first,
/// gives 63).
#[inline(always)]
pub(crate) fn sextet_bits(byte: u8) -> u64 {
    u64::from(sextet_or_marker(byte) & 0x3F)
}

/// Whether `byte` is a base64url character or the `.` between segments.
fn is_text_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() | (byte == b'-') | (byte == b'_') | (byte == b'.')
}

/// The position of the first byte of `text` that is neither base64url nor `.`, if any.
///
/// Checks every byte without stopping early (which lets the loop be vectorised), and looks for
/// the position only when a byte is wrong.
pub(crate) fn first_invalid(text: &[u8]) -> Option<usize> {
    /// Bytes checked per step: a fixed-size block the compiler checks with vector compares.
    const BLOCK: usize = 32;
    let all_ok = |block: &[u8; BLOCK]| block.iter().fold(true, |ok, &b| ok & is_text_byte(b));
    let mut blocks = text.chunks_exact(BLOCK);
    let mut ok = true;
    for block in &mut blocks {
        ok &= <&[u8; BLOCK]>::try_from(block).is_ok_and(all_ok);
    }
    // The last bytes, in a block padded with a valid byte, so that they take the vector path too.
    let rest = blocks.remainder();
    let mut last = [b'A'; BLOCK];
    if let Some(start) = last.get_mut(..rest.len()) {
        start.copy_from_slice(rest);
    }
    if ok & all_ok(&last) {
        return None;
    }
    text.iter().position(|&b| !is_text_byte(b))
}

/// A sequential reader of the bits of one segment, straight from its base64url text (most
/// significant bit first): each character is looked up once, into a 64-bit window that holds
/// the next bits, so a field of any width up to 58 bits is a shift and a mask.
///
/// Copying a reader copies its position: a view re-reads a validated section from a copy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BitReader<'a> {
    /// The base64url characters of the segment (validated before any reading).
    text: &'a [u8],
    /// The index of the next character to load into `window`.
    next: usize,
    /// The low `available` bits are the next bits of the segment.
    window: u64,
    available: u32,
    /// The offset of the next bit, and the length of the segment in bits.
    pos: usize,
    len: usize,
    segment: usize,
}

/// The widest field [`BitReader::read`] reads at once.
pub(crate) const MAX_READ_BITS: u32 = 58;

impl<'a> BitReader<'a> {
    /// A reader at the first bit of `text`, the segment of index `segment`, which must hold only
    /// base64url characters (see [`first_invalid`]).
    #[inline]
    pub(crate) fn new(text: &'a [u8], segment: usize) -> Self {
        Self {
            text,
            next: 0,
            window: 0,
            available: 0,
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

    /// Loads characters until the window holds at least `width` bits (or the text ends).
    #[inline(always)]
    fn fill(&mut self, width: u32) {
        // Runs of 8 or 4 characters while the window has room, then one at a time near the end.
        if self.available <= 16 {
            if let Some(run) = self.text.get(self.next..self.next + 8) {
                let bits = run.iter().fold(0u64, |acc, &b| (acc << 6) | sextet_bits(b));
                self.window = (self.window << 48) | bits;
                self.available += 48;
                self.next += 8;
            }
        } else if self.available <= 40 {
            if let Some(run) = self.text.get(self.next..self.next + 4) {
                let bits = run.iter().fold(0u64, |acc, &b| (acc << 6) | sextet_bits(b));
                self.window = (self.window << 24) | bits;
                self.available += 24;
                self.next += 4;
            }
        }
        while self.available < width {
            let Some(&byte) = self.text.get(self.next) else {
                return;
            };
            self.window = (self.window << 6) | sextet_bits(byte);
            self.available += 6;
            self.next += 1;
        }
    }

    /// The next `width` bits (1 to [`MAX_READ_BITS`]) without moving; the caller has checked that
    /// they are in the segment.
    #[inline(always)]
    pub(crate) fn peek(&mut self, width: u32) -> u64 {
        let width = width.clamp(1, MAX_READ_BITS);
        if self.available < width {
            self.fill(width);
        }
        let shift = self.available.saturating_sub(width);
        (self.window >> shift) & ((1u64 << width) - 1)
    }

    /// Moves past `bits` bits that were peeked.
    #[inline(always)]
    pub(crate) fn consume(&mut self, bits: u32) {
        self.available = self.available.saturating_sub(bits);
        self.pos += bits as usize;
    }

    /// Moves `bits` bits forward without reading them.
    #[inline]
    pub(crate) fn skip(&mut self, bits: usize) {
        if bits <= self.available as usize {
            self.consume(bits as u32);
            return;
        }
        self.pos = self.pos.saturating_add(bits);
        let (index, offset) = (self.pos / 6, (self.pos % 6) as u32);
        self.window = 0;
        self.available = 0;
        self.next = index;
        if offset > 0 {
            if let Some(&byte) = self.text.get(index) {
                self.window = sextet_bits(byte);
                self.available = 6 - offset;
                self.next = index + 1;
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
/// One word: the flags in the low `width` bits (at most 63), and a marker bit just above them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct IdBits(u64);

impl Default for IdBits {
    fn default() -> Self {
        Self(1)
    }
}

impl IdBits {
    /// The flags of the `width` low bits of `raw` (a width above 63 is 63).
    #[inline]
    pub(crate) fn new(raw: u64, width: u8) -> Self {
        let width = width.min(63);
        let marker = 1u64 << width;
        Self((raw & (marker - 1)) | marker)
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
        (self.0 >> (width - id)) & 1 == 1
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
    fn only_the_base64url_alphabet_is_accepted() {
        assert_eq!(first_invalid(b"Az09-_.A"), None);
        assert_eq!(first_invalid(b"AB=C"), Some(2));
        assert_eq!(sextet_or_marker(b'.'), NOT_BASE64);
        assert_eq!(sextet_or_marker(b'_'), 63);
        for byte in [b'+', b'/', b' ', 0xC3] {
            assert_eq!(first_invalid(&[b'A', byte]), Some(1));
            assert_eq!(sextet_or_marker(byte), NOT_BASE64);
        }
    }
}
