//! The fast path of name matching, laid out for the branch predictor: a name is read as four
//! machine words (no loop over its bytes), exact names of up to 32 bytes sit in a two-choice
//! table compared word by word, and patterns sit in short lists (those with a prefix chosen by
//! the name's first two bytes, those with a suffix alone in one list), each tried with masked
//! word comparisons. A lookup takes the same steps whatever the name; the tries of
//! [`super::Matcher`] remain for what these lists do not suit (more than 8 patterns in a list,
//! a prefix or suffix of more than 24 bytes).

use super::Pattern;

/// The longest name the exact table holds: such a name is wholly in its four words.
pub(super) const SHORT: usize = 32;

/// The most patterns one list may hold; a policy with a longer list keeps the tries alone.
const MAX_CANDIDATES: usize = 8;

/// Lists of patterns: one per value of this many bits of the name's first two bytes' hash.
const BUCKET_BITS: u32 = 8;

/// A name as words: its length; `head` and `mid`, its bytes 0 to 7 and 8 to 15 (little-endian,
/// zero past its end); `tail` and `tail2`, its last 8 bytes and the 8 before them (the name's
/// last byte in the most significant place, zero before its start).
#[derive(Debug, Clone, Copy)]
pub(super) struct Words {
    len: u64,
    head: u64,
    mid: u64,
    tail: u64,
    tail2: u64,
}

impl Words {
    /// Reads `name` with four overlapping loads and no loop (a name of 8 bytes or more), or
    /// three (a shorter one).
    #[inline]
    pub fn of(name: &[u8]) -> Self {
        let len = name.len();
        if len < 8 {
            let head = short_word(name);
            // 1 to 7 bytes: shift them to the top; none: zero.
            let tail = head.checked_shl(8 * (8 - len as u32)).unwrap_or(0);
            return Self {
                len: len as u64,
                head,
                mid: 0,
                tail,
                tail2: 0,
            };
        }
        // Bytes 8 to 15 are read from `at` (8, or the last 8 bytes of a shorter name, shifted
        // down); the 8 before the last 8 from `before` (their place, or the first 8 bytes of a
        // shorter name, shifted up). Every load is within the name: both offsets are at most
        // `rest`, which the compiler sees, so it checks none.
        let rest = len - 8;
        let at = rest.min(8);
        let before = rest.saturating_sub(8);
        let shift = 8 * (8 - at as u32);
        Self {
            len: len as u64,
            head: word_at(name, 0).unwrap_or(0),
            mid: word_at(name, at)
                .unwrap_or(0)
                .checked_shr(shift)
                .unwrap_or(0),
            tail: word_at(name, rest).unwrap_or(0),
            tail2: word_at(name, before)
                .unwrap_or(0)
                .checked_shl(shift)
                .unwrap_or(0),
        }
    }

    /// Whether two names (of at most [`SHORT`] bytes: the words hold them whole) are equal,
    /// every word compared.
    #[inline]
    fn same_short(&self, other: &Self) -> bool {
        (self.len ^ other.len)
            | (self.head ^ other.head)
            | (self.mid ^ other.mid)
            | (self.tail ^ other.tail)
            | (self.tail2 ^ other.tail2)
            == 0
    }
}

