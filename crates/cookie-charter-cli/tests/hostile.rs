//! The hostile-input corpus of `tests/hostile/` through the built binary: `check`, `decide`,
//! `filter` and `purge` give the corpus's outcomes, exit with their documented codes, never
//! panic, and say what went wrong.

// Test code: a broken fixture or a failed expectation stops loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Linux limits one command-line argument to 128 KiB; larger `purge` inputs are left to the API.
const MAX_ARGUMENT_BYTES: usize = 100 * 1024;

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
    let mut out = String::new();
    for part in case["generate"].as_array().unwrap() {
        let piece = part[0].as_str().unwrap();
        for i in 0..part[1].as_u64().unwrap() {
            out.push_str(&piece.replace("{i}", &i.to_string()));
        }
    }
    out.into_bytes()
}

fn run(args: &[&OsStr], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut pipe = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    // Write from another thread so that a large input cannot deadlock against the output.
    let writer = std::thread::spawn(move || pipe.write_all(&data));
    let output = child.wait_with_output().expect("the binary ends");
    writer.join().unwrap().unwrap();
    output
}

/// The process ended by itself with a documented code (0, 1 or 2), not by a panic (101).
fn assert_no_crash(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{what}: exit {:?}: {stderr}",
        output.status.code()
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
}

fn os(text: &str) -> &OsStr {
    OsStr::new(text)
}

fn policy_path() -> PathBuf {
    dir().join("policy.toml")
}

#[test]
fn check_reports_each_hostile_policy_with_its_code_and_location() {
    let data = cases();
    let scratch =
        std::env::temp_dir().join(format!("cookie-charter-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    for case in data["policies"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let path = match case["file"].as_str() {
            Some(file) => dir().join(file),
            None => {
                let ext = if case["format"] == "json" {
                    "json"
                } else {
                    "toml"
                };
                let path = scratch.join(format!("{id}.{ext}"));
                std::fs::write(&path, input(case)).unwrap();
                path
            }
        };
        let output = run(&[os("check"), path.as_os_str()], b"");
        assert_no_crash(&output, id);
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if case["utf8"].as_bool() == Some(false) {
            assert_eq!(output.status.code(), Some(2), "{id}");
            assert!(
                stderr.contains("error[syntax]: line ") && stderr.contains("is not UTF-8 (byte 0x"),
                "{id}: {stderr}"
            );
        } else if case["ok"].as_bool() == Some(true) {
            assert_eq!(output.status.code(), Some(0), "{id}: {stdout}");
            assert!(stdout.contains(": ok: "), "{id}: {stdout}");
        } else {
            assert_eq!(output.status.code(), Some(1), "{id}: {stdout}{stderr}");
            let code = case["error"].as_str().unwrap();
            assert!(
                stdout.contains(&format!("error[{code}]: line ")),
                "{id}: {stdout}"
            );
            if let Some(field) = case["field"].as_str() {
                assert!(stdout.contains(&format!(": {field}: ")), "{id}: {stdout}");
            }
        }
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}

#[test]
fn filter_keeps_and_drops_the_hostile_set_cookie_values_as_the_corpus_says() {
    let data = cases();
    let policy = policy_path();
    let (consent, now) = (data["consent"].as_str().unwrap(), data["now"].to_string());
    // Standard input holds one value per line: values with a line break cannot be given.
    let cases: Vec<&Value> = data["set_cookie"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| !input(c).contains(&b'\n') && !input(c).contains(&b'\r'))
        .collect();
    assert!(cases.len() >= 35);
    let mut stdin = Vec::new();
    for case in &cases {
        stdin.extend_from_slice(&input(case));
        stdin.push(b'\n');
    }
    let args = [
        os("filter"),
        policy.as_os_str(),
        os("--consent"),
        os(consent),
        os("--now"),
        os(&now),
        os("--json"),
    ];
    let output = run(&args, &stdin);
    assert_no_crash(&output, "filter");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    let mut expected_dropped = 0;
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let bytes = input(case);
        match std::str::from_utf8(&bytes) {
            Ok(header) if case["kept"] == true => {
                let expected = case["kept_as"].as_str().unwrap_or(header);
                assert_eq!(lines.next(), Some(expected), "{id}");
            }
            // Not UTF-8: the CLI cannot read it as a browser would, and drops it.
            _ => expected_dropped += 1,
        }
    }
    let dropped: Vec<Value> = lines.map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(dropped.len(), expected_dropped);
    for d in &dropped {
        assert_eq!(d["allowed"], false);
        assert!(d["rule"].is_string() && d.get("problem").is_some(), "{d}");
    }
    let problems = |p: &str| dropped.iter().filter(|d| d["problem"] == p).count();
    assert!(problems("control_character") >= 5);
    assert!(problems("too_large") >= 3);
    assert!(problems("nameless") >= 3);
    assert_eq!(problems("invalid_utf8"), 2);
}

