//! The `filter` and `purge` commands, run as the built binary.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const NOW: &str = "1700000100";
const NO_STATS: &str = "v=1&rev=1&at=1700000000&statistics=0&marketing=0";
const STATS: &str = "v=1&rev=1&at=1700000000&statistics=1&marketing=0";

fn policy() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers.toml")
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin takes the input");
    child.wait_with_output().expect("the binary ends")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .expect("UTF-8 output")
        .lines()
        .map(str::to_owned)
        .collect()
}

const INPUT: &str = "Set-Cookie: sessionid=abc; Path=/; HttpOnly\n\
_ga=GA1.2.3; Max-Age=100\n\
set-cookie:csrftoken=1, _ga=2\n\
test7\n\
=sessionid=x\n\
ads_id=1; Path=/shop\n";

#[test]
fn filter_prints_the_kept_headers_unchanged_in_order() {
    let policy = policy();
    let policy = policy.to_str().expect("UTF-8 path");
    let denied = run(
        &["filter", policy, "--consent", NO_STATS, "--now", NOW],
        INPUT,
    );
    assert_eq!(
        stdout_lines(&denied),
        ["sessionid=abc; Path=/; HttpOnly", "csrftoken=1, _ga=2"]
    );
    let granted = run(&["filter", policy, "--consent", STATS, "--now", NOW], INPUT);
    assert_eq!(
        stdout_lines(&granted),
        [
            "sessionid=abc; Path=/; HttpOnly",
            "_ga=GA1.2.3; Max-Age=100",
            "csrftoken=1, _ga=2"
        ]
    );
}

#[test]
fn filter_json_adds_the_dropped_headers_with_their_decisions() {
    let policy = policy();
    let output = run(
        &[
            "filter",
            policy.to_str().expect("UTF-8 path"),
            "--consent",
            NO_STATS,
            "--now",
            NOW,
            "--json",
        ],
        INPUT,
    );
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 6, "{lines:?}");
    assert_eq!(
        lines[..2],
        ["sessionid=abc; Path=/; HttpOnly", "csrftoken=1, _ga=2"]
    );
    let dropped: Vec<Value> = lines[2..]
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let summary: Vec<(Value, Value, Value, Value)> = dropped
        .iter()
        .map(|d| {
            (
                d["cookie"].clone(),
                d["rule"].clone(),
                d["consent_state"].clone(),
                d["problem"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("_ga".into(), "consent".into(), "denied".into(), Value::Null),
            (
                Value::Null,
                "undeclared".into(),
                Value::Null,
                "nameless".into()
            ),
            (
                Value::Null,
                "undeclared".into(),
                Value::Null,
                "nameless".into()
            ),
            (
                "ads_id".into(),
                "consent".into(),
                "denied".into(),
                Value::Null
            ),
        ]
    );
    assert_eq!(dropped[0]["header"], "_ga=GA1.2.3; Max-Age=100");
    assert_eq!(dropped[2]["header"], "=sessionid=x");
    assert!(dropped.iter().all(|d| d["allowed"] == false));
}

#[test]
fn filter_drops_lines_that_are_not_utf8() {
    let policy = policy();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(["filter", policy.to_str().expect("UTF-8 path"), "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(b"sessionid=\xff\nsessionid=1\n")
        .expect("stdin takes the input");
    let output = child.wait_with_output().expect("the binary ends");
    let lines = stdout_lines(&output);
    assert_eq!(lines[0], "sessionid=1");
    let dropped: Value = serde_json::from_str(&lines[1]).expect("a JSON line");
    assert_eq!(dropped["problem"], "invalid_utf8");
    assert_eq!(lines.len(), 2);
}

#[test]
fn purge_prints_the_deletion_headers() {
    let policy = policy();
    let output = run(
        &[
            "purge",
            policy.to_str().expect("UTF-8 path"),
            "--consent",
            NO_STATS,
            "--now",
            NOW,
            "sessionid=1; _ga=GA1.2; ads_x=1; bad\r\nname=1; stray=2",
        ],
        "",
    );
    let mut expected = Vec::new();
    for (name, paths) in [
        ("_ga", &["/"][..]),
        ("ads_x", &["/shop", "/"]),
        ("stray", &["/"]),
    ] {
        for domain in ["", "www.example.com", "example.com"] {
            for path in paths {
                let domain = if domain.is_empty() {
                    String::new()
                } else {
                    format!("; Domain={domain}")
                };
                expected.push(format!("{name}=; Max-Age=0; Path={path}{domain}"));
            }
        }
    }
    assert_eq!(stdout_lines(&output), expected);
}

#[test]
fn purge_with_consent_keeps_what_is_allowed() {
    let policy = policy();
    let output = run(
        &[
            "purge",
            policy.to_str().expect("UTF-8 path"),
            "--consent",
            STATS,
            "--now",
            NOW,
            "sessionid=1; _ga=GA1.2",
        ],
        "",
    );
    assert!(stdout_lines(&output).is_empty());
}

#[test]
fn a_missing_policy_is_an_error() {
    let output = run(&["purge", "no-such-policy.toml", "a=1"], "");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read"));
}
