//! Runs the shared vector corpus of `tests/vectors/` (see its README) against the engine.
//!
//! Every file is found by walking the folder; an empty corpus, an unknown case kind or a file
//! that does not follow the format is a failure. Each failure names the file, the case and the
//! difference, and all of them are reported together.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cookie_charter::{Consent, Decision, Policy};
use serde_json::{Value, json};

#[path = "support/headers_vectors.rs"]
mod headers_vectors;
#[path = "support/tcf_vectors.rs"]
mod tcf_vectors;

/// The corpus folder, at the root of the workspace.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// Every `.json` file under `dir`, sorted.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<PathBuf>>>()?;
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// What the run saw.
#[derive(Default)]
struct Tally {
    files: usize,
    /// Cases run, by kind.
    cases: BTreeMap<String, usize>,
    decisions: usize,
    load_errors: usize,
    failures: Vec<String>,
}

/// Where a failure happened: the file and the case.
struct At<'a> {
    file: &'a str,
    case: &'a str,
}

impl Tally {
    fn fail(&mut self, at: &At<'_>, what: impl std::fmt::Display) {
        self.failures
            .push(format!("{} | {} | {what}", at.file, at.case));
    }
}

/// A decision as the corpus writes it.
fn decision_json(name: &str, d: &Decision<'_>) -> Value {
    json!({
        "cookie": name,
        "allowed": d.allowed,
        "rule": d.rule.as_str(),
        "purpose": d.purpose,
        "consent_state": d.consent_state.map(|s| s.as_str()),
    })
}

/// The consent of a case: `null` is no consent cookie at all.
fn consent_of(case: &Value) -> Result<Consent, String> {
    match case.get("consent") {
        Some(Value::Null) => Ok(Consent::default()),
        Some(Value::String(s)) => Ok(Consent::from_cookie(s)),
        other => Err(format!(
            "`consent` must be a string or null, found {other:?}"
        )),
    }
}

fn now_of(case: &Value) -> Result<u64, String> {
    case.get("now")
        .and_then(Value::as_u64)
        .ok_or_else(|| "`now` must be an unsigned integer".to_owned())
}

/// Runs one `decide` case, recording each difference.
fn run_decide(policy: &Policy, case: &Value, at: &At<'_>, tally: &mut Tally) -> Result<(), String> {
    let now = now_of(case)?;
    let consent = match case.get("tc_string") {
        None => consent_of(case)?,
        Some(tc) => {
            let tc = tc.as_str().ok_or("`tc_string` must be a string")?;
            match (policy.consent_from_tc_string(tc), case.get("tc_error")) {
                (Ok(consent), None) => consent,
                (Err(e), Some(want)) => {
                    if want.as_str() != Some(e.code()) {
                        tally.fail(at, format!("tc_error: expected {want}, got {}", e.code()));
                    }
                    return Ok(());
                }
                (Ok(_), Some(want)) => {
                    tally.fail(at, format!("tc_error: expected {want}, got a consent"));
                    return Ok(());
                }
                (Err(e), None) => {
                    tally.fail(at, format!("consent_from_tc_string: unexpected error {e}"));
                    return Ok(());
                }
            }
        }
    };
    let gpc = match case.get("gpc") {
        None => false,
        Some(v) => v.as_bool().ok_or("`gpc` must be a boolean")?,
    };
    let consent = consent.with_gpc(gpc);
    if let Some(want) = case.get("consent_mode") {
        let got: serde_json::Map<String, Value> = policy
            .consent_mode(&consent, now)
            .iter()
            .map(|(signal, choice)| (signal.as_str().to_owned(), json!(choice.as_str())))
            .collect();
        let got = Value::Object(got);
        if *want != got {
            tally.fail(at, format!("consent_mode: expected {want}, got {got}"));
        }
    }
    let want_problem = case.get("problem").ok_or("`problem` is missing")?;
    let got_problem = json!(consent.problem_at(now).map(|p| p.code()));
    if *want_problem != got_problem {
        tally.fail(
            at,
            format!("problem: expected {want_problem}, got {got_problem}"),
        );
    }
    let decisions = case
        .get("decisions")
        .and_then(Value::as_array)
        .ok_or("`decisions` must be an array")?;
    for want in decisions {
        let name = want
            .get("cookie")
            .and_then(Value::as_str)
            .ok_or("a decision has no `cookie` string")?;
        let got = decision_json(name, &policy.decide(name, &consent, now));
        if *want != got {
            tally.fail(at, format!("decide({name:?}): expected {want}, got {got}"));
        }
        tally.decisions += 1;
    }
    if let Some(want) = case.get("purposes_to_ask") {
        let mut want: Vec<&str> = want
            .as_array()
            .ok_or("`purposes_to_ask` must be an array")?
            .iter()
            .map(|v| v.as_str().ok_or("`purposes_to_ask` must hold strings"))
            .collect::<Result<_, _>>()?;
        let mut got: Vec<&str> = policy
            .purposes_to_ask(&consent, now)
            .into_iter()
            .map(|p| p.as_str())
            .collect();
        // The spec gives a set: compare without order.
        want.sort_unstable();
        got.sort_unstable();
        if want != got {
            tally.fail(
                at,
                format!("purposes_to_ask: expected {want:?}, got {got:?}"),
            );
        }
    }
    Ok(())
}

