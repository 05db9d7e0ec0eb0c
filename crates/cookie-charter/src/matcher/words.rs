//! The fast path of name matching, laid out for the branch predictor: a name is read as four
//! machine words (no loop over its bytes), exact names of up to 32 bytes sit in a two-choice
//! table compared word by word, and patterns sit in short lists chosen by the name's first two
//! bytes, each tried with masked word comparisons. A lookup takes the same steps whatever the
//! name; the tries of [`super::Matcher`] remain for what these lists do not suit (many
//! patterns sharing their first two bytes, a prefix or suffix of more than 24 bytes).

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
        // shorter name, shifted up). Every load is within the name: no branch on its length.
        let at = (len - 8).min(8);
        let before = len.saturating_sub(16);
        let shift = 8 * (8 - at as u32);
        Self {
            len: len as u64,
            head: word_at(name, 0).unwrap_or(0),
            mid: word_at(name, at)
                .unwrap_or(0)
                .checked_shr(shift)
                .unwrap_or(0),
            tail: word_at(name, len - 8).unwrap_or(0),
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
#[inline]
fn hash(words: &Words, seed: u64) -> u64 {
    fold(
        words.head ^ words.tail.rotate_left(13) ^ seed,
        words.mid
            ^ words.tail2.rotate_left(29)
            ^ words.len.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            ^ 0xa076_1d64_78bd_642f,
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
    slots: Vec<Slot>,
    mask: u64,
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
            mask: size as u64 - 1,
            seed,
        };
        for &(name, index) in names {
            let mut slot = Slot {
                words: Words::of(name),
                index,
            };
            let mut at = table.first(&slot.words);
            for _ in 0..64 {
                let place = table.slots.get_mut(at)?;
                std::mem::swap(place, &mut slot);
                if slot.words.len == u64::MAX {
                    break;
                }
                // Move the displaced name to its other slot.
                let (a, b) = table.positions(&slot.words);
                at = if a == at { b } else { a };
            }
            if slot.words.len != u64::MAX {
                return None;
            }
        }
        Some(table)
    }

    #[inline]
    fn positions(&self, words: &Words) -> (usize, usize) {
        let h = hash(words, self.seed);
        ((h & self.mask) as usize, ((h >> 32) & self.mask) as usize)
    }

    fn first(&self, words: &Words) -> usize {
        self.positions(words).0
    }

    /// The index of the name `words` reads, or `u32::MAX` if it is not in the table.
    #[inline]
    pub fn get(&self, words: &Words) -> u32 {
        let (a, b) = self.positions(words);
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

/// A pattern as masked words: a name matches when it has at least `need` bytes and each of
/// its words (`head`, `mid`, `tail`, `tail2`) under the mask equals the pattern's word. The
/// words hold 16 bytes of the prefix and 16 of the suffix; a prefix or suffix of up to
/// [`LONGEST`] bytes has its other bytes in `rest`, compared once the candidate is chosen.
#[derive(Debug, Clone)]
struct Candidate {
    need: u64,
    masks: [u64; 4],
    words: [u64; 4],
    index: u32,
    /// The prefix's last 8 bytes (at `prefix_len - 8`) and the suffix's first 8 (at the
    /// name's length less `suffix_len`), each with its mask (zero when the words hold all).
    rest: [(usize, u64, u64); 2],
    suffix_len: usize,
    /// Whether `rest` holds bytes (a prefix or suffix of more than 16 bytes).
    long: bool,
}

/// The longest prefix or suffix the candidates hold.
const LONGEST: usize = 24;

/// Fills a list to the length of the longest: never matches.
const NEVER: Candidate = Candidate {
    need: u64::MAX,
    masks: [0; 4],
    words: [0; 4],
    index: u32::MAX,
    rest: [(0, 0, 0); 2],
    suffix_len: 0,
    long: false,
};

impl Candidate {
    fn new(pattern: &Pattern<'_>, index: u32) -> Self {
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
        // Beyond 16 bytes: the prefix's last 8 and the suffix's first 8, whole.
        let rest = |bytes: &[u8], at: usize| match bytes.len() > 16 {
            true => (at, u64::MAX, word_at(bytes, at).unwrap_or(0)),
            false => (0, 0, 0),
        };
        Self {
            need: (prefix.len() + suffix.len()) as u64,
            words: [0, 1, 2, 3].map(|i| words.get(i).zip(masks.get(i)).map_or(0, |(w, m)| w & m)),
            masks,
            index,
            rest: [
                rest(prefix, prefix.len().saturating_sub(8)),
                rest(suffix, 0),
            ],
            suffix_len: suffix.len(),
            long: prefix.len() > 16 || suffix.len() > 16,
        }
    }

    /// Whether `bytes`, which matches as far as the words go, has the bytes of `rest` too.
    #[inline]
    fn rest_matches(&self, bytes: &[u8]) -> bool {
        let [(prefix_at, prefix_mask, prefix), (_, suffix_mask, suffix)] = self.rest;
        let suffix_at = bytes.len().wrapping_sub(self.suffix_len);
        let differ = (word_at(bytes, prefix_at).unwrap_or(0) & prefix_mask ^ prefix)
            | (word_at(bytes, suffix_at).unwrap_or(0) & suffix_mask ^ suffix);
        differ == 0
    }

    /// Whether the name read as `words` matches as far as the words go, without a branch.
    #[inline]
    fn matches(&self, w: &Words) -> bool {
        let [m0, m1, m2, m3] = self.masks;
        let [w0, w1, w2, w3] = self.words;
        let differ =
            (w.head & m0 ^ w0) | (w.mid & m1 ^ w1) | (w.tail & m2 ^ w2) | (w.tail2 & m3 ^ w3);
        (w.len >= self.need) & (differ == 0)
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

/// Patterns in lists chosen by a name's first two bytes, each list holding every pattern whose
/// prefix agrees with those bytes, the most specific first, every list filled with [`NEVER`]
/// to the same length: a lookup tries them all, the same number of times for every name.
#[derive(Debug, Clone)]
pub(super) struct Candidates {
    /// List `b` is `candidates[b * width..][..width]`.
    candidates: Vec<Candidate>,
    width: usize,
}

impl Candidates {
    /// Lists `patterns` (with their indexes); `None` when a list would exceed
    /// [`MAX_CANDIDATES`].
    pub fn build(patterns: &[(Pattern<'_>, usize)]) -> Option<Self> {
        let mut lists: Vec<Vec<usize>> = vec![Vec::new(); 1 << BUCKET_BITS];
        for (i, (pattern, _)) in patterns.iter().enumerate() {
            let prefix = pattern.prefix.as_bytes();
            match prefix {
                [] => lists.iter_mut().for_each(|l| l.push(i)),
                [first] => {
                    // Every second byte, and none (a one-byte name).
                    for second in 0..=255u64 {
                        lists
                            .get_mut(bucket(u64::from(*first) | second << 8))?
                            .push(i);
                    }
                }
                _ => lists.get_mut(bucket(Words::of(prefix).head))?.push(i),
            }
        }
        // A one-byte prefix lands in some lists more than once (second bytes sharing a list).
        lists.iter_mut().for_each(Vec::dedup);
        let width = lists.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let too_long = patterns
            .iter()
            .any(|(p, _)| p.prefix.len() > LONGEST || p.suffix.len() > LONGEST);
        if width > MAX_CANDIDATES || too_long {
            return None;
        }
        let mut built = Self {
            candidates: Vec::with_capacity(lists.len() * width),
            width,
        };
        for mut list in lists {
            // The most specific first: the first match is the best (equal specificities never
            // match a common name, the loader checks it).
            list.sort_by_key(|&i| {
                patterns
                    .get(i)
                    .map(|(p, _)| std::cmp::Reverse(p.literal_len()))
            });
            for &i in &list {
                let (pattern, index) = patterns.get(i)?;
                built
                    .candidates
                    .push(Candidate::new(pattern, *index as u32));
            }
            built
                .candidates
                .extend(std::iter::repeat_n(NEVER, width - list.len()));
        }
        Some(built)
    }

    /// The most specific pattern the name (`bytes`, read as `words`) matches (`u32::MAX`:
    /// none), or `None` when the best by the words differs from the name beyond them (rare:
    /// the tries then decide). No branch on the name until then.
    #[inline]
    pub fn best(&self, bytes: &[u8], words: &Words) -> Option<u32> {
        let start = bucket(words.head) * self.width;
        let list = self.candidates.get(start..start + self.width)?;
        // Every candidate, the last first, keeping the earliest that matches.
        let mut best = &NEVER;
        for candidate in list.iter().rev() {
            best = if candidate.matches(words) {
                candidate
            } else {
                best
            };
        }
        // A branch the stream rarely takes: most patterns fit in the words.
        (!best.long || best.rest_matches(bytes)).then_some(best.index)
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
        // Seven one-byte prefixes and a suffix-only pattern: a one-byte prefix goes to the list
        // of every second byte, so lists hold all eight, each once however many second bytes
        // share a list (counted twice, they would not fit).
        let names = ["a*", "b*", "c*", "d*", "e*", "f*", "g*", "*z"];
        let patterns: Vec<(Pattern<'_>, usize)> = names
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((Pattern::of(n)?, i)))
            .collect();
        let Some(candidates) = Candidates::build(&patterns) else {
            unreachable!("the lists fit");
        };
        assert_eq!(candidates.width, names.len());
        for (name, expected) in [("apple", 0), ("graz", 6), ("xyz", 7), ("q", u32::MAX)] {
            let found = candidates.best(name.as_bytes(), &Words::of(name.as_bytes()));
            assert_eq!(found, Some(expected), "{name}");
        }
    }
}
