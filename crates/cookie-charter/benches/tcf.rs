//! TC strings: `TcString::decode` beside the `lib_tcstring` crate on the same strings (the
//! valid LiveRamp/iabconsent strings, gguridi/iab-tcf v2 a to c, and the TCF specification's
//! example), after checking that both decoders agree on what they read.
//!
//! Run: `cargo bench -p cookie-charter --bench tcf`

// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::path::Path;

use cookie_charter::TcString;
use criterion::{Criterion, criterion_group, criterion_main};
use lib_tcstring::TcModelV2;
use serde_json::Value;

/// The example string of the TCF specification.
const SPEC_EXAMPLE: &str =
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";

fn load(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/iab-tcf")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).expect("conformance JSON")
}

/// The strings of the comparison, named.
fn strings() -> Vec<(String, String)> {
    let mut out = vec![("spec_example".to_owned(), SPEC_EXAMPLE.to_owned())];
    let suite = load("v2.2/iabconsent.json");
    for (i, vector) in suite["valid"].as_array().unwrap().iter().enumerate() {
        let text = vector["consent"].as_str().unwrap().to_owned();
        out.push((format!("iabconsent_{i}"), text));
    }
    for name in ["a", "b", "c"] {
        let vector = load(&format!("v2/consent_{name}.json"));
        out.push((
            format!("gguridi_{name}"),
            vector["consent"].as_str().unwrap().to_owned(),
        ));
    }
    out
}

/// Both decoders read the same purposes, vendors and segments, so that the timings compare the
/// same work.
fn assert_agree(name: &str, text: &str) {
    let ours = TcString::decode(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let theirs = TcModelV2::try_from(text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let core = ours.core();
    // lib_tcstring gives milliseconds.
    assert_eq!(core.created() * 100, theirs.created_at, "{name}");
    assert_eq!(core.cmp_id(), theirs.cmp_id, "{name}");
    assert_eq!(core.consent_language(), theirs.consent_language, "{name}");
    let purposes: Vec<u8> = core.purpose_consents().collect();
    assert_eq!(
        purposes, theirs.purposes_consent,
        "{name}: purpose consents"
    );
    let li: Vec<u8> = core.purpose_legitimate_interests().collect();
    assert_eq!(li, theirs.purposes_li_transparency, "{name}");
    let vendors: Vec<u16> = core.vendor_consents().iter().collect();
    assert_eq!(vendors, theirs.vendors_consent, "{name}: vendor consents");
    let li_vendors: Vec<u16> = core.vendor_legitimate_interests().iter().collect();
    assert_eq!(li_vendors, theirs.vendors_li_consent, "{name}");
    assert_eq!(
        core.publisher_restrictions().len(),
        theirs.publisher_restrictions.len(),
        "{name}"
    );
    let disclosed: Vec<u16> = ours
        .disclosed_vendors()
        .map(|s| s.iter().collect())
        .unwrap_or_default();
    assert_eq!(
        disclosed, theirs.disclosed_vendors,
        "{name}: disclosed vendors"
    );
}

fn bench(c: &mut Criterion) {
    let strings = strings();
    for (name, text) in &strings {
        assert_agree(name, text);
    }

    let mut all = c.benchmark_group("tcf_decode_all");
    all.bench_function("cookie_charter", |b| {
        b.iter(|| {
            for (_, text) in &strings {
                black_box(TcString::decode(black_box(text)).expect("decodes"));
            }
        });
    });
    all.bench_function("lib_tcstring", |b| {
        b.iter(|| {
            for (_, text) in &strings {
                black_box(TcModelV2::try_from(black_box(text.as_str())).expect("decodes"));
            }
        });
    });
    all.finish();

    for (name, text) in &strings {
        let mut group = c.benchmark_group(format!("tcf_decode/{name}"));
        group.bench_function("cookie_charter", |b| {
            b.iter(|| TcString::decode(black_box(text)).expect("decodes"));
        });
        group.bench_function("lib_tcstring", |b| {
            b.iter(|| TcModelV2::try_from(black_box(text.as_str())).expect("decodes"));
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
