//! TC strings: cookie-charter's `TcString::decode` beside the `lib_tcstring` crate, on the valid
//! strings of the IAB TCF conformance data (the same eight the Python and Node runs decode), and
//! on strings with publisher restrictions (the three of that data, and three built here with
//! known restrictions).

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use cookie_charter::TcString;
use lib_tcstring::TcModelV2;
use serde_json::{Value, json};

use crate::row;
use crate::timing::{self, Job, interleaved};

/// The valid strings of the conformance data: LiveRamp/iabconsent's five, gguridi's a to c.
pub fn strings() -> Vec<String> {
    named().into_iter().map(|(_, s)| s).collect()
}

/// The valid strings of the conformance data, with their names.
pub fn named() -> Vec<(String, String)> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/iab-tcf");
    let read = |relative: &str| -> Value {
        let text = std::fs::read_to_string(data.join(relative))
            .unwrap_or_else(|e| panic!("{relative}: {e}"));
        serde_json::from_str(&text).expect("conformance JSON")
    };
    let suite = read("v2.2/iabconsent.json");
    let mut out: Vec<(String, String)> = suite
        .get("valid")
        .and_then(Value::as_array)
        .expect("valid vectors")
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("iabconsent {i}"), consent(v)))
        .collect();
    for name in ["a", "b", "c"] {
        let vector = read(&format!("v2/consent_{name}.json"));
        out.push((format!("gguridi {name}"), consent(&vector)));
    }
    out
}

/// The TC string of a conformance vector.
fn consent(vector: &Value) -> String {
    vector
        .get("consent")
        .and_then(Value::as_str)
        .expect("a TC string")
        .to_owned()
}

/// The strings with publisher restrictions, named: those of the conformance data (iabconsent 1,
/// 3 restrictions; gguridi a and c, 26 and 27) and three built by [`Writer`] with known
/// restrictions (see [`built`]).
pub fn restricted_named() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = named()
        .into_iter()
        .filter(|(_, s)| {
            TcString::decode(s).is_ok_and(|tc| !tc.core().publisher_restrictions().is_empty())
        })
        .collect();
    out.extend(built().into_iter().map(|(name, s, _)| (name.to_owned(), s)));
    out
}

/// The strings with publisher restrictions.
pub fn restricted() -> Vec<String> {
    restricted_named().into_iter().map(|(_, s)| s).collect()
}

/// A publisher restriction as written: purpose, restriction type, vendor range entries.
type Restriction = (u8, u8, Vec<(u16, u16)>);

/// Writes the bits of a TC string segment, most significant bit first.
#[derive(Default)]
struct Writer {
    bits: Vec<bool>,
}

impl Writer {
    /// Appends `value` on `width` bits.
    fn push(&mut self, value: u64, width: u32) -> &mut Self {
        for i in (0..width).rev() {
            self.bits.push((value >> i) & 1 == 1);
        }
        self
    }

    /// Appends range entries: NumEntries, then each entry.
    fn entries(&mut self, entries: &[(u16, u16)]) -> &mut Self {
        self.push(entries.len() as u64, 12);
        for &(start, end) in entries {
            if start == end {
                self.push(0, 1).push(start.into(), 16);
            } else {
                self.push(1, 1).push(start.into(), 16).push(end.into(), 16);
            }
        }
        self
    }

    /// Appends a bitfield vendor section of `max` vendors, vendor `id` set when `set(id)`.
    fn bitfield(&mut self, max: u16, set: impl Fn(u16) -> bool) -> &mut Self {
        self.push(max.into(), 16).push(0, 1);
        for id in 1..=max {
            self.push(u64::from(set(id)), 1);
        }
        self
    }

    /// Appends a range vendor section.
    fn ranges(&mut self, max: u16, entries: &[(u16, u16)]) -> &mut Self {
        self.push(max.into(), 16).push(1, 1).entries(entries)
    }

