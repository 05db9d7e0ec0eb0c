//! The Rust side of the comparison benchmark (run by `benches/compare.sh`).
//!
//! `cookie-charter-compare workload DIR` writes the shared workload to `DIR` (the policy, the query
//! names, the consent, the expected decisions, the charter as Cedar and as Rego, the headers),
//! and checks that every Rust engine gives the expected answers; `run DIR` does the same, then
//! times them and the scaling series and writes `DIR/rust.json`. `cookie-charter-compare check` only checks the answers.
//! `cookie-charter-compare rss N` (used by `run`) prints the resident memory a policy of `N`
//! declarations adds to a fresh process.

#![forbid(unsafe_code)]
// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

mod engines;
mod scaling;
mod tcf;
mod timing;
mod workload;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use cookie_charter::{Consent, Policy, parse_cookie_header};
use serde_json::{Value, json};

use engines::{Cedar, Naive, Rego};
use std::time::Duration;

use timing::{Job, interleaved, per_op};
use workload::{CONSENT, COOKIE_HEADER, GRANTED, NOW, SET_COOKIES};

/// Dispatches the subcommands.
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(command @ ("run" | "workload")) => {
            let dir = PathBuf::from(
                args.get(1)
                    .expect("usage: cookie-charter-compare run|workload DIR"),
            );
            let fixture = workload(&dir);
            if command == "run" {
                run(&dir, fixture);
            }
        }
        Some("check") => {
            let fixture = Fixture::new();
            fixture.check();
            tcf::check(&tcf::strings());
            println!(
                "{} names: cookie-charter, naive, Cedar and Rego agree",
                fixture.queries.len()
            );
        }
        Some("rss") => {
            let n: usize = args.get(1).and_then(|n| n.parse().ok()).expect("rss N");
            scaling::print_rss(n);
        }
        _ => {
            eprintln!("usage: cookie-charter-compare run DIR | workload DIR | check | rss N");
            std::process::exit(2);
        }
    }
}

/// Everything the decide comparison needs, built once.
struct Fixture {
    policy: Policy,
    consent: Consent,
    queries: Vec<String>,
    naive: Naive,
    granted: HashMap<&'static str, bool>,
    cedar_text: String,
    cedar: Cedar,
    rego_text: String,
}

impl Fixture {
    /// Loads the policy and builds every engine from the workload.
    fn new() -> Self {
        let decls = workload::declarations();
        let policy = Policy::from_toml(&workload::policy_toml()).expect("the policy loads");
        let cedar_text = workload::cedar_policies(&decls);
        let rego_text = workload::rego_policy(&decls);
        Self {
            policy,
            consent: Consent::from_cookie(CONSENT),
            queries: workload::queries(),
            naive: Naive::new(&decls),
            granted: [
                ("statistics", true),
                ("marketing", false),
                ("preferences", true),
            ]
            .into_iter()
            .collect(),
            cedar: Cedar::new(&cedar_text).expect("the Cedar policies parse"),
            cedar_text,
            rego_text,
        }
    }

    /// Every engine gives cookie-charter's answer for every name; panics naming the first
    /// disagreement.
    fn check(&self) {
        let mut rego = Rego::new(&self.rego_text, &GRANTED).expect("the Rego policy compiles");
        let mut allowed = 0;
        for q in &self.queries {
            let expected = self.policy.decide(q, &self.consent, NOW).allowed;
            allowed += usize::from(expected);
            assert_eq!(self.naive.decide(q, &self.granted), expected, "naive: {q}");
            assert_eq!(
                self.cedar.decide(q, &GRANTED).expect("Cedar decides"),
                expected,
                "Cedar: {q}"
            );
            assert_eq!(rego.decide(q).expect("Rego decides"), expected, "Rego: {q}");
        }
        assert!(allowed > 0 && allowed < self.queries.len());
    }
}

/// One timed row of a comparison table.
fn row(table: &str, id: &str, label: &str, samples: Vec<f64>) -> Value {
    json!({"table": table, "id": id, "label": label, "samples": samples})
}

/// Writes one workload file.
fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("writing {name}: {e}"));
}

/// Writes the workload to `dir` for the other languages and checks the Rust engines' answers.
fn workload(dir: &Path) -> Fixture {
    std::fs::create_dir_all(dir).expect("the output folder");
    let fixture = Fixture::new();

    // The workload, for the other languages.
    write(dir, "policy.toml", &workload::policy_toml());
    write(dir, "names.txt", &(fixture.queries.join("\n") + "\n"));
    write(dir, "consent.txt", &format!("{CONSENT}\n{NOW}\n"));
    write(dir, "charter.cedar", &fixture.cedar_text);
    write(dir, "charter.rego", &fixture.rego_text);
    write(dir, "set-cookies.txt", &(SET_COOKIES.join("\n") + "\n"));
    write(dir, "cookie-header.txt", &format!("{COOKIE_HEADER}\n"));
    let mut expected = String::new();
    for q in &fixture.queries {
        let d = fixture.policy.decide(q, &fixture.consent, NOW);
        let _ = writeln!(
            expected,
            "{q}\t{}\t{}\t{}\t{}",
            u8::from(d.allowed),
            d.rule,
            d.purpose.unwrap_or("-"),
            d.consent_state.map_or("-", |s| s.as_str()),
        );
    }
    write(dir, "expected.tsv", &expected);
    let filtered = fixture
        .policy
        .filter_set_cookies(SET_COOKIES, &fixture.consent, NOW);
    let kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();
    write(dir, "expected-kept.txt", &(kept.join("\n") + "\n"));

    // Answers first: every engine agrees before anything is timed.
    fixture.check();
    eprintln!("rust: answers agree");
    fixture
}

