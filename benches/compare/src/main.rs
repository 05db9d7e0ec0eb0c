//! The Rust side of the comparison benchmark (run by `benches/compare.sh`).
//!
//! `cookie-charter-compare workload DIR` writes the shared workload to `DIR` (the policy, the query
//! names, the consent, the expected decisions, the charter as Cedar and as Rego, the headers),
//! and checks that every Rust engine gives the expected answers; `run DIR` does the same, then
//! times them and the scaling series and writes `DIR/rust.json`. `cookie-charter-compare check` only checks the answers.
//! `cookie-charter-compare rss N` (used by `run`) prints the resident memory a policy of `N`
//! declarations adds to a fresh process. `cookie-charter-compare tcf` times the TC-string rows
//! alone and prints their medians and ratios, per set and per string; `tcf-loop DECODER SET
//! ROUNDS` runs one TC-string decoder alone, for a profiler. `stream` times the realistic stream
//! alone; `stream-prefixes` times `decide` and the floor on the stream's first 1,000 to all of
//! its queries, to show from which length the branch predictor no longer learns it.

#![forbid(unsafe_code)]
// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

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
            tcf::check(&tcf::restricted());
            println!(
                "{} names: cookie-charter, naive, Cedar and Rego agree",
                fixture.queries.len()
            );
        }
        Some("stream") => {
            // The realistic stream alone, quickly: its description and the three rows' medians.
            let fixture = Fixture::new();
            fixture.check();
            println!("{}", describe_stream(&fixture));
            for r in stream_rows(&fixture) {
                let mut s: Vec<f64> = serde_json::from_value(r["samples"].clone()).unwrap();
                s.sort_by(f64::total_cmp);
                println!("{:>8.2} ns  {}", s[s.len() / 2], r["label"]);
            }
        }
        Some("stream-prefixes") => {
            // Why the stream is long: the floor and `decide` on its first N queries, repeated.
            let fixture = Fixture::new();
            for (n, decide, floor) in stream_prefixes(&fixture) {
                println!(
                    "{n:>7} queries repeated: decide {decide:>6.2} ns, floor {floor:>6.2} ns, \
                     ratio {:.2}",
                    decide / floor
                );
            }
        }
        Some("tcf") => {
            // The TC-string rows alone, quickly: medians and ratios per set and per string.
            tcf::quick();
        }
        Some("tcf-loop") => {
            // For a profiler: one decoder over one set of TC strings, `ROUNDS` times.
            let decoder = args.get(1).map_or("cookie-charter", String::as_str);
            let set = args.get(2).map_or("corpus", String::as_str);
            let rounds: usize = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(100);
            println!("{}", tcf::run_loop(decoder, set, rounds));
        }
        Some("stream-loop") => {
            // For a profiler: one engine over the stream, `ROUNDS` times, by the very loops the
            // timings run.
            let engine = args.get(1).map_or("cookie-charter", String::as_str);
            let rounds: usize = args.get(2).and_then(|n| n.parse().ok()).unwrap_or(100);
            let fixture = Fixture::new();
            let s = &fixture.stream.queries;
            let mut sum = 0u64;
            for _ in 0..rounds {
                sum += match engine {
                    "naive" => naive_stream(&fixture, s),
                    "floor" => floor_stream(s),
                    _ => decide_stream(&fixture, s),
                };
            }
            println!("{sum}");
        }
        Some("rss") => {
            let n: usize = args.get(1).and_then(|n| n.parse().ok()).expect("rss N");
            scaling::print_rss(n);
        }
        _ => {
            eprintln!(
                "usage: cookie-charter-compare run DIR | workload DIR | check | stream \
                 | stream-prefixes | tcf \
                 | tcf-loop DECODER SET ROUNDS | stream-loop ENGINE ROUNDS | rss N"
            );
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
    /// The realistic stream: its consent cookie values, and its queries.
    stream: workload::Stream,
    /// Each of the stream's consents, read once (as a server reads it once per request).
    stream_consents: Vec<Consent>,
    /// The same consents as the hand-written engine reads them: granted or not, per purpose.
    stream_granted: Vec<HashMap<&'static str, bool>>,
}

