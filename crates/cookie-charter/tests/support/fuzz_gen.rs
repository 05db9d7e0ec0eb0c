//! Deterministic input generation for the stable fuzz harness (`fuzz.rs`) and the name-agreement
//! property (`conformance.rs`): a small seeded PRNG, the committed seed corpora of
//! `fuzz/corpus/<target>/`, and structure-aware mutations of those seeds.
//!
//! Every run prints its seed; `FUZZ_SEED=<seed>` replays a run exactly and `FUZZ_CASES=<n>`
//! changes the number of generated inputs per parser (default 100,000).

// Not every test file that includes this module uses every item.
#![allow(dead_code)]

use std::path::PathBuf;

/// The number of generated inputs per parser unless `FUZZ_CASES` says otherwise.
pub const DEFAULT_CASES: usize = 100_000;

/// SplitMix64: tiny, fast, and good enough to spread mutations; deterministic for a seed.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of this run: `FUZZ_SEED` if set, else a fixed one under CI (`CI` set), else taken
/// from the clock. Printed by the caller.
pub fn run_seed() -> u64 {
    match std::env::var("FUZZ_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("FUZZ_SEED `{text}` is not a u64")),
        // CI replays one fixed stream, so that a landing never depends on the clock; people
        // running the tests explore a new stream each time.
        Err(_) if std::env::var_os("CI").is_some() => 0x5EED_C0DE,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0x5EED, |d| d.as_nanos() as u64),
    }
}

/// The number of generated inputs per parser: `FUZZ_CASES` or [`DEFAULT_CASES`].
pub fn run_cases() -> usize {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

/// The directory of a target's committed seed corpus.
pub fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

/// The seed corpus of `target`, sorted by file name; never empty.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = corpus_dir(target);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus {}: {e}", dir.display()))
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    entries.sort();
    let seeds: Vec<Vec<u8>> = entries
        .iter()
        .filter(|p| p.is_file())
        .map(|p| std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display())))
        .collect();
    assert!(!seeds.is_empty(), "the corpus {} is empty", dir.display());
    seeds
}

/// Bytes that split, end or confuse the formats this project reads.
pub const COMMON_TOKENS: &[&[u8]] = &[
    b";",
    b"=",
    b"&",
    b",",
    b" ",
    b"\t",
    b"\r\n",
    b"\n",
    b"\r",
    b"\0",
    b"\x01",
    b"\x7f",
    b"\"",
    b"\\",
    b"'",
    b"*",
    b".",
    b"-",
    b"_",
    b"\xc3\xa9",
    b"\xc2\xa0",
    b"\xe3\x80\x80",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc0\x80",
    b"0",
    b"1",
    b"-1",
    b"99999999999999999999",
    b"18446744073709551616",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"__Host-",
    b"__Secure-",
    b"__proto__",
    b"constructor",
    b"%00",
    b"%3B",
];

/// Tokens of the TOML and JSON policy formats and of the policy's fields.
pub const POLICY_TOKENS: &[&[u8]] = &[
    b"[",
    b"]",
    b"{",
    b"}",
    b"[[cookies]]\n",
    b"[site]\n",
    b"[purposes.x]\n",
    b"\nname = \"a\"\n",
    b"\"",
    b" = ",
    b":",
    b"\"\"\"",
    b"'''",
    b"#",
    b"true",
    b"null",
    b"1.5",
    b"1e999",
    b"2024-01-01T00:00:00Z",
    b"\"session\"",
    b"\"13 months\"",
    b"\"99999999999999999999 years\"",
    b"\"necessary\"",
    b"\"statistics\"",
    b"\"marketing\"",
    b"anonymous = true\n",
    b"\"third\"",
    b"domain = \"co.uk\"\n",
    b"domain = \"B\xc3\x9cCHER.de.\"\n",
    b"domain = \"127.0.0.1\"\n",
    b"languages = [\"fr\", \"en\", \"de\"]\n",
    b"profile = \"cnil\"\n",
    b"revision = 0\n",
    b"\"_ga_*\"",
    b"\"a*b*\"",
    b"\"*\"",
    b"\\u0000",
    b"\\uD800",
    b"\\n",
    b",",
    b"\"name\": \"a\"",
];

/// Tokens of the consent cookie value.
pub const CONSENT_TOKENS: &[&[u8]] = &[
    b"v=1",
    b"v=2",
    b"&rev=1",
    b"&at=1700000000",
    b"&statistics=1",
    b"&statistics=0",
    b"&marketing=1",
    b"&Marketing=1",
    b"&x=2",
    b"&rev=",
    b"&at=-5",
    b"&v=1",
    b"&&",
    b"18446744073709551615",
    b"+1",
];