/// The 8 bytes of `name` from `at`, if it has them.
#[inline]
fn word_at(name: &[u8], at: usize) -> Option<u64> {
    let bytes = name.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// The bytes of a name shorter than 8 bytes as a little-endian word (two overlapping loads).
#[inline]
fn short_word(name: &[u8]) -> u64 {
    let len = name.len();
    if let (Some(first), Some(last)) = (name.first_chunk::<4>(), name.last_chunk::<4>()) {
        let low = u64::from(u32::from_le_bytes(*first));
        let high = u64::from(u32::from_le_bytes(*last));
        low | high << (8 * (len - 4))
    } else if let (Some(&first), Some(&middle), Some(&last)) =
        (name.first(), name.get(len / 2), name.last())
    {
        u64::from(first) | u64::from(middle) << (8 * (len / 2)) | u64::from(last) << (8 * (len - 1))
    } else {
        0
    }
}

/// A 64-bit hash of a short name's words under `seed`: one 128-bit product of two words that
/// mix all four (names of 17 to 32 bytes may share their first and last 8), its halves folded.
/// The length enters the second word, times an odd constant.
#[inline]
fn hash(words: &Words, seed: u64) -> u64 {
    fold(
        words.head ^ words.tail.rotate_left(13) ^ seed,
        words.mid ^ words.tail2.rotate_left(29) ^ words.len.wrapping_mul(0x9e37_79b9_7f4a_7c15),
    )
}

/// The high and low halves of the 128-bit product, combined.
#[inline]
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// One slot of [`ExactTable`]: a name's words and its index (`len` is `u64::MAX` when empty,
/// which no name has).
#[derive(Debug, Clone, Copy)]
struct Slot {
    words: Words,
    index: u32,
}

const EMPTY: Slot = Slot {
    words: Words {
        len: u64::MAX,
        head: 0,
        mid: 0,
        tail: 0,
        tail2: 0,
    },
    index: u32::MAX,
};

/// Exact names of at most [`SHORT`] bytes, each in one of two slots given by its hash (cuckoo
/// hashing): a lookup reads both and compares words, with no probe sequence to follow.
#[derive(Debug, Clone)]
pub(super) struct ExactTable {
    /// A power of two of them.
    slots: Vec<Slot>,
    seed: u64,
}

impl ExactTable {
    /// Places `names` (each at most [`SHORT`] bytes, distinct) with their indexes; `None` in
    /// the unlikely case that no seed and size tried places them all.
    pub fn build(names: &[(&[u8], u32)]) -> Option<Self> {
        let mut size = (names.len() * 2).next_power_of_two().max(8);
        for attempt in 0..48u64 {
            if attempt > 0 && attempt % 16 == 0 {
                size *= 2;
            }
            let seed = fold(attempt ^ 0x5851_f42d_4c95_7f2d, 0x2545_f491_4f6c_dd1d) | 1;
            if let Some(table) = Self::place(names, size, seed) {
                return Some(table);
            }
        }
        None
    }

    /// Cuckoo insertion of every name into `size` slots under `seed`.
    fn place(names: &[(&[u8], u32)], size: usize, seed: u64) -> Option<Self> {
        let mut table = Self {
            slots: vec![EMPTY; size],
            seed,
        };
        for &(name, index) in names {
            let mut slot = Slot {
                words: Words::of(name),
                index,
            };
            let mut at = table.positions(&slot.words, size - 1).0;
            for _ in 0..64 {
                let place = table.slots.get_mut(at)?;
                std::mem::swap(place, &mut slot);
                if slot.words.len == u64::MAX {
                    break;
                }
                // Move the displaced name to its other slot.
                let (a, b) = table.positions(&slot.words, size - 1);
                at = if a == at { b } else { a };
            }
            if slot.words.len != u64::MAX {
                return None;
            }
        }
        Some(table)
    }

    /// The two slots `words` may sit in, within `mask` (the number of slots less one).
    #[inline]
    fn positions(&self, words: &Words, mask: usize) -> (usize, usize) {
        let h = hash(words, self.seed);
        (h as usize & mask, (h >> 32) as usize & mask)
    }

    /// The index of the name `words` reads, or `u32::MAX` if it is not in the table.
    #[inline]
    pub fn get(&self, words: &Words) -> u32 {
        // The mask from the slots' own length (a power of two), so that the compiler sees both
        // positions are in bounds and checks neither.
        let Some(mask) = self.slots.len().checked_sub(1) else {
            return u32::MAX;
        };
        let (a, b) = self.positions(words, mask);
        let a = self.slots.get(a).unwrap_or(&EMPTY);
        let b = self.slots.get(b).unwrap_or(&EMPTY);
        // Both compared, the smaller index kept (the compiler may still branch on a word that
        // differs: forcing conditional moves measured no faster).
        let in_a = if a.words.same_short(words) {
            a.index
        } else {
            u32::MAX
        };
        let in_b = if b.words.same_short(words) {
            b.index
        } else {
            u32::MAX
        };
        in_a.min(in_b)
    }
}

/// A pattern's literal bytes as masked words: a name matches when each of its words in `W`
/// places (the `head` and `mid` of a prefix, the `tail` and `tail2` of a suffix, or all four)
/// under the mask equals the pattern's word, and, for a prefix with a suffix, it has at least
/// `need` bytes (see [`Candidate::key_if`]). The words hold
/// 16 bytes of the prefix and 16 of the suffix; a prefix or suffix of up to [`LONGEST`] bytes
/// has its other bytes in a [`Rest`], read once the candidate is chosen.
#[derive(Debug, Clone)]
struct Candidate<const W: usize> {
    need: u64,
    masks: [u64; W],
    words: [u64; W],
    /// What a match gives (see [`key`]).
    key: u64,
}

/// The key of a match: the pattern's literal length plus one in the top byte (the most
/// specific is the greatest key: equal lengths never match a common name, the loader checks
/// it), then its [`Rest`]'s position in `Candidates::rests` plus one (zero: none), then its
/// index in the low 32 bits. Zero is no match.
fn key(literal_len: usize, rest: u32, index: u32) -> u64 {
    ((literal_len as u64 + 1) << 56) | (u64::from(rest) << 32) | u64::from(index)
}

/// The bits of a [`key`] that hold its [`Rest`]'s position plus one.
const REST_BITS: u64 = (1 << 24) - 1;

/// The bytes of a long prefix or suffix beyond the words: the prefix's last 8 (at
/// `prefix_len - 8`) and the suffix's first 8 (at the name's length less `suffix_len`), each
/// with its mask (zero when the words hold all).
#[derive(Debug, Clone)]
struct Rest {
    prefix: (usize, u64, u64),
    suffix: (u64, u64),
    suffix_len: usize,
}

/// The longest prefix or suffix the candidates hold.
const LONGEST: usize = 24;

impl<const W: usize> Candidate<W> {
    /// Fills a list to its length: never matches.
    const NEVER: Self = Self {
        need: u64::MAX,
        masks: [0; W],
        words: [0; W],
        key: 0,
    };

    /// The candidate of `pattern` over the words at `places` (0 `head`, 1 `mid`, 2 `tail`,
    /// 3 `tail2`); `rest` is its [`Rest`]'s position plus one, zero if it has none.
    fn new(pattern: &Pattern<'_>, index: u32, rest: u32, places: [usize; W]) -> Self {
        let (prefix, suffix) = (pattern.prefix.as_bytes(), pattern.suffix.as_bytes());
        let (p, s) = (prefix.len().min(16), suffix.len().min(16));
        // The prefix's bytes from the bottom of `head` and `mid`; the suffix's from the top
        // of `tail` and `tail2`.
        let masks = [
            mask(p.min(8)),
            mask(p.saturating_sub(8)),
            !mask(8 - s.min(8)),
            !mask(8 - s.saturating_sub(8)),
        ];
        let (pw, sw) = (Words::of(prefix), Words::of(suffix));
        let words = [pw.head, pw.mid, sw.tail, sw.tail2];
        let at = |place: usize| {
            let m = masks.get(place).copied().unwrap_or(0);
            (m, words.get(place).copied().unwrap_or(0) & m)
        };
        Self {
            need: pattern.literal_len() as u64,
            masks: places.map(|place| at(place).0),
            words: places.map(|place| at(place).1),
            key: key(pattern.literal_len(), rest, index),
        }
    }

    /// The key if the words `w` (in the candidate's places) of a name of `len` bytes match as
    /// far as the words go, else zero; without a branch. A candidate of one side (two words)
    /// needs no test of the length: where a shorter name has no byte, its words hold zeros,
    /// and a side holds none (`Candidates::build` checks it). A prefix and a suffix together
    /// may overlap in a name too short for both: those are tested.
    #[inline]
    fn key_if(&self, len: u64, w: [u64; W]) -> u64 {
        let mut differ = 0;
        for ((word, mask), expected) in w.iter().zip(&self.masks).zip(&self.words) {
            differ |= word & mask ^ expected;
        }
        let long_enough = W < 4 || len >= self.need;
        if long_enough & (differ == 0) {
            self.key
        } else {
            0
        }
    }
}

/// Whether a pattern's prefix or suffix is longer than the words hold.
fn is_long(pattern: &Pattern<'_>) -> bool {
    pattern.prefix.len() > 16 || pattern.suffix.len() > 16
}

impl Rest {
    fn new(pattern: &Pattern<'_>) -> Self {
        let (prefix, suffix) = (pattern.prefix.as_bytes(), pattern.suffix.as_bytes());
        // Beyond 16 bytes: the prefix's last 8 and the suffix's first 8, whole.
        let rest = |bytes: &[u8], at: usize| match bytes.len() > 16 {
            true => (at, u64::MAX, word_at(bytes, at).unwrap_or(0)),
            false => (0, 0, 0),
        };
        let (_, suffix_mask, suffix_word) = rest(suffix, 0);
        Self {
            prefix: rest(prefix, prefix.len().saturating_sub(8)),
            suffix: (suffix_mask, suffix_word),
            suffix_len: suffix.len(),
        }
    }

    /// Whether `bytes`, which matches as far as the words go, has these bytes too.
    fn matches(&self, bytes: &[u8]) -> bool {
        let (prefix_at, prefix_mask, prefix) = self.prefix;
        let (suffix_mask, suffix) = self.suffix;
        let suffix_at = bytes.len().wrapping_sub(self.suffix_len);
        let differ = (word_at(bytes, prefix_at).unwrap_or(0) & prefix_mask ^ prefix)
            | (word_at(bytes, suffix_at).unwrap_or(0) & suffix_mask ^ suffix);
        differ == 0
    }
}

/// The low `bytes` bytes of a word set.
fn mask(bytes: usize) -> u64 {
    1u64.checked_shl(8 * bytes as u32)
        .map_or(u64::MAX, |bit| bit - 1)
}

/// The list a name's first two bytes (from its head word) choose.
#[inline]
fn bucket(head: u64) -> usize {
    ((head & 0xffff).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BUCKET_BITS)) as usize
}

