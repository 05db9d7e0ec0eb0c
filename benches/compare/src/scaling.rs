//! How the cost grows: policies of 10 to 10,000 declarations (half of them patterns), `Cookie`
//! headers of 1 KiB to 1 MiB, batches of 1 to 10,000 `Set-Cookie` headers.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use cookie_charter::{Consent, Policy, parse_cookie_header};
use serde_json::{Value, json};

use crate::engines::Naive;
use crate::timing::{Job, ROUNDS, interleaved};
use crate::workload::{CONSENT, Decl, NOW, SET_COOKIES};

/// Policy sizes measured.
pub const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];

/// The purposes and parties the scaled declarations cycle through.
const PURPOSES: [(&str, bool); 4] = [
    ("necessary", false),
    ("statistics", false),
    ("preferences", false),
    ("marketing", true),
];

/// `n` declarations: `n / 2` exact names, the rest patterns. Half of the patterns are prefixes
/// (`pre00042_*`, 9 literal bytes), half suffixes (`*.s00043`, 7 literal bytes): within each
/// group no two patterns can match the same name, and the groups differ in specificity, so the
/// policy is unambiguous.
pub fn declarations(n: usize) -> Vec<Decl> {
    let exact = n / 2;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let (purpose, third) = PURPOSES.get(i % 4).copied().unwrap_or(("necessary", false));
        let name = if i < exact {
            format!("ck_{i:05}")
        } else if i % 2 == 0 {
            format!("pre{i:05}_*")
        } else {
            format!("*.s{i:05}")
        };
        out.push((name, purpose, third, false));
    }
    out
}

/// The policy file of [`declarations`].
pub fn policy_toml(n: usize) -> String {
    let mut s = String::from(
        "[site]\nname = \"Scale\"\nurl = \"https://www.example.com\"\nconsent_cookie = \"consent\"\n[purposes.preferences]\nlabel = \"p\"\n[purposes.marketing]\nlabel = \"m\"\n",
    );
    for (name, purpose, third, _) in declarations(n) {
        let _ = write!(
            s,
            "[[cookies]]\nname = \"{name}\"\nprovider = \"P\"\nservice = \"S\"\npurpose = \"{purpose}\"\ndescription = \"D\"\nlifetime = \"13 months\"\n"
        );
        if third {
            s.push_str("domain = \"tracker.example.net\"\n");
        }
    }
    s
}

/// 64 query names of the same lengths whatever `n`: exact hits, prefix-pattern hits,
/// suffix-pattern hits and misses, spread over the whole policy. Pattern hits and misses differ
/// in their variable part too, so that a small policy is not asked the same few names over and
/// over (only the exact hits of the 10-declaration policy repeat: it has 5 exact names).
pub fn queries(n: usize) -> Vec<String> {
    let exact = (n / 2).max(1);
    let prefixes: Vec<usize> = (n / 2..n).filter(|i| i % 2 == 0).collect();
    let suffixes: Vec<usize> = (n / 2..n).filter(|i| i % 2 == 1).collect();
    let pick = |v: &[usize], k: usize| v.get(k * 7919 % v.len().max(1)).copied().unwrap_or(0);
    let mut out = Vec::new();
    for k in 0..16 {
        let i = k * 7919 % exact;
        let v = k * 104_729 % 1_000_000;
        out.push(format!("ck_{i:05}"));
        out.push(format!("pre{:05}_{v:06}", pick(&prefixes, k)));
        out.push(format!("{v:06}.s{:05}", pick(&suffixes, k)));
        out.push(format!("zz_{:05}", v % 100_000));
    }
    out
}

/// The policy of `n` declarations loads and decides as the hand-written engine does.
pub fn check(n: usize) -> (Policy, Vec<String>) {
    let policy = Policy::from_toml(&policy_toml(n))
        .unwrap_or_else(|e| panic!("the policy of {n} declarations loads: {e}"));
    let naive = Naive::new(&declarations(n));
    let granted: HashMap<&str, bool> = [("statistics", true), ("preferences", true)]
        .into_iter()
        .collect();
    let consent = Consent::from_cookie(CONSENT);
    let queries = queries(n);
    let mut matched = 0;
    for q in &queries {
        let d = policy.decide(q, &consent, NOW);
        assert_eq!(
            d.allowed,
            naive.decide(q, &granted),
            "{n} declarations: {q}"
        );
        matched += usize::from(d.purpose.is_some());
    }
    assert_eq!(
        matched, 48,
        "{n} declarations: three quarters of the queries match"
    );
    (policy, queries)
}

/// Resident memory of this process in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Prints the resident memory that loading a policy of `n` declarations adds (KiB).
pub fn print_rss(n: usize) {
    let text = policy_toml(n);
    let before = rss_kib();
    let policy = Policy::from_toml(&text).expect("loads");
    let after = rss_kib();
    black_box(&policy);
    println!("{}", after.saturating_sub(before));
}

