//! `decide --cookie-header` and `check` with consent sources (spec §11), run as the built binary.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const NOW: &str = "1767225600";
const ONETRUST: &str = "OptanonConsent=isGpcEnabled=0&groups=C0001%3A1%2CC0002%3A1%2CC0004%3A1%2CC0005%3A0&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-12-01T10:00:00.000Z";
/// Purposes 1, 3, 4, 7 (the IAB conformance vectors).
const TC: &str = "COvzTO5OvzTO5BRAAAENAPCoALIAADgAAAAAAewAwABAAlAB6ABBFADBQAQA9hAAAcAA";

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("UTF-8 output")
}

fn decide(header: &str, json: bool) -> (String, String) {
    let policy = fixture("consent-sources.toml");
    let mut args = vec!["decide", &policy, "--now", NOW, "--cookie-header", header];
    if json {
        args.push("--json");
    }
    args.extend(["_ga", "_fbp"]);
    let output = run(&args);
    assert!(output.status.success(), "{}", text(&output.stderr));
    (text(&output.stdout), text(&output.stderr))
}

#[test]
fn decide_reads_a_whole_cookie_header_and_names_the_source() {
    let (out, err) = decide(&format!("a=1; {ONETRUST}; _ga=GA1.2"), false);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "consent source: site.consent_sources[0] (onetrust), cookie `OptanonConsent` and `OptanonAlertBoxClosed`",
            "_ga: allowed (rule consent, purpose statistics, consent granted)",
            "_fbp: denied (rule consent, purpose marketing, consent denied)",
        ],
        "{out}"
    );
    assert_eq!(err, "");
    // The TC string in OneTrust's cookie, when OptanonConsent is absent: dated 2020, it is
    // older than the 6 months the `cnil` profile gives a consent.
    let (out, _) = decide(&format!("eupubconsent-v2={TC}"), true);
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["cookie"], "_ga");
    assert_eq!(lines[0]["consent_state"], "expired");
    assert_eq!(lines[1]["consent_state"], "expired");
    let source = &lines[0]["consent_source"];
    assert_eq!(source["index"], 1, "{out}");
    assert_eq!(source["format"], "tcf");
    assert_eq!(source["cookie"], "eupubconsent-v2");
    assert_eq!(source["problem"], Value::Null);
}

#[test]
fn decide_reports_a_source_that_gives_no_consent_and_the_absence_of_any() {
    let (out, err) = decide(
        "OptanonConsent=groups=C0002%3A1; OptanonAlertBoxClosed=yesterday",
        true,
    );
    let first: Value = serde_json::from_str(out.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["consent_state"], "unset");
    assert_eq!(first["consent_source"]["index"], 0);
    assert_eq!(first["consent_source"]["problem"], "malformed");
    assert!(
        err.starts_with("cookie-charter: consent ignored (malformed): "),
        "{err}"
    );
    let (out, err) = decide("a=1", false);
    assert_eq!(
        out.lines().next(),
        Some("consent source: none (the request holds no consent source's cookie)")
    );
    assert_eq!(err, "");
    let (out, _) = decide("a=1", true);
    let first: Value = serde_json::from_str(out.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["consent_source"], Value::Null);
    // Without consent sources, the engine's own cookie is the source.
    let policy = fixture("headers.toml");
    let output = run(&[
        "decide",
        &policy,
        "--now",
        "1700000100",
        "--cookie-header",
        "x=1; consent=v=1&rev=1&at=1700000000&statistics=1",
        "_ga",
    ]);
    let out = text(&output.stdout);
    assert_eq!(
        out.lines().next(),
        Some("consent source: site.consent_cookie, cookie `consent`"),
        "{out}"
    );
    // `--cookie-header` and `--consent` are exclusive.
    let output = run(&[
        "decide",
        &policy,
        "--consent",
        "v=1",
        "--cookie-header",
        "a=1",
        "_ga",
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn check_lists_the_sources_and_their_problems() {
    let policy = fixture("consent-sources.toml");
    let output = run(&["check", &policy]);
    assert!(output.status.success());
    let out = text(&output.stdout);
    let has = |part: &str| out.lines().any(|l| l.contains(part));
    assert!(
        has(
            ": consent source 0: onetrust reads `OptanonConsent` and `OptanonAlertBoxClosed`: statistics = C0002; marketing = C0004 + C0005"
        ),
        "{out}"
    );
    assert!(
        has(
            ": consent source 1: tcf reads `eupubconsent-v2`: marketing = 1 + 2 + 3 + 4; statistics = 1 + 7"
        ),
        "{out}"
    );
    assert!(
        has(": consent source 2: cookie-charter reads `consent`: purposes by their ids"),
        "{out}"
    );
    assert!(
        has(
            "warning[consent_source_cookie_undeclared]: line 8, column 1: site.consent_sources[0]: the cookie `OptanonAlertBoxClosed`"
        ),
        "{out}"
    );
    assert!(
        has(
            "warning[consent_source_cookie_undeclared]: line 12, column 1: site.consent_sources[1]: the cookie `eupubconsent-v2`"
        ),
        "{out}"
    );
    assert!(
        has(": ok: 4 cookies, 3 purposes, 3 consent sources, 2 warnings"),
        "{out}"
    );
    // A banner a server cannot read, and a purpose nothing maps: errors, exit 1.
    let dir = std::env::temp_dir().join(format!("cc-sources-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let source = std::fs::read_to_string(&policy).expect("the fixture");
    for (replace, with, expected) in [
        (
            "format = \"onetrust\"",
            "format = \"usercentrics\"",
            "error[unreadable_consent_source]: line 9, column 10: site.consent_sources[0].format: a server cannot read the consent of `usercentrics`",
        ),
        (
            "marketing = [\"C0004\", \"C0005\"] ",
            "",
            "error[unmapped_purpose]: line 10, column 12: site.consent_sources[0].purposes: purpose `marketing` needs consent",
        ),
    ] {
        let file = dir.join("policy.toml");
        let mut f = std::fs::File::create(&file).expect("a policy file");
        f.write_all(source.replace(replace, with).as_bytes())
            .expect("written");
        let output = run(&["check", file.to_str().expect("UTF-8 path")]);
        assert_eq!(output.status.code(), Some(1));
        let out = text(&output.stdout);
        assert!(out.contains(expected), "{out}");
    }
    std::fs::remove_dir_all(&dir).expect("removed");
}