/// Runs one case of any kind.
fn run_case(policy: &Policy, case: &Value, at: &At<'_>, tally: &mut Tally) -> Result<(), String> {
    let kind = case
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("the case has no `kind`")?;
    match kind {
        "decide" => run_decide(policy, case, at, tally)?,
        "filter" | "purge" => {
            let consent = consent_of(case)?;
            let now = now_of(case)?;
            let differences = if kind == "filter" {
                headers_vectors::run_filter(policy, &consent, now, case)?
            } else {
                headers_vectors::run_purge(policy, &consent, now, case)?
            };
            for difference in differences {
                tally.fail(at, difference);
            }
        }
        "respond" => {
            for difference in headers_vectors::run_respond(policy, case)? {
                tally.fail(at, difference);
            }
        }
        other => return Err(format!("unknown case kind `{other}`")),
    }
    *tally.cases.entry(kind.to_owned()).or_default() += 1;
    Ok(())
}

/// Loads the policy of a case file: `policy` (a JSON object) or `policy_toml` (text).
fn policy_of(doc: &Value) -> Result<Policy, String> {
    match (doc.get("policy"), doc.get("policy_toml")) {
        (Some(p), None) => Policy::from_json(&p.to_string()),
        (None, Some(Value::String(text))) => Policy::from_toml(text),
        _ => return Err("a file needs exactly one of `policy` and `policy_toml`".to_owned()),
    }
    .map_err(|e| format!("the policy does not load: {e} ({})", e.code()))
}

fn run_case_file(doc: &Value, file: &str, tally: &mut Tally) -> Result<(), String> {
    let policy = policy_of(doc)?;
    run_cases(doc, file, tally, |case, at, tally| {
        run_case(&policy, case, at, tally)
    })
}

/// Runs a `tcf/` file: `tc_decode` cases, without a policy.
fn run_tc_file(doc: &Value, file: &str, tally: &mut Tally) -> Result<(), String> {
    run_cases(doc, file, tally, |case, at, tally| {
        match case.get("kind").and_then(Value::as_str) {
            Some("tc_decode") => {}
            other => return Err(format!("unknown case kind {other:?}")),
        }
        for difference in tcf_vectors::run_tc_decode(case)? {
            tally.fail(at, difference);
        }
        *tally.cases.entry("tc_decode".to_owned()).or_default() += 1;
        Ok(())
    })
}

/// Runs every case of `doc["cases"]` through `run`, recording the failures.
fn run_cases(
    doc: &Value,
    file: &str,
    tally: &mut Tally,
    mut run: impl FnMut(&Value, &At<'_>, &mut Tally) -> Result<(), String>,
) -> Result<(), String> {
    let cases = doc
        .get("cases")
        .and_then(Value::as_array)
        .ok_or("`cases` must be an array")?;
    if cases.is_empty() {
        return Err("the file has no case".to_owned());
    }
    for (i, case) in cases.iter().enumerate() {
        let label = format!(
            "case {i}: {}",
            case.get("description")
                .or_else(|| case.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("(no description)")
        );
        let at = At { file, case: &label };
        if let Err(e) = run(case, &at, tally) {
            tally.fail(&at, e);
        }
    }
    Ok(())
}

/// Runs a `load-errors/` file: the policy must fail with the expected code, field and location.
fn run_load_error(doc: &Value, file: &str, tally: &mut Tally) -> Result<(), String> {
    let result = match (doc.get("policy_toml"), doc.get("policy_json")) {
        (Some(Value::String(text)), None) => Policy::from_toml(text),
        (None, Some(Value::String(text))) => Policy::from_json(text),
        _ => return Err("needs exactly one of `policy_toml` and `policy_json` (text)".to_owned()),
    };
    let want = doc.get("error").ok_or("`error` is missing")?;
    tally.load_errors += 1;
    let got = match result {
        Ok(_) => Value::Null,
        Err(e) => json!({
            "code": e.code(),
            "field": e.field(),
            "line": e.location().map(|l| l.line),
            "column": e.location().map(|l| l.column),
        }),
    };
    if *want != got {
        let message = match got {
            Value::Null => format!("expected the error {want}, but the policy loaded"),
            _ => format!("expected the error {want}, got {got}"),
        };
        let at = At {
            file,
            case: "load error",
        };
        tally.fail(&at, message);
    }
    Ok(())
}

#[test]
fn the_corpus_passes() {
    let root = corpus_dir();
    let mut files = Vec::new();
    json_files(&root, &mut files).unwrap();
    assert!(!files.is_empty(), "no vector file under {}", root.display());

    let mut tally = Tally::default();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap_or(path);
        let file = relative.display().to_string();
        tally.files += 1;
        let outcome = std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()))
            .and_then(|doc| {
                if relative.starts_with("load-errors") {
                    run_load_error(&doc, &file, &mut tally)
                } else if relative.starts_with("tcf") {
                    run_tc_file(&doc, &file, &mut tally)
                } else {
                    run_case_file(&doc, &file, &mut tally)
                }
            });
        if let Err(e) = outcome {
            let at = At {
                file: &file,
                case: "file",
            };
            tally.fail(&at, e);
        }
    }

    println!(
        "vectors: {} files, {} decisions, {} load errors",
        tally.files, tally.decisions, tally.load_errors
    );
    for (kind, count) in &tally.cases {
        println!("vectors: {count} `{kind}` cases");
    }
    let mut report = String::new();
    for failure in &tally.failures {
        let _ = writeln!(report, "  {failure}");
    }
    assert!(
        tally.failures.is_empty(),
        "{} vector failures:\n{report}",
        tally.failures.len()
    );
    for kind in ["decide", "filter", "purge", "respond", "tc_decode"] {
        assert!(
            tally.cases.contains_key(kind),
            "the corpus holds no `{kind}` case"
        );
    }
    assert!(tally.load_errors > 0, "the corpus holds no load error");
}