#[test]
fn filter_reads_ten_thousand_headers_in_order() {
    let data = cases();
    let policy = policy_path();
    let batch = &data["set_cookie_batches"][0];
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
    let stdin = headers
        .iter()
        .map(|h| format!("Set-Cookie: {h}\n"))
        .collect::<String>();
    let now = data["now"].to_string();
    let args = [
        os("filter"),
        policy.as_os_str(),
        os("--consent"),
        os(data["consent"].as_str().unwrap()),
        os("--now"),
        os(&now),
    ];
    let output = run(&args, stdin.as_bytes());
    assert_no_crash(&output, "filter");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let kept: Vec<&str> = stdout.lines().collect();
    assert_eq!(kept.len() as u64, batch["kept"].as_u64().unwrap());
    // In order: each kept line is a later input line than the one before.
    let mut position = 0;
    for line in kept {
        let found = headers[position..]
            .iter()
            .position(|h| h == line)
            .expect("in order");
        position += found + 1;
    }
}

#[test]
fn purge_and_consent_read_hostile_cookie_headers() {
    let data = cases();
    let policy = policy_path();
    let now = data["now"].to_string();
    let mut run_cases = 0;
    for case in data["cookie_header"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let bytes = input(case);
        if bytes.len() > MAX_ARGUMENT_BYTES || bytes.contains(&0) {
            continue;
        }
        run_cases += 1;
        // The consent given is the request's own consent cookie, as a middleware reads it.
        let header = String::from_utf8_lossy(&bytes);
        let consent: Vec<&str> = header
            .split(';')
            .filter_map(|piece| piece.split_once('='))
            .filter(|(name, _)| name.trim_matches([' ', '\t']) == "consent")
            .map(|(_, value)| value.trim_matches([' ', '\t']))
            .collect();
        let consent_arg = match consent.as_slice() {
            [one] => (*one).to_owned(),
            [first, rest @ ..] if rest.iter().all(|v| v == first) => first.to_string(),
            [] => String::new(),
            // Disagreeing copies fail closed: give an unusable value.
            _ => "disagree".to_owned(),
        };
        let args = [
            os("purge"),
            policy.as_os_str(),
            os("--consent"),
            os(&consent_arg),
            os("--now"),
            os(&now),
            OsStr::from_bytes(&bytes),
        ];
        let output = run(&args, b"");
        assert_no_crash(&output, id);
        let stderr = String::from_utf8_lossy(&output.stderr);
        if std::str::from_utf8(&bytes).is_err() {
            // The argument is not text: a usage error (exit 2) that says so.
            assert_eq!(output.status.code(), Some(2), "{id}");
            assert!(stderr.contains("UTF-8"), "{id}: {stderr}");
            continue;
        }
        assert_eq!(output.status.code(), Some(0), "{id}: {stderr}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let mut names: Vec<&str> = Vec::new();
        for line in stdout.lines() {
            assert!(line.contains("=; Max-Age=0; Path=/"), "{id}: {line}");
            let name = line.split_once("=; ").unwrap().0;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if let Some(expected) = case["purged"].as_array() {
            let expected: Vec<&str> = expected.iter().map(|n| n.as_str().unwrap()).collect();
            assert_eq!(names, expected, "{id}");
        }
    }
    assert!(run_cases >= 17, "{run_cases} cases fit on a command line");
}

#[test]
fn decide_reports_hostile_consents_and_names_without_crashing() {
    let data = cases();
    let policy = policy_path();
    let now = data["now"].to_string();
    let long_name = "n".repeat(64 * 1024);
    let names = [
        "__proto__",
        "constructor",
        "__Host-x",
        "__host-x",
        "\u{a0}sessionid",
        "sessionid\r\nSet-Cookie: x=1",
        "",
        long_name.as_str(),
    ];
    for case in data["consent_cookie"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let value = input(case);
        if value.contains(&0) {
            continue;
        }
        let mut args = vec![
            os("decide"),
            policy.as_os_str(),
            os("--json"),
            os("--now"),
            os(&now),
            os("--consent"),
        ];
        args.push(OsStr::from_bytes(&value));
        args.extend(names.iter().map(|n| os(n)));
        let output = run(&args, b"");
        assert_no_crash(&output, id);
        assert_eq!(output.status.code(), Some(0), "{id}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let decisions: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(decisions.len(), names.len(), "{id}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        match case["problem"].as_str() {
            Some("absent") | None if case["usable"] != false => {
                assert!(stderr.is_empty(), "{id}: {stderr}");
            }
            Some(code) => {
                assert!(
                    stderr.contains(&format!("consent ignored ({code})")),
                    "{id}: {stderr}"
                );
            }
            None => assert!(
                stderr.contains("consent ignored (malformed)"),
                "{id}: {stderr}"
            ),
        }
        for (d, name) in decisions.iter().zip(names) {
            assert_eq!(d["cookie"], name, "{id}");
            let allowed = d["allowed"].as_bool().unwrap();
            assert_eq!(allowed, name == "__Host-x", "{id}: {d}");
        }
    }
}
