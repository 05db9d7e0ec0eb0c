//! The hostile-input corpus of `tests/hostile/` (see its README) through the Rust layer: every
//! `Set-Cookie`, `Cookie` header, consent value and policy file of `cases.json` gives the
//! expected outcome, without a panic.

// Test code: a broken fixture or a failed expectation stops loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use cookie_charter::{Consent, Party, Policy, Problem, SetCookie};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/hostile")
}

fn cases() -> Value {
    let text = std::fs::read_to_string(dir().join("cases.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The bytes of a case: `input`, `input_hex` or `generate` (see `cases.json`).
fn input(case: &Value) -> Vec<u8> {
    if let Some(text) = case["input"].as_str() {
        return text.as_bytes().to_vec();
    }
    if let Some(hex) = case["input_hex"].as_str() {
        return (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
    }
    let parts = case["generate"]
        .as_array()
        .expect("input, input_hex or generate");
    let mut out = String::new();
    for part in parts {
        let piece = part[0].as_str().unwrap();
        let times = part[1].as_u64().unwrap();
        for i in 0..times {
            if piece.contains("{i}") {
                out.push_str(&piece.replace("{i}", &i.to_string()));
            } else {
                out.push_str(piece);
            }
        }
    }
    out.into_bytes()
}

/// Text as a host hands it to the engine: invalid UTF-8 decoded lossily.
fn text(case: &Value) -> String {
    String::from_utf8_lossy(&input(case)).into_owned()
}

fn id(case: &Value) -> &str {
    case["id"].as_str().unwrap()
}

fn setup(data: &Value) -> (Policy, Consent, u64) {
    let policy_file = dir().join(data["policy"].as_str().unwrap());
    let policy = Policy::from_toml(&std::fs::read_to_string(policy_file).unwrap()).unwrap();
    let consent = Consent::from_cookie(data["consent"].as_str().unwrap());
    assert_eq!(consent.problem(), None);
    (policy, consent, data["now"].as_u64().unwrap())
}

#[test]
fn set_cookie_cases_are_kept_or_dropped_as_the_corpus_says() {
    let data = cases();
    let (policy, consent, now) = setup(&data);
    let cases = data["set_cookie"].as_array().unwrap();
    assert!(
        cases.len() >= 40,
        "the corpus has {} Set-Cookie cases",
        cases.len()
    );
    for case in cases {
        let header = text(case);
        let id = id(case);
        let filtered = policy.filter_set_cookies([header.as_str()], &consent, now);
        assert_eq!(filtered.kept.len() + filtered.dropped.len(), 1, "{id}");
        let kept = case["kept"].as_bool().unwrap();
        assert_eq!(filtered.kept.len() == 1, kept, "{id}: {filtered:?}");
        if kept {
            let out = filtered.kept[0].as_ref();
            let expected = case["kept_as"].as_str().unwrap_or(&header);
            assert_eq!(out, expected, "{id}");
            let name = SetCookie::parse(out).unwrap().name;
            assert!(policy.decide(name, &consent, now).allowed, "{id}");
            assert!(!out.contains(['\r', '\n', '\0']), "{id}");
        } else {
            let dropped = &filtered.dropped[0];
            assert!(!dropped.decision.allowed, "{id}");
            if let Some(cookie) = case.get("cookie") {
                assert_eq!(dropped.cookie, cookie.as_str(), "{id}");
            }
            if let Some(problem) = case.get("problem") {
                assert_eq!(
                    dropped.problem.map(|p| p.as_str()),
                    problem.as_str(),
                    "{id}"
                );
            }
            if let Some(rule) = case["rule"].as_str() {
                assert_eq!(dropped.decision.rule.as_str(), rule, "{id}");
            }
        }
    }
}

#[test]
fn thousands_of_set_cookie_headers_keep_their_order() {
    let data = cases();
    let (policy, consent, now) = setup(&data);
    for batch in data["set_cookie_batches"].as_array().unwrap() {
        let templates: Vec<&str> = batch["template"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let count = usize::try_from(batch["count"].as_u64().unwrap()).unwrap();
        let headers: Vec<String> = (0..count)
            .map(|i| templates[i % templates.len()].replace("{i}", &i.to_string()))
            .collect();
        let filtered = policy.filter_set_cookies(headers.iter().map(String::as_str), &consent, now);
        let id = id(batch);
        assert_eq!(
            filtered.kept.len() as u64,
            batch["kept"].as_u64().unwrap(),
            "{id}"
        );
        assert_eq!(
            filtered.dropped.len() as u64,
            batch["dropped"].as_u64().unwrap(),
            "{id}"
        );
        // Kept and dropped are each a subsequence of the input, in order.
        let kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();
        let allowed: Vec<&str> = headers
            .iter()
            .map(String::as_str)
            .filter(|h| {
                SetCookie::parse(h).is_ok_and(|c| {
                    !c.name.is_empty() && policy.decide(c.name, &consent, now).allowed
                })
            })
            .collect();
        assert_eq!(kept, allowed, "{id}");
    }
}

#[test]
fn cookie_header_cases_give_the_consent_and_purge_the_corpus_says() {
    let data = cases();
    let (policy, _, now) = setup(&data);
    let cases = data["cookie_header"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let header = text(case);
        let id = id(case);
        let consent = policy.consent_from_cookie_header(&header);
        assert_eq!(
            consent.problem().map(Problem::code),
            case["consent_problem"].as_str(),
            "{id}"
        );
        if let Some(usable) = case["consent_usable"].as_bool() {
            assert_eq!(consent.is_usable(now), usable, "{id}");
        }
        let purged = policy.purge(&header, &consent, now);
        let names: Vec<&str> = purged.iter().map(|p| p.cookie).collect();
        if let Some(expected) = case["purged"].as_array() {
            let expected: Vec<&str> = expected.iter().map(|n| n.as_str().unwrap()).collect();
            assert_eq!(names, expected, "{id}");
        }
        if let Some(count) = case["purged_count"].as_u64() {
            assert_eq!(names.len() as u64, count, "{id}");
        }
        for name in case["not_purged"].as_array().into_iter().flatten() {
            assert!(!names.contains(&name.as_str().unwrap()), "{id}");
        }
        for p in &purged {
            for deletion in &p.headers {
                assert!(!deletion.contains(['\r', '\n', '\0']), "{id}: {deletion:?}");
                assert_eq!(SetCookie::parse(deletion).unwrap().name, p.cookie, "{id}");
            }
        }
    }
}

#[test]
fn consent_cases_give_the_problem_the_corpus_says() {
    let data = cases();
    let (policy, _, now) = setup(&data);
    for case in data["consent_cookie"].as_array().unwrap() {
        let value = text(case);
        let id = id(case);
        let consent = Consent::from_cookie(&value);
        assert_eq!(
            consent.problem().map(Problem::code),
            case["problem"].as_str(),
            "{id}"
        );
        let usable = case["usable"]
            .as_bool()
            .unwrap_or(consent.problem().is_none());
        assert_eq!(consent.is_usable(now), usable, "{id}");
        if !usable {
            assert!(
                policy
                    .purposes_to_ask(&consent, now)
                    .iter()
                    .any(|p| p.as_str() == "marketing")
            );
            assert!(!policy.decide("_ga", &consent, now).allowed, "{id}");
        }
    }
}

#[test]
fn hostile_policy_files_load_or_fail_with_the_corpus_error() {
    let data = cases();
    for case in data["policies"].as_array().unwrap() {
        let id = id(case);
        let (bytes, json) = match case["file"].as_str() {
            Some(file) => (
                std::fs::read(dir().join(file)).unwrap(),
                file.ends_with(".json"),
            ),
            None => (input(case), case["format"] == "json"),
        };
        let Ok(text) = std::str::from_utf8(&bytes) else {
            assert_eq!(case["utf8"].as_bool(), Some(false), "{id} is not UTF-8");
            // A host that decodes lossily still gets a policy or an error, never a crash.
            let lossy = String::from_utf8_lossy(&bytes);
            let _ = Policy::from_toml(&lossy);
            continue;
        };
        let loaded = if json {
            Policy::from_json(text)
        } else {
            Policy::from_toml(text)
        };
        match loaded {
            Ok(policy) => {
                assert_eq!(case["ok"].as_bool(), Some(true), "{id} loads");
                if let Some(domain) = case["domain"].as_str() {
                    assert_eq!(policy.cookies()[0].domain.as_deref(), Some(domain), "{id}");
                }
                if let Some(party) = case["party"].as_str() {
                    let expected = Party::parse(party).unwrap();
                    assert_eq!(policy.cookies()[0].party, expected, "{id}");
                }
            }
            Err(e) => {
                assert_eq!(case["ok"].as_bool(), Some(false), "{id}: {e}");
                assert_eq!(Some(e.code()), case["error"].as_str(), "{id}: {e}");
                if let Some(field) = case["field"].as_str() {
                    assert_eq!(e.field(), Some(field), "{id}: {e}");
                }
                assert!(e.location().is_some(), "{id}: {e} says where");
            }
        }
    }
}