/// Lists of `W`-word candidates chosen by a name's first two bytes, every list filled with
/// [`Candidate::NEVER`] to the same length: a lookup tries them all, the same number of times
/// for every name.
#[derive(Debug, Clone)]
struct Lists<const W: usize> {
    /// List `b` is `candidates[b * width..][..width]`.
    candidates: Vec<Candidate<W>>,
    width: usize,
}

impl<const W: usize> Lists<W> {
    /// The lists of `patterns` (indexes into `all`, whose rests are `rests`, see
    /// [`Candidate::new`]) over the words at `places`; `None` when a list would hold more than
    /// [`MAX_CANDIDATES`].
    fn build(
        all: &[(Pattern<'_>, usize)],
        rests: &[u32],
        patterns: &[usize],
        places: [usize; W],
    ) -> Option<Self> {
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); 1 << BUCKET_BITS];
        for &i in patterns {
            let (pattern, _) = all.get(i)?;
            match pattern.prefix.as_bytes() {
                [] => lists.iter_mut().for_each(|l| l.push(i)),
                [first] => {
                    // Every second byte, and none (a one-byte name).
                    for second in 0..=255u64 {
                        lists
                            .get_mut(bucket(u64::from(*first) | second << 8))?
                            .push(i);
                    }
                }
                prefix => lists.get_mut(bucket(Words::of(prefix).head))?.push(i),
            }
        }
        // A one-byte prefix lands in some lists more than once (second bytes sharing a list).
        lists.iter_mut().for_each(Vec::dedup);
        let width = lists.iter().map(Vec::len).max().unwrap_or(0);
        if width > MAX_CANDIDATES {
            return None;
        }
        let mut built = Self {
            candidates: Vec::with_capacity(lists.len() * width),
            width,
        };
        for list in lists {
            for &i in &list {
                let (pattern, index) = all.get(i)?;
                let rest = rests.get(i).copied().unwrap_or(0);
                built
                    .candidates
                    .push(Candidate::new(pattern, *index as u32, rest, places));
            }
            built
                .candidates
                .extend(std::iter::repeat_n(Candidate::NEVER, width - list.len()));
        }
        Some(built)
    }