    /// The base64url text of the bits, padded with 0s to whole bytes as encoders do (then to a
    /// whole character).
    fn finish(&self) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut bits = self.bits.clone();
        bits.resize(bits.len().next_multiple_of(8), false);
        bits.chunks(6)
            .map(|c| {
                let v = (0..6).fold(0usize, |acc, i| {
                    (acc << 1) | usize::from(c.get(i).copied().unwrap_or(false))
                });
                char::from(ALPHABET[v])
            })
            .collect()
    }
}

/// The fixed core fields of a built string (Version to PublisherCC): created 2026-12-01,
/// CMP 300, English, GVL 90, policy version 5, purposes 1 to 10 with consent, 2 and 7 to 10 under
/// legitimate interest, France.
fn header(w: &mut Writer) {
    w.push(2, 6)
        .push(17_645_472_000, 36)
        .push(17_645_472_000, 36)
        .push(300, 12)
        .push(12, 12)
        .push(1, 6)
        .push(4, 6)
        .push(13, 6)
        .push(90, 12)
        .push(5, 6)
        .push(0, 1)
        .push(0, 1)
        .push(0b1000_0000_0000, 12)
        .push(0b1111_1111_1100_0000_0000_0000, 24)
        .push(0b0100_0011_1100_0000_0000_0000, 24)
        .push(0, 1)
        .push(5, 6)
        .push(17, 6);
}

/// Three strings with publisher restrictions, built with known contents: their name, text and
/// restrictions.
///
/// - A site's string as CMPs write it today: vendor consents and legitimate interests as
///   bitfields up to vendor 1,100 (a fixed pseudo-random half of them set), and 4 restrictions
///   of 1 to 3 entries; a disclosed-vendors segment.
/// - The same vendors range-encoded (12 and 6 entries), and 8 restrictions of 1 to 4 entries.
/// - A short string (no vendor consented, 30 under legitimate interest) with 2 restrictions of
///   one vendor each.
fn built() -> Vec<(&'static str, String, Vec<Restriction>)> {
    let half = |id: u16| (u32::from(id).wrapping_mul(2_654_435_761) >> 7) & 1 == 1;
    let mut out = Vec::new();

    let restrictions: Vec<Restriction> = vec![
        (1, 1, vec![(8, 8)]),
        (2, 0, vec![(25, 25), (91, 120)]),
        (7, 2, vec![(755, 755), (4, 4), (1000, 1024)]),
        (10, 1, vec![(32, 32), (50, 50)]),
    ];
    let mut w = Writer::default();
    header(&mut w);
    w.bitfield(1100, half).bitfield(1100, |id| !half(id));
    w.push(restrictions.len() as u64, 12);
    for (purpose, code, entries) in &restrictions {
        w.push((*purpose).into(), 6)
            .push((*code).into(), 2)
            .entries(entries);
    }
    let mut disclosed = Writer::default();
    disclosed.push(1, 3).bitfield(1100, |id| id % 3 != 0);
    out.push((
        "built: bitfields, 4 restrictions",
        format!("{}.{}", w.finish(), disclosed.finish()),
        restrictions,
    ));

    let restrictions: Vec<Restriction> = vec![
        (1, 1, vec![(8, 8)]),
        (2, 0, vec![(25, 25), (91, 120)]),
        (3, 1, vec![(2, 2), (4, 4), (6, 6), (8, 8)]),
        (4, 1, vec![(11, 40)]),
        (7, 2, vec![(755, 755), (4, 4), (1000, 1024)]),
        (9, 0, vec![(300, 310), (12, 12)]),
        (10, 1, vec![(32, 32), (50, 50)]),
        (11, 2, vec![(77, 77)]),
    ];
    let consents = [
        (1, 10),
        (12, 12),
        (21, 40),
        (52, 52),
        (61, 90),
        (100, 100),
        (128, 160),
        (200, 200),
        (410, 511),
        (700, 710),
        (755, 755),
        (1000, 1100),
    ];
    let li = [(2, 2), (8, 8), (25, 25), (91, 120), (300, 333), (901, 999)];
    let mut w = Writer::default();
    header(&mut w);
    w.ranges(1100, &consents).ranges(999, &li);
    w.push(restrictions.len() as u64, 12);
    for (purpose, code, entries) in &restrictions {
        w.push((*purpose).into(), 6)
            .push((*code).into(), 2)
            .entries(entries);
    }
    out.push(("built: ranges, 8 restrictions", w.finish(), restrictions));

    let restrictions: Vec<Restriction> = vec![(2, 1, vec![(755, 755)]), (4, 0, vec![(32, 32)])];
    let mut w = Writer::default();
    header(&mut w);
    w.bitfield(0, |_| false).bitfield(30, |_| true);
    w.push(restrictions.len() as u64, 12);
    for (purpose, code, entries) in &restrictions {
        w.push((*purpose).into(), 6)
            .push((*code).into(), 2)
            .entries(entries);
    }
    out.push(("built: short, 2 restrictions", w.finish(), restrictions));
    out
}