/// Times the Rust rows and the scaling series; writes `dir/rust.json`.
fn run(dir: &Path, fixture: Fixture) {
    let filtered = fixture
        .policy
        .filter_set_cookies(SET_COOKIES, &fixture.consent, NOW);
    let kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();

    let mut rows = Vec::new();
    let n = fixture.queries.len();
    let f = &fixture;
    // Timed in turn, round after round, so that the machine's load hits every engine alike.
    let mut rego = Rego::new(&f.rego_text, &GRANTED).expect("Rego");
    let mut jobs: Vec<Job<'_>> = vec![
        (
            n,
            Box::new(|| {
                f.queries
                    .iter()
                    .map(|q| u64::from(f.policy.decide(black_box(q), &f.consent, NOW).allowed))
                    .sum()
            }),
        ),
        (
            n,
            Box::new(|| {
                f.queries
                    .iter()
                    .map(|q| u64::from(f.naive.decide(black_box(q), &f.granted)))
                    .sum()
            }),
        ),
        (
            n,
            Box::new(|| {
                f.queries
                    .iter()
                    .map(|q| u64::from(rego.decide(black_box(q)).unwrap_or(false)))
                    .sum()
            }),
        ),
        (
            n,
            Box::new(|| {
                f.queries
                    .iter()
                    .map(|q| u64::from(f.cedar.decide(black_box(q), &GRANTED).unwrap_or(false)))
                    .sum()
            }),
        ),
    ];
    let timed = interleaved(&mut jobs, timing::ROUNDS, Duration::from_millis(20));
    drop(jobs);
    for ((id, label), samples) in [
        (
            "rust/cookie-charter",
            "Rust: cookie-charter `policy.decide`",
        ),
        (
            "rust/naive",
            "Rust: hand-written `HashMap` + pattern scan + `match`",
        ),
        (
            "rust/regorus",
            "Rust: the charter as Rego, `regorus` (interpreter)",
        ),
        (
            "rust/cedar",
            "Rust: the charter as Cedar policies, `cedar-policy`",
        ),
    ]
    .into_iter()
    .zip(timed)
    {
        rows.push(row("decide", id, label, samples));
    }

    // Headers.
    let allowed: HashMap<String, bool> = SET_COOKIES
        .iter()
        .filter_map(|h| h.split_once('='))
        .map(|(n, _)| {
            let n = n.trim();
            (n.to_owned(), f.policy.decide(n, &f.consent, NOW).allowed)
        })
        .collect();
    let cookie_filter = |headers: &[&'static str]| -> Vec<&'static str> {
        headers
            .iter()
            .filter(|h| {
                cookie::Cookie::parse(**h)
                    .ok()
                    .and_then(|c| allowed.get(c.name()).copied())
                    .unwrap_or(false)
            })
            .copied()
            .collect()
    };
    assert_eq!(cookie_filter(&SET_COOKIES), kept, "the cookie crate filter");
    let ours: Vec<(&str, &str)> = parse_cookie_header(COOKIE_HEADER)
        .map(|p| (p.name, p.value))
        .collect();
    let theirs: Vec<(String, String)> = cookie::Cookie::split_parse(COOKIE_HEADER)
        .filter_map(Result::ok)
        .map(|c| (c.name().to_owned(), c.value().to_owned()))
        .collect();
    assert_eq!(
        ours.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>(),
        theirs,
        "the cookie crate reads the Cookie header alike"
    );
    rows.push(row(
        "filter",
        "rust/cookie-charter",
        "Rust: cookie-charter `filter_set_cookies` (validate, read name, decide)",
        per_op(1, || {
            f.policy
                .filter_set_cookies(black_box(SET_COOKIES), &f.consent, NOW)
                .kept
                .len() as u64
        }),
    ));
    rows.push(row(
        "filter",
        "rust/cookie",
        "Rust: `cookie` crate `Cookie::parse` each + decisions from a `HashMap`",
        per_op(1, || cookie_filter(black_box(&SET_COOKIES)).len() as u64),
    ));
    rows.push(row(
        "cookie-header",
        "rust/cookie-charter",
        "Rust: cookie-charter `parse_cookie_header`",
        per_op(1, || {
            parse_cookie_header(black_box(COOKIE_HEADER))
                .map(|p| p.name.len() as u64)
                .sum()
        }),
    ));
    rows.push(row(
        "cookie-header",
        "rust/cookie",
        "Rust: `cookie` crate `Cookie::split_parse`",
        per_op(1, || {
            cookie::Cookie::split_parse(black_box(COOKIE_HEADER))
                .filter_map(Result::ok)
                .map(|c| c.name().len() as u64)
                .sum()
        }),
    ));

    eprintln!("rust: TC strings");
    let strings = tcf::strings();
    rows.extend(tcf::rows(&strings));

    eprintln!("rust: scaling");
    let scaling = scaling::run();
    let out = json!({
        "language": "rust",
        "rows": rows,
        "scaling": scaling,
        "tc_strings": tcf::describe(&strings),
    });
    write(
        dir,
        "rust.json",
        &serde_json::to_string_pretty(&out).expect("JSON"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick form of the benchmark's first step: every Rust engine agrees with
    /// cookie-charter on the shared workload (`cargo test -p cookie-charter-compare`).
    #[test]
    fn every_rust_engine_gives_the_same_answers() {
        Fixture::new().check();
    }

    #[test]
    fn both_tc_string_decoders_agree() {
        tcf::check(&tcf::strings());
    }

    #[test]
    fn scaled_policies_load_and_decide_alike() {
        scaling::check(100);
    }
}