/// The hand-written engine's reading of a consent cookie value: `purpose=1` grants.
fn granted_of(value: &str) -> HashMap<&'static str, bool> {
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
}

impl Fixture {
    /// Loads the policy and builds every engine from the workload.
    fn new() -> Self {
        let decls = workload::declarations();
        let policy = Policy::from_toml(&workload::policy_toml()).expect("the policy loads");
        let cedar_text = workload::cedar_policies(&decls);
        let rego_text = workload::rego_policy(&decls);
        let stream = workload::stream(&decls);
        let stream_consents = stream
            .consents
            .iter()
            .map(|c| Consent::from_cookie(c))
            .collect();
        let stream_granted = stream.consents.iter().map(|c| granted_of(c)).collect();
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
            stream,
            stream_consents,
            stream_granted,
        }
    }

    /// The decision of cookie-charter for query `i` of the stream.
    fn stream_decision(&self, i: usize) -> cookie_charter::Decision<'_> {
        let (name, c) = &self.stream.queries[i];
        self.policy.decide(name, &self.stream_consents[*c], NOW)
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
        let mut allowed = 0;
        for (i, (name, c)) in self.stream.queries.iter().enumerate() {
            let expected = self.stream_decision(i).allowed;
            allowed += usize::from(expected);
            assert_eq!(
                self.naive.decide(name, &self.stream_granted[*c]),
                expected,
                "naive on the stream: {name} with {}",
                self.stream.consents[*c]
            );
        }
        assert!(allowed > 0 && allowed < self.stream.queries.len());
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
    // The realistic stream: `name TAB consent index` per query, the consents one a line, and
    // the expected decision of every query.
    let mut lines = String::new();
    let mut expected = String::new();
    for (i, (name, c)) in fixture.stream.queries.iter().enumerate() {
        let _ = writeln!(lines, "{name}\t{c}");
        let d = fixture.stream_decision(i);
        let _ = writeln!(
            expected,
            "{name}\t{c}\t{}\t{}\t{}\t{}",
            u8::from(d.allowed),
            d.rule,
            d.purpose.unwrap_or("-"),
            d.consent_state.map_or("-", |s| s.as_str()),
        );
    }
    write(dir, "stream.tsv", &lines);
    write(dir, "stream-expected.tsv", &expected);
    write(
        dir,
        "stream-consents.txt",
        &(fixture.stream.consents.join("\n") + "\n"),
    );
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

    rows.extend(stream_rows(f));

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
    let restricted = tcf::restricted();
    rows.extend(tcf::rows(&strings, &restricted));

    eprintln!("rust: scaling");
    let scaling = scaling::run();
    let out = json!({
        "language": "rust",
        "rows": rows,
        "scaling": scaling,
        "tc_strings": tcf::describe(&strings),
        "tc_restricted_strings": tcf::describe(&restricted),
        "stream": describe_stream(f),
        "stream_prefixes": stream_prefixes(f)
            .into_iter()
            .map(|(queries, decide, floor)| json!({"queries": queries, "decide": decide, "floor": floor}))
            .collect::<Vec<_>>(),
    });
    write(
        dir,
        "rust.json",
        &serde_json::to_string_pretty(&out).expect("JSON"),
    );
}

/// cookie-charter's decisions for the queries `s` of the stream (how many are allowed). The
/// stream's loops are functions of their own, used by every timing of the stream and by
/// `stream-loop`: each is compiled once, so its place in the binary (which moves a loop's time
/// by a few percent) is the same wherever it is timed.
#[inline(never)]
fn decide_stream(f: &Fixture, s: &[(String, usize)]) -> u64 {
    let mut allowed = 0;
    for (q, c) in s {
        let consent = &f.stream_consents[*c];
        allowed += u64::from(f.policy.decide(black_box(q), consent, NOW).allowed);
    }
    allowed
}