/// `lib_tcstring`'s vendor list of a range section (as written), sorted and without repeats.
fn sorted(mut ids: Vec<u16>) -> Vec<u16> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Both decoders read the same purpose consents, vendor consents and legitimate interests and
/// publisher restrictions (purpose, type, vendors) from every string.
pub fn check(strings: &[String]) {
    assert!(!strings.is_empty());
    for text in strings {
        let ours = TcString::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let theirs = TcModelV2::try_from(text.as_str()).unwrap_or_else(|e| panic!("{e:?}"));
        let core = ours.core();
        let purposes: Vec<u8> = core.purpose_consents().collect();
        assert_eq!(
            purposes, theirs.purposes_consent,
            "purpose consents: {text}"
        );
        let vendors: Vec<u16> = core.vendor_consents().iter().collect();
        assert_eq!(
            vendors,
            sorted(theirs.vendors_consent),
            "vendor consents: {text}"
        );
        let li: Vec<u16> = core.vendor_legitimate_interests().iter().collect();
        assert_eq!(
            li,
            sorted(theirs.vendors_li_consent),
            "vendor legitimate interests: {text}"
        );
        let restrictions = core.publisher_restrictions();
        assert_eq!(
            restrictions.len(),
            theirs.publisher_restrictions.len(),
            "publisher restrictions: {text}"
        );
        for (r, t) in restrictions.zip(&theirs.publisher_restrictions) {
            assert_eq!(r.purpose(), t.purpose_id, "restriction purpose: {text}");
            let theirs_type = match t.restriction_type {
                lib_tcstring::PublisherRestrictionType::NotAllowed => 0,
                lib_tcstring::PublisherRestrictionType::RequireConsent => 1,
                lib_tcstring::PublisherRestrictionType::RequireLegitimateInterest => 2,
                lib_tcstring::PublisherRestrictionType::Undefined => 3,
            };
            assert_eq!(r.restriction_type().code(), theirs_type, "{text}");
            let ids: Vec<u16> = r.vendors().iter().collect();
            assert_eq!(
                ids,
                sorted(t.vendor_list.clone()),
                "restriction vendors: {text}"
            );
        }
    }
    // The built strings hold what they were built with.
    for (name, text, restrictions) in built() {
        let tc = TcString::decode(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let read: Vec<(u8, u8, Vec<u16>)> = tc
            .core()
            .publisher_restrictions()
            .map(|r| {
                (
                    r.purpose(),
                    r.restriction_type().code(),
                    r.vendors().iter().collect(),
                )
            })
            .collect();
        let expected: Vec<(u8, u8, Vec<u16>)> = restrictions
            .into_iter()
            .map(|(p, c, entries)| {
                let ids = entries.iter().flat_map(|&(s, e)| s..=e).collect();
                (p, c, sorted(ids))
            })
            .collect();
        assert_eq!(read, expected, "{name}");
    }
}

/// The two timed jobs over `strings`: cookie-charter, then `lib_tcstring`.
fn jobs(strings: &[String]) -> Vec<Job<'_>> {
    let n = strings.len();
    vec![
        (
            n,
            Box::new(|| {
                strings
                    .iter()
                    .map(|s| {
                        TcString::decode(black_box(s)).map_or(0, |tc| u64::from(tc.core().cmp_id()))
                    })
                    .sum()
            }),
        ),
        (
            n,
            Box::new(|| {
                strings
                    .iter()
                    .map(|s| {
                        TcModelV2::try_from(black_box(s.as_str()))
                            .map_or(0, |tc| u64::from(tc.cmp_id))
                    })
                    .sum()
            }),
        ),
    ]
}