    /// The greatest key of the list `bucket` for a name of `len` bytes whose words at the
    /// candidates' places are `w` (zero: none matches).
    #[inline(always)]
    fn best(&self, bucket: usize, len: u64, w: [u64; W]) -> u64 {
        // One check (the list's start), not two: `take` stops at the end of the vector anyway.
        let list = self.candidates.get(bucket * self.width..).unwrap_or(&[]);
        list.iter()
            .take(self.width)
            .fold(0, |best, c| best.max(c.key_if(len, w)))
    }
}

/// Patterns as masked words, in three kinds so that each is compared on the words it has: a
/// prefix alone (`head` and `mid`), a prefix and a suffix (all four), both in lists chosen by
/// the name's first two bytes; a suffix alone (`tail` and `tail2`), in one list tried for every
/// name. Every list of a kind has the same length, so every name takes the same steps.
#[derive(Debug, Clone)]
pub(super) struct Candidates {
    prefixed: Lists<2>,
    /// `None` when no pattern has both a prefix and a suffix.
    both: Option<Lists<4>>,
    /// The patterns with no prefix.
    suffixed: Vec<Candidate<2>>,
    /// The bytes beyond the words of the long patterns.
    rests: Vec<Rest>,
}

impl Candidates {
    /// Lists `patterns` (with their indexes); `None` when a list would exceed
    /// [`MAX_CANDIDATES`] or a prefix or suffix [`LONGEST`].
    pub fn build(patterns: &[(Pattern<'_>, usize)]) -> Option<Self> {
        // Cookie names hold no zero byte (the loader checks them); the lists rely on it.
        if patterns.iter().any(|(p, _)| {
            p.prefix.len() > LONGEST
                || p.suffix.len() > LONGEST
                || p.prefix.contains('\0')
                || p.suffix.contains('\0')
        }) {
            return None;
        }
        let of_kind = |prefix: bool, suffix: bool| -> Vec<usize> {
            (0..patterns.len())
                .filter(|&i| {
                    patterns.get(i).is_some_and(|(p, _)| {
                        p.prefix.is_empty() != prefix && p.suffix.is_empty() != suffix
                    })
                })
                .collect()
        };
        // Each pattern's rest: its position among the long patterns plus one, or zero.
        let mut rests = Vec::new();
        let mut rest_of = Vec::with_capacity(patterns.len());
        for (pattern, _) in patterns {
            rest_of.push(match is_long(pattern) {
                true => {
                    rests.push(Rest::new(pattern));
                    u32::try_from(rests.len())
                        .ok()
                        .filter(|r| u64::from(*r) <= REST_BITS)?
                }
                false => 0,
            });
        }
        let suffixed: Vec<Candidate<2>> = patterns
            .iter()
            .zip(&rest_of)
            .filter(|((p, _), _)| p.prefix.is_empty())
            .map(|((p, index), rest)| Candidate::new(p, *index as u32, *rest, [2, 3]))
            .collect();
        if suffixed.len() > MAX_CANDIDATES {
            return None;
        }
        Some(Self {
            prefixed: Lists::build(patterns, &rest_of, &of_kind(true, false), [0, 1])?,
            both: match of_kind(true, true) {
                both if both.is_empty() => None,
                both => Some(Lists::build(patterns, &rest_of, &both, [0, 1, 2, 3])?),
            },
            suffixed,
            rests,
        })
    }

    /// The most specific pattern the name (`bytes`, read as `words`) matches (`u32::MAX`:
    /// none), or `None` when the best by the words differs from the name beyond them (rare:
    /// the tries then decide). No branch on the name until then.
    #[inline(always)]
    pub fn best(&self, bytes: &[u8], words: &Words) -> Option<u32> {
        let (len, list) = (words.len, bucket(words.head));
        let tail = [words.tail, words.tail2];
        let best = self
            .prefixed
            .best(list, len, [words.head, words.mid])
            .max(match &self.both {
                Some(both) => {
                    both.best(list, len, [words.head, words.mid, words.tail, words.tail2])
                }
                None => 0,
            })
            .max(
                self.suffixed
                    .iter()
                    .fold(0, |best, c| best.max(c.key_if(len, tail))),
            );
        if best == 0 {
            return Some(u32::MAX);
        }
        let index = best as u32;
        // A branch the stream rarely takes: most patterns fit in the words.
        let rest = (best >> 32) & REST_BITS;
        if rest != 0 {
            let rest = self.rests.get(usize::try_from(rest - 1).ok()?)?;
            return rest.matches(bytes).then_some(index);
        }
        Some(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words of `name` byte by byte, as their definition says.
    fn words_by_bytes(name: &[u8]) -> Words {
        let byte = |i: isize| -> u64 {
            usize::try_from(i)
                .ok()
                .and_then(|i| name.get(i))
                .map_or(0, |b| u64::from(*b))
        };
        let word = |from: isize| (0..8).fold(0, |w, k| w | byte(from + k) << (8 * k));
        let len = name.len() as isize;
        Words {
            len: name.len() as u64,
            head: word(0),
            mid: word(8),
            tail: word(len - 8),
            tail2: word(len - 16),
        }
    }

    #[test]
    fn words_are_read_as_defined_for_every_length() {
        for len in 0..48 {
            let name: Vec<u8> = (0..len).map(|i| b'A' + (i * 7 % 26) as u8).collect();
            let (fast, slow) = (Words::of(&name), words_by_bytes(&name));
            assert_eq!(
                (fast.len, fast.head, fast.mid, fast.tail, fast.tail2),
                (slow.len, slow.head, slow.mid, slow.tail, slow.tail2),
                "length {len}"
            );
        }
    }

    #[test]
    fn the_exact_table_finds_each_name_and_nothing_else() {
        let names: Vec<String> = (0..3_000)
            .map(|i| format!("{}{i}", "n".repeat(i % 29)))
            .filter(|n| n.len() <= SHORT)
            .collect();
        let placed: Vec<(&[u8], u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_bytes(), i as u32))
            .collect();
        let Some(table) = ExactTable::build(&placed) else {
            unreachable!("3,000 names are placed");
        };
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(&Words::of(name.as_bytes())), i as u32, "{name}");
            let other = format!("{name}x");
            if !names.contains(&other) && other.len() <= SHORT {
                assert_eq!(table.get(&Words::of(other.as_bytes())), u32::MAX, "{other}");
            }
        }
        assert_eq!(table.get(&Words::of(b"")), u32::MAX);
    }

    #[test]
    fn ten_thousand_names_of_every_short_length_are_placed() {
        // Names as sites write them, 1 to 32 bytes: the hash must spread them for the two-choice
        // table to place them all (or the policy would fall back to the hash map).
        let names: Vec<String> = (0..10_000usize)
            .map(|i| {
                let name = format!("{}_{i:x}", ["c", "_ga", "wp_", "sess"][i % 4]);
                name.chars().cycle().take(1 + i % SHORT).collect()
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        assert!(names.len() > 8_000, "{} distinct names", names.len());
        let placed: Vec<(&[u8], u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_bytes(), i as u32))
            .collect();
        let Some(table) = ExactTable::build(&placed) else {
            unreachable!("{} names are placed", names.len());
        };
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(&Words::of(name.as_bytes())), i as u32, "{name}");
        }
    }

