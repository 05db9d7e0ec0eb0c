//! The Rust side of the C overhead benchmark: `Policy::decide` on the workload `bench_decide.c`
//! reads from this folder (`policy.toml`, `names.txt`, `consent.txt`) with the same loop, timed
//! the same way.
//!
//! Prints `rust decide: <median> ns/call (min <fastest round>)`, the figure the C call is held
//! to, then the same through a call that is not inlined; `bench.sh` runs it next to the C program.

use std::hint::black_box;
use std::time::Instant;

use engine::{Consent, Decision, Policy};

/// Passes over the names per timed round (also in `bench_decide.c`).
const PASSES: usize = 2_000;
/// Timed rounds; the median is reported (also in `bench_decide.c`).
const ROUNDS: usize = 15;

#[inline(never)]
fn decide_not_inlined<'p>(
    policy: &'p Policy,
    name: &str,
    consent: &Consent,
    now: u64,
) -> Decision<'p> {
    policy.decide(name, consent, now)
}

/// The median and the smallest of the per-round figures.
fn median_and_min(mut per_call: Vec<f64>) -> (f64, f64) {
    per_call.sort_by(f64::total_cmp);
    let median = per_call
        .get(per_call.len() / 2)
        .copied()
        .unwrap_or_default();
    let min = per_call.first().copied().unwrap_or_default();
    (median, min)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches");
    let policy = Policy::from_toml(&std::fs::read_to_string(dir.join("policy.toml"))?)?;
    let names = std::fs::read_to_string(dir.join("names.txt"))?;
    let names: Vec<&str> = names.lines().filter(|l| !l.is_empty()).collect();
    if names.is_empty() {
        return Err("benches/names.txt has no names".into());
    }
    // The consent cookie value, then the time, one a line (as `bench_decide.c` reads them).
    let consent_txt = std::fs::read_to_string(dir.join("consent.txt"))?;
    let mut lines = consent_txt.lines();
    let (Some(value), Some(now)) = (lines.next(), lines.next()) else {
        return Err("benches/consent.txt: the consent value, then now, one a line".into());
    };
    let consent = Consent::from_cookie(value);
    let now: u64 = now.trim().parse()?;
    let calls = (PASSES * names.len()) as f64;

    // As a Rust caller gets it: `decide` inlined into the loop.
    let mut checksum = 0u64;
    let mut per_call = Vec::with_capacity(ROUNDS);
    for round in 0..=ROUNDS {
        let start = Instant::now();
        for _ in 0..PASSES {
            for name in &names {
                let decision = policy.decide(black_box(name), black_box(&consent), now);
                checksum +=
                    u64::from(decision.allowed) + decision.purpose.map_or(0, |p| p.len() as u64);
            }
        }
        // Round 0 warms the caches up and is not counted.
        if round > 0 {
            per_call.push(start.elapsed().as_nanos() as f64 / calls);
        }
    }
    let (median, min) = median_and_min(per_call);
    println!("rust decide: {median:.1} ns/call (min {min:.1}) checksum {checksum}");

    // For reference: through a call that is not inlined, like the C export.
    let mut checksum = 0u64;
    let mut per_call = Vec::with_capacity(ROUNDS);
    for round in 0..=ROUNDS {
        let start = Instant::now();
        for _ in 0..PASSES {
            for name in &names {
                let decision =
                    decide_not_inlined(&policy, black_box(name), black_box(&consent), now);
                checksum +=
                    u64::from(decision.allowed) + decision.purpose.map_or(0, |p| p.len() as u64);
            }
        }
        if round > 0 {
            per_call.push(start.elapsed().as_nanos() as f64 / calls);
        }
    }
    let (median, min) = median_and_min(per_call);
    println!("rust decide, not inlined: {median:.1} ns/call (min {min:.1}) checksum {checksum}");
    Ok(())
}