/// The row ids and labels of the two decoders.
const DECODERS: [(&str, &str); 2] = [
    (
        "rust/cookie-charter",
        "Rust: cookie-charter `TcString::decode`",
    ),
    (
        "rust/lib_tcstring",
        "Rust: `lib_tcstring` `TcModelV2::try_from` (0.5)",
    ),
];

/// Times both decoders in turn, round after round, on the corpus (table `tc-decode`) and on the
/// strings with publisher restrictions (table `tc-decode-restrictions`); one row each, per
/// string.
pub fn rows(strings: &[String], restricted: &[String]) -> Vec<Value> {
    check(strings);
    check(restricted);
    let mut out = Vec::new();
    for (table, set) in [
        ("tc-decode", strings),
        ("tc-decode-restrictions", restricted),
    ] {
        let timed = interleaved(&mut jobs(set), timing::ROUNDS, Duration::from_millis(20));
        out.extend(
            DECODERS
                .into_iter()
                .zip(timed)
                .map(|((id, label), samples)| row(table, id, label, samples)),
        );
    }
    out
}

/// What the report says of the strings.
pub fn describe(strings: &[String]) -> Value {
    json!({"count": strings.len(), "bytes": strings.iter().map(String::len).collect::<Vec<_>>()})
}

/// The median of some samples.
fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A quick run (`cookie-charter-compare tcf`): the medians of both decoders and their ratio on
/// the corpus, on the strings with publisher restrictions, and on each string alone.
pub fn quick() {
    let corpus = named();
    let restricted = restricted_named();
    let all = |v: &[(String, String)]| v.iter().map(|(_, s)| s.clone()).collect::<Vec<_>>();
    check(&all(&corpus));
    check(&all(&restricted));
    let mut sets: Vec<(String, Vec<String>)> = vec![
        (format!("corpus ({} strings)", corpus.len()), all(&corpus)),
        (
            format!("with publisher restrictions ({} strings)", restricted.len()),
            all(&restricted),
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (name, s) in corpus.iter().chain(&restricted) {
        if seen.insert(s.clone()) {
            sets.push((format!("{name} ({} chars)", s.len()), vec![s.clone()]));
        }
    }
    println!(
        "{:>10}  {:>10}  {:>6}  strings",
        "ours", "lib_tcstr", "ratio"
    );
    for (name, set) in &sets {
        let mut timed = interleaved(&mut jobs(set), timing::ROUNDS, Duration::from_millis(20));
        let ours = median(&mut timed[0]);
        let theirs = median(&mut timed[1]);
        println!(
            "{ours:>8.1}ns  {theirs:>8.1}ns  {:>5.1}x  {name}",
            theirs / ours
        );
    }
}

/// For a profiler (`cookie-charter-compare tcf-loop DECODER SET ROUNDS`): decodes the strings
/// of `set` (`corpus`, `restrictions`, or a string's name) `rounds` times with `decoder`
/// (`cookie-charter` or `lib_tcstring`), nothing else.
pub fn run_loop(decoder: &str, set: &str, rounds: usize) -> u64 {
    let strings: Vec<String> = match set {
        "corpus" => strings(),
        "restrictions" => restricted(),
        name => restricted_named()
            .into_iter()
            .chain(named())
            .filter(|(n, _)| n == name)
            .map(|(_, s)| s)
            .take(1)
            .collect(),
    };
    assert!(!strings.is_empty(), "no string named {set}");
    let mut jobs = jobs(&strings);
    let job = match decoder {
        "lib_tcstring" => &mut jobs[1].1,
        _ => &mut jobs[0].1,
    };
    (0..rounds).map(|_| job()).sum()
}
