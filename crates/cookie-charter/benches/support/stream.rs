//! A realistic query stream over the inventory of `inventory.rs`: about 2,100 distinct names
//! (the exact names, names matching each pattern with varied tails, misses), 200,000 queries in
//! a random order (one in eight a miss), each with one of 64 consents. Deterministic: a seeded
//! generator, the same stream on every run and in every language (the comparison benchmark
//! writes it to its workload).

// A benchmark fixture: its indexes are in range by construction.
#![allow(clippy::indexing_slicing)]

/// Queries in the stream: so many that the branch predictor cannot learn their order. A
/// stream repeated round after round is learned when it is short: on an AMD EPYC (Zen 4) the
/// floor read 3.7 ns a query over 10,000 queries and 13.5 ns over 100,000, the same as with
/// names of one length over any number (`cookie-charter-compare stream-prefixes` shows it).
pub const QUERIES: usize = 200_000;

/// Distinct consents the queries are spread over.
pub const CONSENTS: usize = 64;

/// Distinct names made for each pattern of the inventory.
const PER_PATTERN: usize = 160;

/// Distinct misses.
const MISSES: usize = 290;

/// The stream: the distinct consent cookie values, and each query's name and consent index.
pub struct Stream {
    /// Consent cookie values (`v=1&rev=1&at=...` with a random choice for each purpose).
    pub consents: Vec<String>,
    /// `(name, index into consents)`, in query order.
    pub queries: Vec<(String, usize)>,
}

/// SplitMix64: small, seeded, the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `len` characters of the alphabet cookie values and ids use.
    fn word(&mut self, len: usize) -> String {
        const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
        (0..len)
            .map(|_| char::from(CHARS[self.below(CHARS.len())]))
            .collect()
    }
}

/// The stream for `declarations` (those of `inventory.rs`), from a fixed seed.
pub fn stream(declarations: &[(String, &'static str, bool, bool)]) -> Stream {
    let mut rng = Rng(0x00c0_0c1e_c4a7_7e75);
    let exact: Vec<String> = declarations
        .iter()
        .filter(|(n, ..)| !n.contains('*'))
        .map(|(n, ..)| n.clone())
        .collect();
    let mut pattern_hits = Vec::new();
    for (name, ..) in declarations {
        let Some((prefix, suffix)) = name.split_once('*') else {
            continue;
        };
        for _ in 0..PER_PATTERN {
            // Tails of 0 to 11 characters: ids, counters, hashes.
            let len = rng.below(12);
            let tail = rng.word(len);
            pattern_hits.push(format!("{prefix}{tail}{suffix}"));
        }
    }
    let mut misses = Vec::new();
    while misses.len() < MISSES {
        let miss = match rng.below(4) {
            // A declared name with something added: `_gaX`, `sessionid2`.
            0 => {
                let base = &exact[rng.below(exact.len())];
                let len = 1 + rng.below(3);
                format!("{base}{}", rng.word(len))
            }
            // A name with a leading underscore, as trackers use.
            1 => {
                let len = 2 + rng.below(10);
                format!("_{}", rng.word(len))
            }
            // Anything.
            _ => {
                let len = 3 + rng.below(14);
                rng.word(len)
            }
        };
        misses.push(miss);
    }
    let consents = (0..CONSENTS)
        .map(|i| {
            let mut value = format!("v=1&rev=1&at={}", 1_699_000_000 + i * 3_600);
            for purpose in [
                "statistics",
                "marketing",
                "preferences",
                "social",
                "support",
            ] {
                match rng.below(3) {
                    0 => value.push_str(&format!("&{purpose}=1")),
                    1 => value.push_str(&format!("&{purpose}=0")),
                    _ => {}
                }
            }
            value
        })
        .collect();
    let queries = (0..QUERIES)
        .map(|_| {
            // Seven in eight hit a declaration (half of them an exact name), one in eight misses.
            let name = match rng.below(16) {
                0..=6 => &exact[rng.below(exact.len())],
                7..=13 => &pattern_hits[rng.below(pattern_hits.len())],
                _ => &misses[rng.below(misses.len())],
            };
            (name.clone(), rng.below(CONSENTS))
        })
        .collect();
    Stream { consents, queries }
}