/// Tokens of `Cookie` and `Set-Cookie` headers.
pub const HEADER_TOKENS: &[&[u8]] = &[
    b"; Max-Age=",
    b"; max-age=-1",
    b"; Expires=Fri, 01 Jan 99999 00:00:00 GMT",
    b"; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    b"; Domain=",
    b"; Domain=.Example.COM.",
    b"; Domain=co.uk",
    b"; Domain=127.0.0.1",
    b"; Domain=xn--bcher-kva.de",
    b"; Path=/",
    b"; Path=x",
    b"; Secure",
    b"; HttpOnly",
    b"; SameSite=Lax",
    b"=\"",
    b"\"x;y\"",
    b"a=1",
    b"consent=v=1&rev=1&at=1700000000&statistics=1",
    b"consent=",
    b"sessionid=",
    b"_ga=GA1.2",
    b"=sessionid=x",
    b"Set-Cookie: ",
];

/// A structure-aware mutation of one seed: 1 to 4 edits chosen among byte flips, token
/// insertions, deletions, duplications, splices with another seed, random bytes and
/// truncation; one input in sixteen is random bytes instead. At most `max_len` bytes.
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], tokens: &[&[u8]], max_len: usize) -> Vec<u8> {
    if rng.below(16) == 0 {
        let len = rng.below(64);
        return (0..len).map(|_| rng.next_u64() as u8).collect();
    }
    let mut data = rng.pick(seeds).clone();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                data[i] = rng.next_u64() as u8;
            }
            1 | 2 => {
                let token = if rng.chance(50) {
                    *rng.pick(tokens)
                } else {
                    *rng.pick(COMMON_TOKENS)
                };
                let at = rng.below(len + 1);
                data.splice(at..at, token.iter().copied());
            }
            3 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                data.drain(start..end);
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(32)).min(len);
                let copy = data[start..end].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, copy);
            }
            5 => {
                let other = rng.pick(seeds);
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                data.truncate(cut);
                data.extend_from_slice(&other[from..]);
            }
            6 => {
                let at = rng.below(len + 1);
                let bytes: Vec<u8> = (0..=rng.below(8)).map(|_| rng.next_u64() as u8).collect();
                data.splice(at..at, bytes);
            }
            7 if len > 0 => data.truncate(rng.below(len)),
            _ => {
                // Replace a character class the formats treat specially by another.
                if len > 0 {
                    let i = rng.below(len);
                    data[i] = *rng.pick(b";=& \t\"[\n");
                }
            }
        }
    }
    data.truncate(max_len);
    data
}

/// Text for the `&str` APIs: invalid UTF-8 becomes U+FFFD, as a host's decoding would make it.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A `Set-Cookie` value built from pieces browsers treat specially: names and values from
/// small alphabets with spaces, tabs, quotes, `=`, commas, Unicode spaces and control bytes,
/// then attributes.
pub fn set_cookie_header(rng: &mut Rng) -> String {
    const NAME: &[&str] = &[
        "a",
        "b",
        "_ga",
        "consent",
        " ",
        "\t",
        "=",
        ",",
        "\"",
        "é",
        "\u{a0}",
        "\u{3000}",
        "\u{85}",
        "\u{feff}",
        "-",
        "__Host-",
        "__Secure-",
        "\r",
        "\n",
        "\0",
        "\u{7f}",
        "\u{1}",
        "%3B",
    ];
    const VALUE: &[&str] = &[
        "x", "1", " ", "\t", "=", ",", "\"", ";", "\\", "é", "\u{a0}", "a=b",
    ];
    const ATTRIBUTE: &[&str] = &[
        "Path=/",
        "Path=x",
        "Domain=example.com",
        "Domain=.www.example.com",
        "Domain=Example.COM.",
        "Domain=co.uk",
        "Domain=127.0.0.1",
        "Secure",
        "HttpOnly",
        "Max-Age=5",
        "Max-Age=-1",
        "Max-Age=99999999999999999999",
        "Expires=Fri, 01 Jan 2038 00:00:00 GMT",
        "Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "SameSite=None",
        "=",
        "",
        " ",
    ];
    let mut out = String::new();
    for _ in 0..rng.below(5) {
        out.push_str(rng.pick::<&str>(NAME));
    }
    if !rng.chance(10) {
        out.push('=');
    }
    for _ in 0..rng.below(5) {
        out.push_str(rng.pick::<&str>(VALUE));
    }
    for _ in 0..rng.below(4) {
        out.push(';');
        if rng.chance(50) {
            out.push(' ');
        }
        out.push_str(rng.pick::<&str>(ATTRIBUTE));
    }
    out
}
