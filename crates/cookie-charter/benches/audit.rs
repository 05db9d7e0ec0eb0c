//! The auditor on 100,000 observations (the target: under 100 ms): cookies and storage keys over
//! six scenarios and a thousand pages, a quarter of them undeclared, many denied.
//!
//! Run: `cargo bench -p cookie-charter --bench audit`

// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

#[path = "support/inventory.rs"]
#[allow(dead_code, reason = "the audit uses the inventory's policy only")]
mod inventory;

use std::hint::black_box;

use cookie_charter::Policy;
use cookie_charter::audit::{
    CookieWrite, Expiry, Observation, ObservedCookie, ObservedStorage, StorageArea, Subject,
    Writer, audit,
};
use cookie_charter::party::Party;
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: u64 = 1_700_000_000;
const OBSERVATIONS: usize = 100_000;

fn observations(policy: &Policy) -> Vec<Observation> {
    let scenarios = policy.audit_scenarios(NOW);
    let names: Vec<String> = policy
        .cookies()
        .iter()
        .map(|c| c.name.replace('*', "x1"))
        .chain((0..policy.cookies().len() / 3).map(|i| format!("unknown_{i}")))
        .collect();
    (0..OBSERVATIONS)
        .map(|i| {
            let scenario = &scenarios[i % scenarios.len()];
            let name = names[(i / 7) % names.len()].clone();
            let page = format!("https://www.example.com/page/{}", i % 1000);
            let subject = if i % 10 == 0 {
                Subject::Storage(ObservedStorage {
                    area: StorageArea::Local,
                    origin: "https://www.example.com".to_owned(),
                    frame: page.clone(),
                    key: name,
                    value_len: 10,
                    party: Party::First,
                    written_after_withdrawal: false,
                })
            } else {
                Subject::Cookie(cookie(name, i))
            };
            Observation {
                scenario: scenario.id.clone(),
                after_withdrawal: scenario.withdrawn.is_some() && i % 2 == 0,
                page,
                time_ms: NOW * 1000,
                subject,
            }
        })
        .collect()
}

fn cookie(name: String, i: usize) -> ObservedCookie {
    ObservedCookie {
        write: (i % 3 == 0).then(|| CookieWrite {
            writer: Writer::Http {
                response_url: "https://www.example.com/".to_owned(),
            },
            line: format!("{name}=v; Max-Age=31536000"),
            lifetime: Expiry::Seconds(31_536_000),
            after_withdrawal: false,
        }),
        name,
        value_len: 20,
        domain: if i % 4 == 0 {
            "example.com"
        } else {
            "www.example.com"
        }
        .to_owned(),
        host_only: i % 4 != 0,
        path: "/".to_owned(),
        partition_key: None,
        party: if i % 5 == 0 {
            Party::Third
        } else {
            Party::First
        },
        stored: Some(Expiry::Seconds(1000)),
    }
}

fn bench(c: &mut Criterion) {
    let policy = Policy::from_toml(&inventory::policy_toml()).expect("the inventory loads");
    let scenarios = policy.audit_scenarios(NOW);
    let observations = observations(&policy);
    let judged = audit(&policy, &scenarios, &observations);
    assert!(!judged.findings.is_empty() && judged.unjudged == 0);
    c.bench_function("audit 100k observations", |b| {
        b.iter(|| audit(black_box(&policy), &scenarios, black_box(&observations)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