/// The resident memory a policy of `n` declarations adds to a fresh process (KiB).
fn rss_of(n: usize) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .args(["rss", &n.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

/// A `Cookie` header of about `bytes` bytes: `ck_00042=v00000042; ` repeated.
pub fn cookie_header(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 32);
    let mut i = 0;
    while s.len() < bytes {
        if i > 0 {
            s.push_str("; ");
        }
        let _ = write!(s, "ck_{:05}=v{i:08}", i % 100_000);
        i += 1;
    }
    s
}

/// A `Cookie` header of about `bytes` bytes whose value is all quotes and backslashes.
pub fn quotes_header(bytes: usize) -> String {
    let mut s = String::from("q=\"");
    while s.len() + 1 < bytes {
        s.push_str(if s.len() % 2 == 0 { "\\" } else { "\"" });
    }
    s.push('"');
    s
}

/// Runs every scaling series. The sizes of one series are timed in turn, round after round
/// ([`interleaved`]), so that the machine's load does not favour one size.
pub fn run() -> Value {
    let consent = Consent::from_cookie(CONSENT);

    let texts: Vec<String> = SIZES.iter().map(|&n| policy_toml(n)).collect();
    let loaded: Vec<(Policy, Vec<String>)> = SIZES.iter().map(|&n| check(n)).collect();
    let mut loads: Vec<Job<'_>> = texts
        .iter()
        .map(|text| -> Job<'_> {
            (
                1,
                Box::new(move || {
                    Policy::from_toml(black_box(text)).map_or(0, |p| p.cookies().len() as u64)
                }),
            )
        })
        .collect();
    let load = interleaved(&mut loads, 7, Duration::from_millis(100));
    eprintln!("rust: policies loaded");
    let mut decides: Vec<Job<'_>> = loaded
        .iter()
        .map(|(policy, queries)| -> Job<'_> {
            let consent = &consent;
            (
                queries.len(),
                Box::new(move || {
                    queries
                        .iter()
                        .map(|q| u64::from(policy.decide(black_box(q), consent, NOW).allowed))
                        .sum()
                }),
            )
        })
        .collect();
    let decide = interleaved(&mut decides, ROUNDS, Duration::from_millis(20));
    let policies: Vec<Value> = SIZES
        .iter()
        .zip(texts.iter().zip(load.into_iter().zip(decide)))
        .map(|(&n, (text, (load, decide)))| {
            json!({
                "declarations": n, "patterns": n - n / 2, "bytes": text.len(),
                "load": load, "rss_kib": rss_of(n), "decide": decide,
            })
        })
        .collect();
    eprintln!("rust: policies measured");

    let mut sizes: Vec<(String, String)> = [1usize, 4, 16, 64, 256, 1024]
        .into_iter()
        .map(|k| {
            (
                format!("{k} KiB of `name=value; `"),
                cookie_header(k * 1024),
            )
        })
        .collect();
    sizes.push((
        "64 KiB of quotes and backslashes".to_owned(),
        quotes_header(64 * 1024),
    ));
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for (label, header) in &sizes {
        let cookies = parse_cookie_header(header).count();
        let theirs = cookie::Cookie::split_parse(header.as_str())
            .filter_map(Result::ok)
            .count();
        assert_eq!(
            cookies, theirs,
            "{label}: both parsers read the same cookies"
        );
        jobs.push((
            1,
            Box::new(move || {
                parse_cookie_header(black_box(header))
                    .map(|p| p.name.len() as u64)
                    .sum()
            }),
        ));
        jobs.push((
            1,
            Box::new(move || {
                cookie::Cookie::split_parse(black_box(header.as_str()))
                    .filter_map(Result::ok)
                    .map(|c| c.name().len() as u64)
                    .sum()
            }),
        ));
        jobs.push((
            1,
            Box::new(move || {
                u64::from(
                    crate_policy()
                        .consent_from_cookie_header(black_box(header))
                        .problem()
                        .is_some(),
                )
            }),
        ));
    }
    let mut timed = interleaved(&mut jobs, ROUNDS, Duration::from_millis(20)).into_iter();
    let mut headers = Vec::new();
    for (label, header) in &sizes {
        let (ours, theirs, consent_read) = (
            timed.next().unwrap_or_default(),
            timed.next().unwrap_or_default(),
            timed.next().unwrap_or_default(),
        );
        headers.push(json!({
            "label": label, "bytes": header.len(), "cookies": parse_cookie_header(header).count(),
            "cookie_charter": ours, "cookie_crate": theirs, "consent_from_cookie_header": consent_read,
        }));
    }
    eprintln!("rust: Cookie headers measured");

    let policy = crate_policy();
    let counts = [1usize, 10, 100, 1_000, 10_000];
    let batches_in: Vec<Vec<&str>> = counts
        .iter()
        .map(|&n| SET_COOKIES.iter().copied().cycle().take(n).collect())
        .collect();
    let mut jobs: Vec<Job<'_>> = Vec::new();
    for batch in &batches_in {
        let consent = &consent;
        jobs.push((
            batch.len(),
            Box::new(move || {
                policy
                    .filter_set_cookies(black_box(batch).iter().copied(), consent, NOW)
                    .kept
                    .len() as u64
            }),
        ));
        jobs.push((
            batch.len(),
            Box::new(move || {
                black_box(batch)
                    .iter()
                    .filter(|h| cookie::Cookie::parse(**h).is_ok())
                    .count() as u64
            }),
        ));
    }
    let mut timed = interleaved(&mut jobs, ROUNDS, Duration::from_millis(20)).into_iter();
    let mut batches = Vec::new();
    for batch in &batches_in {
        let kept = policy
            .filter_set_cookies(batch.iter().copied(), &consent, NOW)
            .kept
            .len();
        // The batch repeats the workload's headers: it keeps as many as they keep.
        let per_ten = policy
            .filter_set_cookies(SET_COOKIES, &consent, NOW)
            .kept
            .len();
        if batch.len() % 10 == 0 {
            assert_eq!(kept, per_ten * batch.len() / 10);
        }
        batches.push(json!({
            "headers": batch.len(), "kept": kept,
            "filter": timed.next().unwrap_or_default(), "cookie_crate": timed.next().unwrap_or_default(),
        }));
    }
    eprintln!("rust: Set-Cookie batches measured");
    json!({"policies": policies, "cookie_headers": headers, "set_cookie_batches": batches})
}

/// The shared workload's policy (62 declarations).
fn crate_policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| Policy::from_toml(&crate::workload::policy_toml()).expect("loads"))
}