    #[test]
    fn names_sharing_their_first_and_last_bytes_are_placed() {
        // Names of 17 to 32 bytes that differ only between their first and last 8 bytes: the
        // hash must read those too, or the table could not place them.
        let names: Vec<String> = (0..500)
            .map(|i| format!("wordpres{i:0w$}_session", w = 1 + i % 16))
            .collect();
        let placed: Vec<(&[u8], u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_bytes(), i as u32))
            .collect();
        let Some(table) = ExactTable::build(&placed) else {
            unreachable!("500 names sharing their ends are placed");
        };
        for (i, name) in names.iter().enumerate() {
            assert_eq!(table.get(&Words::of(name.as_bytes())), i as u32, "{name}");
        }
    }

    #[test]
    fn a_one_byte_prefix_counts_once_per_list() {
        // Eight one-byte prefixes: a one-byte prefix goes to the list of every second byte, so
        // lists hold all eight, each once however many second bytes share a list (counted
        // twice, they would not fit). A suffix alone sits in its own list, and the more
        // specific pattern wins whichever list holds it.
        let names = ["a*", "b*", "c*", "d*", "e*", "f*", "g*", "h*", "*az"];
        let patterns: Vec<(Pattern<'_>, usize)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((Pattern::of(n)?, i)))
            .collect();
        let Some(candidates) = Candidates::build(&patterns) else {
            unreachable!("the lists fit");
        };
        assert_eq!(
            (candidates.prefixed.width, candidates.suffixed.len()),
            (MAX_CANDIDATES, 1)
        );
        assert!(candidates.both.is_none());
        for (name, expected) in [
            ("apple", 0),
            ("hat", 7),
            ("graz", 8),
            ("xaz", 8),
            ("q", u32::MAX),
        ] {
            let found = candidates.best(name.as_bytes(), &Words::of(name.as_bytes()));
            assert_eq!(found, Some(expected), "{name}");
        }
    }
}
