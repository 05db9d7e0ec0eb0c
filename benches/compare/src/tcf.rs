//! TC strings: cookie-charter's `TcString::decode` beside the `lib_tcstring` crate, on the valid
//! strings of the IAB TCF conformance data (the same eight the Python and Node runs decode).

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
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/conformance/iab-tcf");
    let read = |relative: &str| -> Value {
        let text = std::fs::read_to_string(data.join(relative))
            .unwrap_or_else(|e| panic!("{relative}: {e}"));
        serde_json::from_str(&text).expect("conformance JSON")
    };
    let suite = read("v2.2/iabconsent.json");
    let mut out: Vec<String> = suite
        .get("valid")
        .and_then(Value::as_array)
        .expect("valid vectors")
        .iter()
        .map(consent)
        .collect();
    for name in ["a", "b", "c"] {
        let vector = read(&format!("v2/consent_{name}.json"));
        out.push(consent(&vector));
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

/// Both decoders read the same purpose consents and vendor consents from every string.
pub fn check(strings: &[String]) {
    assert!(!strings.is_empty());
    for text in strings {
        let ours = TcString::decode(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let theirs = TcModelV2::try_from(text.as_str()).unwrap_or_else(|e| panic!("{e:?}"));
        let purposes: Vec<u8> = ours.core().purpose_consents().collect();
        assert_eq!(
            purposes, theirs.purposes_consent,
            "purpose consents: {text}"
        );
        let vendors: Vec<u16> = ours.core().vendor_consents().iter().collect();
        assert_eq!(vendors, theirs.vendors_consent, "vendor consents: {text}");
    }
}

/// Times both decoders in turn, round after round; one row each, per string.
pub fn rows(strings: &[String]) -> Vec<Value> {
    check(strings);
    let n = strings.len();
    let mut jobs: Vec<Job<'_>> = vec![
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
    ];
    let timed = interleaved(&mut jobs, timing::ROUNDS, Duration::from_millis(20));
    [
        (
            "rust/cookie-charter",
            "Rust: cookie-charter `TcString::decode`",
        ),
        (
            "rust/lib_tcstring",
            "Rust: `lib_tcstring` `TcModelV2::try_from` (0.5)",
        ),
    ]
    .into_iter()
    .zip(timed)
    .map(|((id, label), samples)| row("tc-decode", id, label, samples))
    .collect()
}

/// What the report says of the strings.
pub fn describe(strings: &[String]) -> Value {
    json!({"count": strings.len(), "bytes": strings.iter().map(String::len).collect::<Vec<_>>()})
}
