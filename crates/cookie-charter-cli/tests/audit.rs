//! `cookie-charter audit --har`, its reports, the allow-list, `--fail-on` and `diff`, on a HAR
//! exported by Chrome (tests/fixtures/audit/chrome.har), and its refusals of bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cookie-charter");

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audit")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

fn audit(extra: &[&str]) -> Output {
    let mut args = vec![
        "audit",
        &*Box::leak(fixture("policy.toml").into_boxed_str()),
        "--har",
    ];
    let har = Box::leak(fixture("chrome.har").into_boxed_str());
    args.push(har);
    args.extend_from_slice(extra);
    run(&args)
}

fn codes(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["scenario"].as_str().unwrap().to_owned(),
                f["name"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn owned(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect()
}

#[test]
fn judges_a_chrome_har_in_the_consent_it_carries_or_a_named_scenario() {
    // Without `--scenario`: the consent the requests carry (statistics granted, marketing not).
    let output = audit(&["--json", "-"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["format"], "cookie-charter-audit");
    assert_eq!(report["version"], 1);
    assert_eq!(
        codes(&report),
        owned(&[
            ("har", "_ga", "undeclared"),
            ("har", "_mkt", "without_consent"),
            ("har", "_stats", "lifetime_over_declared"),
            ("har", "trk", "undeclared"),
        ])
    );
    let stats = &report["findings"][2];
    assert_eq!(
        stats["evidence"]["subject"]["write"]["line"],
        "_stats=2; Path=/; Max-Age=63072000"
    );
    assert_eq!(stats["evidence"]["page"], "https://www.shop.example/");
    assert_eq!(stats["evidence"]["time"], "2026-01-10T10:00:00.000Z");
    let trk = &report["findings"][3];
    assert_eq!(trk["evidence"]["subject"]["party"], "third");
    assert_eq!(trk["evidence"]["subject"]["domain"], "tracker.example");
    // `_ga` is known to the Open Cookie Database: a hint with its id and a policy entry.
    let hint = &report["findings"][0]["hints"][0];
    assert_eq!(hint["suggested_purpose"], "statistics");
    assert!(hint["id"].as_str().unwrap().len() > 10);
    assert!(
        hint["policy_entry"]
            .as_str()
            .unwrap()
            .starts_with("[[cookies]]\nname = \"_ga\"")
    );
    assert!(
        report["observations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["subject"]["kind"] == "request"
                && o["subject"]["host"] == "cdn.tracker.example")
    );

    // In `accept_all`, `_mkt` is allowed.
    let output = audit(&["--scenario", "accept_all", "--json", "-"]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        codes(&report),
        owned(&[
            ("accept_all", "_ga", "undeclared"),
            ("accept_all", "_stats", "lifetime_over_declared"),
            ("accept_all", "trk", "undeclared"),
        ])
    );
    let output = audit(&["--scenario", "only_videos"]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "cookie-charter: unknown scenario `only_videos`; the policy's scenarios are `none`, `refuse_all`, `accept_all`, `only_statistics`, `only_marketing`, `withdraw`\n"
    );
}

#[test]
fn exit_status_follows_fail_on_and_the_allow_list() {
    // The text summary: one line per finding, then the counts.
    let output = audit(&[]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("har: high[without_consent]: cookie `_mkt` (marketing) is present although the consent does not allow it"), "{text}");
    assert!(
        text.ends_with("4 findings (1 high, 3 medium, 0 low), 0 accepted: failed\n"),
        "{text}"
    );
    assert_eq!(audit(&["--fail-on", "high"]).status.code(), Some(1));
    assert_eq!(audit(&["--fail-on", "never"]).status.code(), Some(0));
    let accepted = audit(&["--allow", &fixture("allow.toml"), "--fail-on", "medium"]);
    assert_eq!(
        accepted.status.code(),
        Some(1),
        "the marketing cookie is not accepted"
    );
    let only_high = audit(&[
        "--allow",
        &fixture("allow.toml"),
        "--scenario",
        "accept_all",
        "--json",
        "-",
    ]);
    assert_eq!(
        only_high.status.code(),
        Some(0),
        "every finding of accept_all is accepted"
    );
    let report: Value = serde_json::from_slice(&only_high.stdout).unwrap();
    assert_eq!(report["summary"]["accepted"], 3);
    assert_eq!(
        report["findings"][0]["accepted"],
        "Analytics is being removed (ticket 42)"
    );
    let bad = audit(&["--fail-on", "severe"]);
    assert_eq!(bad.status.code(), Some(2));
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("allow.toml");
    std::fs::write(&broken, "[[accept]]\ncode = \"undeclared\"\nname = \"x\"\n").unwrap();
    let output = audit(&["--allow", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing field `reason`"));
}

#[test]
fn writes_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let path = |n: &str| dir.path().join(n).display().to_string();
    let output = audit(&[
        "--json",
        &path("r.json"),
        "--markdown",
        &path("r.md"),
        "--html",
        &path("r.html"),
        "--junit",
        &path("r.xml"),
        "--allow",
        &fixture("allow.toml"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let md = std::fs::read_to_string(path("r.md")).unwrap();
    assert!(md.starts_with("# Cookie audit: Shop\n"), "{md}");
    assert!(md.contains("| high | `without_consent` | `_mkt` |"), "{md}");
    assert!(md.contains("<details><summary>evidence</summary>"));
    assert!(md.contains("(accepted: Analytics is being removed (ticket 42))"));
    let html = std::fs::read_to_string(path("r.html")).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<tr class=\"high\">"));
    assert!(html.contains("_stats=2; Path=/; Max-Age=63072000"));
    let xml = std::fs::read_to_string(path("r.xml")).unwrap();
    assert!(
        xml.contains("<testsuites name=\"cookie-charter audit\" tests=\"6\" failures=\"1\">"),
        "{xml}"
    );
    assert!(
        xml.contains(
            "<testcase classname=\"har.cookie\" name=\"_mkt\"><failure type=\"without_consent\""
        ),
        "{xml}"
    );
    assert!(
        xml.contains("<skipped message=\"accepted: Analytics is being removed (ticket 42)\"/>"),
        "{xml}"
    );
    // The JSON report reads back; a newer schema version is refused.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(path("r.json")).unwrap()).unwrap();
    let same = run(&["diff", &path("r.json"), &path("r.json")]);
    assert_eq!(same.status.code(), Some(0));
    assert!(same.stdout.is_empty());
    let mut newer = report.clone();
    newer["version"] = Value::from(2);
    std::fs::write(path("newer.json"), newer.to_string()).unwrap();
    let refused = run(&["diff", &path("r.json"), &path("newer.json")]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("has version `2`, which this program does not read (report versions 1 to 1)")
    );
    // A change: `_stats` now lives 13 months.
    let mut changed = report.clone();
    for o in changed["observations"].as_array_mut().unwrap() {
        if o["subject"]["name"] == "_stats" {
            o["subject"]["write"]["lifetime"] = Value::from(13 * 30 * 86_400);
        }
    }
    std::fs::write(path("changed.json"), changed.to_string()).unwrap();
    let diff = run(&["diff", &path("r.json"), &path("changed.json")]);
    assert_eq!(diff.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&diff.stdout),
        "~ [har] cookie `_stats` www.shop.example/: first party, 2 years, host-only -> first party, 13 months, host-only\n"
    );
}

#[test]
fn refuses_bad_hars_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &[u8]| -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let cases: Vec<(PathBuf, String)> = vec![
        (write("broken.har", b"{\"log\": {\"version\": \"1.2\", "), "is not a valid HAR file: EOF while parsing".to_owned()),
        (write("nolog.har", b"{}"), "is not a valid HAR file: no `log` object".to_owned()),
        (
            write("noentries.har", br#"{"log": {"version": "1.2", "creator": {"name": "x", "version": "1"}}}"#),
            "is not a valid HAR file: missing field `entries`".to_owned(),
        ),
        (
            write("future.har", br#"{"log": {"version": "2.0", "creator": {"name": "x", "version": "1"}, "entries": []}}"#),
            "has version `2.0`, which this program does not read (HAR 1.1 and 1.2)".to_owned(),
        ),
        (dir.path().join("absent.har"), "cannot read".to_owned()),
    ];
    // A file past the limit is refused from its size, before it is read.
    let big = dir.path().join("big.har");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(cookie_charter_audit::har::MAX_HAR_BYTES + 1)
        .unwrap();
    let mut cases = cases;
    cases.push((
        big,
        format!(
            "bytes, more than the limit of {} bytes for a HAR file",
            cookie_charter_audit::har::MAX_HAR_BYTES
        ),
    ));
    for (path, why) in cases {
        let output = run(&[
            "audit",
            &fixture("policy.toml"),
            "--har",
            path.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {stderr}",
            path.display()
        );
        assert!(stderr.contains(&why), "{}: {stderr}", path.display());
        assert!(output.stdout.is_empty());
    }
}
