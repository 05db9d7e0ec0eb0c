//! Reading MSB-first bit fields straight from the base64url text of a segment, without decoding
//! it into bytes first; and [`IdBits`], a fixed-width field of flags numbered from 1.

use super::error::{TcError, TcErrorKind};

/// The 6-bit value of a base64url character, or `None` for any other byte.
pub(crate) const fn sextet(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// The position of the first byte of `text` that is not base64url, if any.
pub(crate) fn first_invalid(text: &[u8]) -> Option<usize> {
    text.iter().position(|&b| sextet(b).is_none())
}

/// A cursor over the bits of one segment (6 bits per character, most significant first).
///
/// The text must hold only base64url characters (see [`first_invalid`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BitReader<'a> {
    text: &'a [u8],
    pos: usize,
    segment: usize,
}

impl<'a> BitReader<'a> {
    /// A reader at the start of `text`, the segment of index `segment`.
    pub(crate) fn new(text: &'a [u8], segment: usize) -> Self {
        Self {
            text,
            pos: 0,
            segment,
        }
    }

    /// The offset of the next bit.
    pub(crate) fn position(&self) -> usize {
        self.pos
    }

    /// The number of bits left.
    pub(crate) fn remaining(&self) -> usize {
        self.len().saturating_sub(self.pos)
    }

    /// The length of the segment in bits.
    fn len(&self) -> usize {
        self.text.len().saturating_mul(6)
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
    pub(crate) fn ensure(&self, bits: usize, field: &'static str) -> Result<(), TcError> {
        if bits > self.remaining() {
            return Err(self.error(TcErrorKind::Truncated, field));
        }
        Ok(())
    }

    /// Reads a `width`-bit unsigned field (at most 64 bits).
    pub(crate) fn read(&mut self, width: u32, field: &'static str) -> Result<u64, TcError> {
        let width = width.min(64);
        self.ensure(width as usize, field)?;
        let mut value = 0u64;
        let mut left = width;
        while left > 0 {
            let sextet = self
                .text
                .get(self.pos / 6)
                .and_then(|&b| sextet(b))
                .map_or(0, u64::from);
            let available = 6 - (self.pos % 6) as u32;
            let take = available.min(left);
            let bits = (sextet >> (available - take)) & ((1 << take) - 1);
            value = (value << take) | bits;
            left -= take;
            self.pos += take as usize;
        }
        Ok(value)
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
    fn flags_are_numbered_from_the_first_bit() {
        let flags = IdBits::new(0b1010_0000_0000_0000_0000_0001, 24);
        assert!(flags.get(1) && !flags.get(2) && flags.get(3) && flags.get(24));
        assert!(!flags.get(0) && !flags.get(25));
        assert_eq!(flags.iter().collect::<Vec<_>>(), [1, 3, 24]);
    }

    #[test]
    fn only_the_base64url_alphabet_is_accepted() {
        assert_eq!(first_invalid(b"Az09-_"), None);
        assert_eq!(first_invalid(b"AB=C"), Some(2));
        for byte in [b'+', b'/', b' ', b'.', 0xC3] {
            assert_eq!(sextet(byte), None);
        }
    }
}
