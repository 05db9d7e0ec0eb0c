//! Bits of a segment: validating the base64url text, unpacking it once into 64-bit words (no
//! intermediate byte string), reading MSB-first fields of any width from them; and [`IdBits`], a
//! fixed-width field of flags numbered from 1.

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
fn sextet_or_marker(byte: u8) -> u8 {
    SEXTETS
        .get(usize::from(byte))
        .copied()
        .unwrap_or(NOT_BASE64)
}

/// The 6-bit value of a base64url character (any other byte, which validation excludes first,
/// gives 63).
fn sextet_bits(byte: u8) -> u64 {
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
    if text.iter().fold(true, |ok, &b| ok & is_text_byte(b)) {
        return None;
    }
    text.iter().position(|&b| !is_text_byte(b))
}

/// The bits of one segment, unpacked once from its base64url text into 64-bit words (most
/// significant bit first), so that reading a field of any width costs two word loads.
///
/// One buffer serves every segment of a string in turn ([`load`](SegmentBits::load) reuses it).
#[derive(Debug, Default)]
pub(crate) struct SegmentBits {
    words: Vec<u64>,
    len: usize,
}

impl SegmentBits {
    /// The bits of `text`, which must hold only base64url characters (see [`first_invalid`]).
    pub(crate) fn new(text: &[u8]) -> Self {
        let mut bits = Self::default();
        bits.load(text);
        bits
    }

    /// Replaces the bits with those of `text` (6 per character).
    pub(crate) fn load(&mut self, text: &[u8]) {
        self.words.clear();
        self.words.reserve(text.len() * 6 / 64 + 1);
        self.len = text.len() * 6;
        // 32 characters are exactly three words: four runs of 8 characters (48 bits each).
        let mut blocks = text.chunks_exact(32);
        for block in &mut blocks {
            let mut runs = block
                .chunks_exact(8)
                .map(|run| run.iter().fold(0u64, |acc, &b| (acc << 6) | sextet_bits(b)));
            let mut next = || runs.next().unwrap_or(0);
            let (a, b, c, d) = (next(), next(), next(), next());
            self.words.push((a << 16) | (b >> 32));
            self.words.push((b << 32) | (c >> 16));
            self.words.push((c << 48) | d);
        }
        // The rest, one character at a time; `pending` holds the `pending_bits` (< 64) newest
        // bits not yet in a word.
        let mut pending = 0u64;
        let mut pending_bits = 0u32;
        for &byte in blocks.remainder() {
            let value = sextet_bits(byte);
            if pending_bits <= 58 {
                pending = (pending << 6) | value;
                pending_bits += 6;
            } else {
                // Fill the word with the high bits of the character; keep the low ones pending.
                let rest = pending_bits - 58;
                self.words.push((pending << (6 - rest)) | (value >> rest));
                pending = value & ((1 << rest) - 1);
                pending_bits = rest;
            }
        }
        if pending_bits > 0 {
            self.words.push(pending << (64 - pending_bits));
        }
    }

    /// A reader at the first bit, for the segment of index `segment`.
    pub(crate) fn reader(&self, segment: usize) -> BitReader<'_> {
        BitReader {
            words: &self.words,
            len: self.len,
            pos: 0,
            segment,
        }
    }
}

/// A cursor over the bits of one segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BitReader<'a> {
    words: &'a [u64],
    len: usize,
    pos: usize,
    segment: usize,
}

