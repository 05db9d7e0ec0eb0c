//! `ask`, `consent-mode`, `tcf` and the `--gpc` / `--tc-string` inputs, run as the built binary.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const NOW: &str = "1800000000";
/// The TCF specification's example string: no purpose consent.
const TC_EXAMPLE: &str =
    "CQSbk4AQSbk4ANwAAAENAwCgAAAAAAAAAAYgACPAAAAA.IDKQA4AAgAKAGQAygAAA.YAAAAAAAAAAA";

fn policy() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/epn-agglo-plus/policy.toml")
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

#[test]
fn gpc_refuses_marketing_and_is_reported() {
    let p = policy();
    let out = stdout(&run(&[
        "decide", &p, "--gpc", "--now", NOW, "--json", "_fbp", "_ga",
    ]));
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines[0]["consent_state"], "gpc_denied", "{out}");
    assert_eq!(lines[0]["allowed"], false, "{out}");
    assert_eq!(lines[1]["consent_state"], "unset", "{out}");
    // Without GPC the banner asks for marketing; with it, not.
    let without = stdout(&run(&["ask", &p, "--now", NOW]));
    assert!(without.lines().any(|l| l == "marketing"), "{without}");
    let with = stdout(&run(&["ask", &p, "--gpc", "--now", NOW]));
    assert!(!with.lines().any(|l| l == "marketing"), "{with}");
    assert!(with.lines().any(|l| l == "statistics"), "{with}");
}

#[test]
fn consent_mode_as_json_and_as_gtag() {
    let p = policy();
    let consent = "v=1&rev=2&at=1799990000&statistics=1&marketing=0";
    let json: Value = serde_json::from_str(&stdout(&run(&[
        "consent-mode",
        &p,
        "--consent",
        consent,
        "--now",
        NOW,
    ])))
    .expect("one JSON object");
    assert_eq!(json["analytics_storage"], "granted");
    assert_eq!(json["ad_storage"], "denied");
    assert_eq!(json["security_storage"], "granted");
    assert_eq!(json.as_object().map(serde_json::Map::len), Some(7));
    let update = stdout(&run(&[
        "consent-mode",
        &p,
        "--consent",
        consent,
        "--now",
        NOW,
        "--gtag",
        "update",
    ]));
    assert!(
        update.starts_with("gtag('consent', 'update', {\"ad_storage\":\"denied\""),
        "{update}"
    );
    let bad = run(&["consent-mode", &p, "--gtag", "later"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn tc_strings_decode_or_fail_with_their_reason() {
    let tc: Value =
        serde_json::from_str(&stdout(&run(&["tcf", TC_EXAMPLE]))).expect("one JSON object");
    assert_eq!(tc["version"], 2);
    assert_eq!(tc["consent_language"], "EN");
    assert!(tc["disclosed_vendors"].is_object(), "{tc}");
    let bad = run(&["tcf", "COvzTO5Ovz"]);
    assert_eq!(bad.status.code(), Some(1));
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(
        text.starts_with("error[invalid_tc_string]: truncated"),
        "{text}"
    );
}

#[test]
fn a_tc_string_can_be_the_consent() {
    let p = policy();
    // The example (June 2025) grants no TCF purpose, and the example policy maps none.
    let out = stdout(&run(&[
        "decide",
        &p,
        "--tc-string",
        TC_EXAMPLE,
        "--now",
        "1749000000",
        "_fbp",
    ]));
    assert!(out.contains("consent unset"), "{out}");
    let bad = run(&["decide", &p, "--tc-string", "CO+", "x"]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("invalid_base64"), "{err}");
    let both = run(&[
        "decide",
        &p,
        "--tc-string",
        TC_EXAMPLE,
        "--consent",
        "v=1",
        "x",
    ]);
    assert_eq!(both.status.code(), Some(2), "the two consents conflict");
}
