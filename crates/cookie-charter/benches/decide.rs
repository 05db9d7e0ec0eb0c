//! `decide` on a realistic inventory, beside a naive engine: a `HashMap<String, Decl>` plus a
//! linear scan of the patterns, the code a site would write by hand. Two workloads: the 74
//! query names of the inventory in a fixed order (`decide/...`), and the realistic stream of
//! `support/stream.rs` (`stream/...`: 200,000 queries over about 2,100 distinct names in a random
//! order, a consent each of 64), beside its floor (reading each name's bytes).
//!
//! Run: `cargo bench -p cookie-charter --bench decide`

// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "support/inventory.rs"]
mod inventory;
#[path = "support/stream.rs"]
mod stream;

use std::collections::HashMap;
use std::hint::black_box;

use cookie_charter::{Consent, Policy};
use criterion::{Criterion, criterion_group, criterion_main};

/// The hand-written engine.
struct Naive {
    exact: HashMap<String, (&'static str, bool, bool)>,
    patterns: Vec<(String, String, &'static str, bool, bool)>,
}

impl Naive {
    fn new() -> Self {
        let mut exact = HashMap::new();
        let mut patterns = Vec::new();
        for (name, purpose, third, anonymous) in inventory::declarations() {
            match name.split_once('*') {
                Some((p, s)) => {
                    patterns.push((p.to_owned(), s.to_owned(), purpose, third, anonymous))
                }
                None => {
                    exact.insert(name, (purpose, third, anonymous));
                }
            }
        }
        Self { exact, patterns }
    }

    fn decide(&self, name: &str, granted: &HashMap<&str, bool>) -> bool {
        let decl = self.exact.get(name).copied().or_else(|| {
            self.patterns
                .iter()
                .filter(|(p, s, ..)| {
                    name.len() >= p.len() + s.len()
                        && name.starts_with(p.as_str())
                        && name.ends_with(s.as_str())
                })
                .max_by_key(|(p, s, ..)| p.len() + s.len())
                .map(|(_, _, purpose, third, anonymous)| (*purpose, *third, *anonymous))
        });
        match decl {
            None => false,
            Some(("necessary", ..)) => true,
            Some((purpose, true, _)) => granted.get(purpose).copied().unwrap_or(false),
            Some(("statistics", false, true)) => true,
            Some((purpose, ..)) => granted.get(purpose).copied().unwrap_or(false),
        }
    }
}

fn bench(c: &mut Criterion) {
    let policy = Policy::from_toml(&inventory::policy_toml()).expect("the bench policy loads");
    let consent =
        Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=1&marketing=0&preferences=1");
    let now = 1_700_000_100;
    let queries = inventory::queries();
    let naive = Naive::new();
    let granted: HashMap<&str, bool> = [
        ("statistics", true),
        ("marketing", false),
        ("preferences", true),
    ]
    .into_iter()
    .collect();
    // Both engines must agree before anything is timed.
    for q in &queries {
        assert_eq!(
            policy.decide(q, &consent, now).allowed,
            naive.decide(q, &granted),
            "{q}"
        );
    }
    let per = queries.len() as u64;
    let mut group = c.benchmark_group("decide");
    group.throughput(criterion::Throughput::Elements(per));
    group.bench_function("cookie-charter", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(policy.decide(black_box(q), &consent, now));
            }
        });
    });
    group.bench_function("naive HashMap + pattern scan", |b| {
        b.iter(|| {
            for q in &queries {
                black_box(naive.decide(black_box(q), &granted));
            }
        });
    });
    group.finish();

    // The realistic stream: each consent read once, as a server does per request.
    let stream = stream::stream(&inventory::declarations());
    let consents: Vec<Consent> = stream
        .consents
        .iter()
        .map(|c| Consent::from_cookie(c))
        .collect();
    let granted_of = |value: &str| -> HashMap<&'static str, bool> {
        [
            "statistics",
            "marketing",
            "preferences",
            "social",
            "support",
        ]
        .into_iter()
        .map(|p| (p, value.split('&').any(|kv| kv == format!("{p}=1"))))
        .collect()
    };
    let granted: Vec<HashMap<&str, bool>> = stream.consents.iter().map(|c| granted_of(c)).collect();
    for (q, c) in &stream.queries {
        assert_eq!(
            policy.decide(q, &consents[*c], now).allowed,
            naive.decide(q, &granted[*c]),
            "{q} with {}",
            stream.consents[*c]
        );
    }
    let mut group = c.benchmark_group("stream");
    group.throughput(criterion::Throughput::Elements(stream.queries.len() as u64));
    group.bench_function("cookie-charter", |b| {
        b.iter(|| {
            for (q, c) in &stream.queries {
                black_box(policy.decide(black_box(q), &consents[*c], now));
            }
        });
    });
    group.bench_function("naive HashMap + pattern scan", |b| {
        b.iter(|| {
            for (q, c) in &stream.queries {
                black_box(naive.decide(black_box(q), &granted[*c]));
            }
        });
    });
    group.bench_function("floor: read each name's bytes", |b| {
        b.iter(|| {
            for (q, c) in &stream.queries {
                let sum: u64 = black_box(q.as_bytes()).iter().map(|&b| u64::from(b)).sum();
                black_box(sum + *c as u64);
            }
        });
    });
    group.finish();

    c.bench_function("consent/from_cookie", |b| {
        b.iter(|| {
            Consent::from_cookie(black_box(
                "v=1&rev=1&at=1700000000&statistics=1&marketing=0&preferences=1",
            ))
        });
    });
    c.bench_function("policy/from_toml (62 declarations)", |b| {
        let text = inventory::policy_toml();
        b.iter(|| Policy::from_toml(black_box(&text)));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