impl BitReader<'_> {
    /// The offset of the next bit.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// Moves back `bits` bits (never before the start).
    pub(crate) fn rewind(&mut self, bits: usize) {
        self.pos = self.pos.saturating_sub(bits);
    }

    /// The number of bits left.
    pub(crate) fn remaining(&self) -> usize {
        self.len().saturating_sub(self.pos)
    }

    /// The length of the segment in bits.
    fn len(&self) -> usize {
        self.len
    }

    /// An error of `kind` about `field`, which starts at bit `bit` of this segment.
    pub(crate) fn error_at(&self, kind: TcErrorKind, field: &'static str, bit: usize) -> TcError {
        TcError::new(kind, self.segment, field, bit).with_segment_bits(self.len())
    }

    /// An error of `kind` about `field`, which starts at the current bit.
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

    /// Reads a `width`-bit unsigned field (at most 64 bits).
    #[inline(always)]
    pub(crate) fn read(&mut self, width: u32, field: &'static str) -> Result<u64, TcError> {
        let width = width.min(64);
        self.ensure(width as usize, field)?;
        if width == 0 {
            return Ok(0);
        }
        let (index, offset) = (self.pos / 64, (self.pos % 64) as u32);
        let first = self.words.get(index).copied().unwrap_or(0);
        let window = if offset == 0 {
            first
        } else {
            let second = self.words.get(index + 1).copied().unwrap_or(0);
            (first << offset) | (second >> (64 - offset))
        };
        self.pos += width as usize;
        Ok(window >> (64 - width))
    }

    /// Reads a 1-bit flag.
    pub(crate) fn read_bool(&mut self, field: &'static str) -> Result<bool, TcError> {
        Ok(self.read(1, field)? == 1)
    }

    /// Reads a field of at most 16 bits.
    pub(crate) fn read_u16(&mut self, width: u32, field: &'static str) -> Result<u16, TcError> {
        let value = self.read(width.min(16), field)?;
        Ok(u16::try_from(value).unwrap_or(u16::MAX))
    }

    /// Reads a field of at most 8 bits.
    pub(crate) fn read_u8(&mut self, width: u32, field: &'static str) -> Result<u8, TcError> {
        let value = self.read(width.min(8), field)?;
        Ok(u8::try_from(value).unwrap_or(u8::MAX))
    }

    /// Reads `width` flags numbered from 1, the first bit being flag 1.
    pub(crate) fn read_flags(&mut self, width: u8, field: &'static str) -> Result<IdBits, TcError> {
        let raw = self.read(u32::from(width), field)?;
        Ok(IdBits::new(raw, width))
    }

    /// Reads two letters of 6 bits each (0 is `A`, 25 is `Z`).
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct IdBits {
    raw: u64,
    width: u8,
}

impl IdBits {
    /// The flags of the `width` low bits of `raw`.
    pub(crate) fn new(raw: u64, width: u8) -> Self {
        let width = width.min(64);
        let mask = if width == 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        Self {
            raw: raw & mask,
            width,
        }
    }

    /// The number of flags.
    pub(crate) fn width(self) -> u8 {
        self.width
    }

    /// Whether flag `id` is set (ids outside `1..=width` are not).
    pub(crate) fn get(self, id: u8) -> bool {
        if id == 0 || id > self.width {
            return false;
        }
        (self.raw >> (self.width - id)) & 1 == 1
    }

    /// The set flags, ascending.
    pub(crate) fn iter(self) -> impl Iterator<Item = u8> {
        (1..=self.width).filter(move |&id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_across_characters_most_significant_bit_first() -> Result<(), TcError> {
        // `B` is 000001 and `A` is 000000: bits 000001 000000.
        let bits = SegmentBits::new(b"BA");
        let mut reader = bits.reader(0);
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
        let bits = SegmentBits::new(&text);
        for start in [0, 1, 5, 6, 63, 64, 65, 100, 127, 128, 175] {
            for width in [1, 2, 6, 12, 16, 36, 63, 64] {
                let mut reader = bits.reader(0);
                reader.read((start % 64) as u32, "skip")?;
                reader.read((start - start % 64) as u32 / 2, "skip")?;
                reader.read((start - start % 64) as u32 / 2, "skip")?;
                let expected =
                    (start..start + width).fold(0u64, |acc, n| (acc << 1) | u64::from(bit(n)));
                assert_eq!(
                    reader.read(width as u32, "field")?,
                    expected,
                    "{start} {width}"
                );
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