/// The hand-written engine's decisions for the queries `s` (see [`decide_stream`]).
#[inline(never)]
fn naive_stream(f: &Fixture, s: &[(String, usize)]) -> u64 {
    let mut allowed = 0;
    for (q, c) in s {
        allowed += u64::from(f.naive.decide(black_box(q), &f.stream_granted[*c]));
    }
    allowed
}

/// The floor for the queries `s`: each name's bytes read (their sum) and its consent index
/// (see [`decide_stream`]).
#[inline(never)]
fn floor_stream(s: &[(String, usize)]) -> u64 {
    let mut sum = 0;
    for (q, c) in s {
        let bytes: u64 = black_box(q.as_bytes()).iter().map(|&b| u64::from(b)).sum();
        sum += bytes + *c as u64;
    }
    sum
}

/// Times cookie-charter, the hand-written engine and the floor on the realistic stream, in turn.
fn stream_rows(f: &Fixture) -> Vec<Value> {
    let mut rows = Vec::new();
    // The realistic stream: thousands of distinct names in a random order, a consent each.
    let s = &f.stream.queries;
    let mut jobs: Vec<Job<'_>> = vec![
        (s.len(), Box::new(|| decide_stream(f, s))),
        (s.len(), Box::new(|| naive_stream(f, s))),
        (s.len(), Box::new(|| floor_stream(s))),
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
            "rust/floor",
            "Rust: the floor, reading each name's bytes (their sum) and its consent index",
        ),
    ]
    .into_iter()
    .zip(timed)
    {
        rows.push(row("stream", id, label, samples));
    }

    rows
}

/// The fastest round of `decide` and of the floor on the first N queries of the stream, each
/// prefix repeated round after round, for N from 1,000 to the whole stream: where the floor
/// drops, the branch predictor has learned the prefix (the lengths of its names, in order).
fn stream_prefixes(f: &Fixture) -> Vec<(usize, f64, f64)> {
    let all = &f.stream.queries;
    let mut out = Vec::new();
    for n in [1_000, 10_000, 50_000, all.len()] {
        let s = &all[..n.min(all.len())];
        let mut jobs: Vec<Job<'_>> = vec![
            (s.len(), Box::new(|| decide_stream(f, s))),
            (s.len(), Box::new(|| floor_stream(s))),
        ];
        let timed = interleaved(&mut jobs, 7, Duration::from_millis(20));
        let fastest = |samples: &[f64]| samples.iter().copied().fold(f64::MAX, f64::min);
        out.push((s.len(), fastest(&timed[0]), fastest(&timed[1])));
    }
    out
}

/// What the realistic stream holds: distinct names, mean length, and how its queries are
/// decided (exact names, patterns, misses).
fn describe_stream(f: &Fixture) -> Value {
    let q = &f.stream.queries;
    let distinct: std::collections::HashSet<&str> = q.iter().map(|(n, _)| n.as_str()).collect();
    let mean_len = q.iter().map(|(n, _)| n.len()).sum::<usize>() as f64 / q.len() as f64;
    let (mut exact, mut pattern, mut miss, mut allowed) = (0, 0, 0, 0);
    for (i, (name, _)) in q.iter().enumerate() {
        match f.policy.declaration(name) {
            None => miss += 1,
            Some(d) if d.is_pattern() => pattern += 1,
            Some(_) => exact += 1,
        }
        allowed += usize::from(f.stream_decision(i).allowed);
    }
    json!({
        "queries": q.len(),
        "distinct_names": distinct.len(),
        "mean_name_bytes": mean_len,
        "consents": f.stream.consents.len(),
        "exact": exact,
        "pattern": pattern,
        "miss": miss,
        "allowed": allowed,
    })
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
