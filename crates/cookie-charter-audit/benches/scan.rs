//! The fixture scan's speed: a scan of the hermetic fixture site (the audit tests' own,
//! `crates/cookie-charter-cli/tests/support/shop.rs`) in every scenario, with ten pages per
//! scenario (its `/many` page and nine links), in one Chromium process, judged into a report as
//! `cookie-charter scan` does. The target: under 60 s on a 2-core machine.
//!
//! `cargo bench -p cookie-charter-audit --bench scan` (or `crates/cookie-charter-audit/bench.sh`,
//! which records the machine's load too). `SCAN_BENCH_RUNS` runs (default 3) after one warm-up
//! scan; `SCAN_BENCH_PAGES` other pages per scenario (default 9: ten pages in all). Needs Debian's
//! Chromium (`CHROMIUM_PATH`, else `/usr/bin/chromium`). Prints each run's wall time, the
//! scenarios' count, pages and observations, and the median; checks every run saw the same
//! pages and findings, so that a faster scan that saw less cannot pass unnoticed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark code: a failed unwrap is a failed benchmark"
)]

#[path = "../../cookie-charter-cli/tests/support/shop.rs"]
mod shop;

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use cookie_charter::Policy;
use cookie_charter::audit::Severity;
use cookie_charter_audit::allow::AllowList;
use cookie_charter_audit::report::{self, CollectorInfo, FailOn, Inputs};
use cookie_charter_audit::scan::{self, ScanOptions};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not `{v}`"))
    })
}

fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// One scan, judged: (wall time, pages per scenario, observations, finding codes).
fn scan_once(
    policy: &Policy,
    url: &str,
    pages: usize,
) -> (Duration, Vec<usize>, usize, Vec<String>) {
    let start = Instant::now();
    let options = ScanOptions {
        chromium: scan::default_chromium(),
        urls: vec![url.to_owned()],
        pages,
        timeout: Duration::from_secs(30),
        scenarios: policy.audit_scenarios(now_ms() / 1000),
        progress: false,
    };
    let result = scan::scan(policy, &options).expect("the scan runs");
    let report = report::build(Inputs {
        policy,
        scenarios: &result.scenarios,
        observations: &result.observations,
        collector: CollectorInfo {
            kind: "browser".to_owned(),
            sources: vec![url.to_owned()],
            browser: Some(result.browser.clone()),
            third_party_cookies: Some(scan::THIRD_PARTY_COOKIES.to_owned()),
            blind_spots: Vec::new(),
        },
        allow: &AllowList::default(),
        fail_on: FailOn::At(Severity::Low),
        now_ms: now_ms(),
    });
    let elapsed = start.elapsed();
    let mut findings: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("{}/{}/{}", f.scenario, f.name, f.code))
        .collect();
    findings.sort();
    let pages = result.scenarios.iter().map(|(_, p)| p.len()).collect();
    (elapsed, pages, result.observations.len(), findings)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter that is not ours (`cargo bench -- audit`) skips.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"scan".contains(a.as_str()))
    {
        return;
    }
    let chromium = scan::default_chromium();
    assert!(
        chromium.exists(),
        "no Chromium at {} (apt-get install chromium)",
        chromium.display()
    );
    let runs = env_number("SCAN_BENCH_RUNS", 3).max(1);
    let pages = env_number("SCAN_BENCH_PAGES", 9);
    let policy_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cookie-charter-cli/tests/fixtures/shop.toml");
    let policy =
        Policy::from_toml(&std::fs::read_to_string(&policy_file).unwrap()).expect("the policy");
    let site = shop::Shop::start();
    let url = site.url("/many");
    println!(
        "fixture scan: {url} --pages {pages}, {runs} runs after a warm-up, {} cores",
        std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get)
    );

    let (warm, expected_pages, _, expected_findings) = scan_once(&policy, &url, pages);
    println!(
        "warm-up: {:.2} s, {} scenarios, pages per scenario {:?}, {} findings",
        warm.as_secs_f64(),
        expected_pages.len(),
        expected_pages,
        expected_findings.len()
    );
    let mut times = Vec::new();
    for run in 1..=runs {
        let (elapsed, seen_pages, observations, findings) = scan_once(&policy, &url, pages);
        assert_eq!(seen_pages, expected_pages, "run {run} visited other pages");
        assert_eq!(
            findings, expected_findings,
            "run {run} found other findings"
        );
        println!(
            "run {run}: {:.2} s ({observations} observations)",
            elapsed.as_secs_f64()
        );
        times.push(elapsed);
    }
    times.sort();
    let median = times[times.len() / 2];
    let per_page = median.as_secs_f64() / expected_pages.iter().sum::<usize>().max(1) as f64;
    println!(
        "median: {:.2} s for {} scenarios ({:.0} ms a page); min {:.2} s, max {:.2} s; target under 60 s",
        median.as_secs_f64(),
        expected_pages.len(),
        per_page * 1000.0,
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    );
}
