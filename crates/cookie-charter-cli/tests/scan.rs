//! The live collector against a hermetic fixture site (tests/support/shop.rs) in Debian's
//! Chromium: the exact findings in every scenario, the same findings from the HAR of the same
//! visit, and the scan's failures (exit 2, no report). Skipped, loudly, when there is no
//! Chromium; `crates/cookie-charter-audit/test.sh` installs it first.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

#[path = "support/shop.rs"]
mod shop;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cookie-charter");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM_PATH")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var_os("COOKIE_CHARTER_REQUIRE_CHROMIUM").is_none(),
        "no Chromium at {} and COOKIE_CHARTER_REQUIRE_CHROMIUM is set",
        path.display()
    );
    eprintln!(
        "SKIPPED: no Chromium at {}; run crates/cookie-charter-audit/test.sh",
        path.display()
    );
    None
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// (scenario, after withdrawal, name, code) of every finding of a JSON report.
fn findings(report: &Value) -> Vec<(String, bool, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["scenario"].as_str().unwrap().to_owned(),
                f["after_withdrawal"].as_bool().unwrap(),
                f["name"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected() -> Vec<(String, bool, String, String)> {
    let mut out = Vec::new();
    let everywhere = |scenario: &str, after: bool, out: &mut Vec<_>, extra: &[(&str, &str)]| {
        let mut rows: Vec<(&str, &str)> = vec![
            ("_ls_track", "undeclared"),
            ("_visitor", "undeclared"),
            ("_w_seen", "undeclared"),
            ("_wid", "wrong_party"),
            ("_wpart", "undeclared"),
        ];
        rows.extend_from_slice(extra);
        rows.sort();
        for (name, code) in rows {
            out.push((scenario.to_owned(), after, name.to_owned(), code.to_owned()));
        }
    };
    let mkt = ("_mkt", "without_consent");
    let stats = ("_stats", "lifetime_over_declared");
    everywhere("none", false, &mut out, &[mkt]);
    everywhere("refuse_all", false, &mut out, &[mkt]);
    everywhere("accept_all", false, &mut out, &[stats]);
    everywhere("only_statistics", false, &mut out, &[mkt, stats]);
    everywhere("only_marketing", false, &mut out, &[]);
    everywhere("withdraw", false, &mut out, &[stats]);
    everywhere("withdraw", true, &mut out, &[("_ads", "not_purged"), mkt]);
    out
}

#[test]
fn finds_exactly_what_the_site_does_wrong_and_the_har_agrees() {
    let Some(chromium) = chromium() else { return };
    let site = shop::Shop::start();
    let dir = tempfile::tempdir().unwrap();
    let report_path = dir.path().join("report.json");
    let hars = dir.path().join("hars");
    let policy = fixture("shop.toml");
    let output = run(&[
        "scan",
        policy.to_str().unwrap(),
        &site.url("/"),
        "--pages",
        "1",
        "--chromium",
        chromium.to_str().unwrap(),
        "--har-dir",
        hars.to_str().unwrap(),
        "--json",
        report_path.to_str().unwrap(),
        "--junit",
        dir.path().join("junit.xml").to_str().unwrap(),
        "--html",
        dir.path().join("report.html").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stderr}\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    // Progress goes to a terminal only: this standard error is a pipe.
    assert!(stderr.is_empty(), "{stderr}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(
        findings(&report),
        expected(),
        "{}",
        serde_json::to_string_pretty(&report["findings"]).unwrap()
    );
    assert_eq!(report["complete"], true);
    assert_eq!(
        report["collector"]["third_party_cookies"].as_str().unwrap(),
        cookie_charter_audit::scan::THIRD_PARTY_COOKIES
    );
    // The pages: the URL, then its one same-site link.
    assert_eq!(
        report["scenarios"][0]["pages"],
        serde_json::json!([site.url("/"), site.url("/about")])
    );
    // The evidence: the script that wrote `_visitor`, the raw line of `_stats`, the frame's key.
    let evidence = |name: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()["evidence"]
            .clone()
    };
    let visitor = evidence("_visitor");
    assert_eq!(visitor["subject"]["write"]["by"], "script");
    assert_eq!(visitor["subject"]["write"]["url"], site.url("/app.js"));
    let stats = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "lifetime_over_declared")
        .unwrap();
    assert_eq!(
        stats["evidence"]["subject"]["write"]["line"],
        "_stats=st; Path=/; Max-Age=63072000"
    );
    assert_eq!(stats["observed"], "2 years");
    // Chromium stores it for 400 days at most.
    let stored = stats["evidence"]["subject"]["stored_lifetime"]
        .as_i64()
        .unwrap();
    assert!(stored <= 400 * 86_400 && stored > 399 * 86_400, "{stored}");
    assert_eq!(
        evidence("_ls_track")["subject"]["origin"],
        format!("http://www.shop.localhost:{}", site.port)
    );
    assert_eq!(evidence("_wid")["subject"]["party"], "third");
    // The third-party frame's own storage, read in its own session, and its partitioned cookie.
    let seen = evidence("_w_seen");
    assert_eq!(
        seen["subject"]["origin"],
        format!("http://widget.localhost:{}", site.port)
    );
    assert_eq!(seen["subject"]["party"], "third");
    assert_eq!(
        seen["subject"]["frame"],
        format!("http://widget.localhost:{}/frame", site.port)
    );
    assert_eq!(
        evidence("_wpart")["subject"]["partition_key"],
        "http://shop.localhost"
    );
    // The third-party frame was requested.
    assert!(
        report["observations"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |o| o["subject"]["kind"] == "request" && o["subject"]["host"] == "widget.localhost"
            )
    );
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(
        junit.contains("<testsuite name=\"cookie-charter audit: withdraw\"")
            && junit.contains("failure type=\"not_purged\""),
        "{junit}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<details><summary>evidence</summary>"));

    // The HAR of each scenario, judged offline, gives the same cookie findings (a HAR holds
    // no web storage: the localStorage finding is the live collector's alone).
    for scenario in [
        "none",
        "refuse_all",
        "accept_all",
        "only_statistics",
        "only_marketing",
        "withdraw",
    ] {
        let har = hars.join(format!("{scenario}.har"));
        let out = dir.path().join(format!("{scenario}.json"));
        let status = run(&[
            "audit",
            policy.to_str().unwrap(),
            "--har",
            har.to_str().unwrap(),
            "--scenario",
            scenario,
            "--json",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            status.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let from_har: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        let live: Vec<_> = findings(&report)
            .into_iter()
            .filter(|f| f.0 == scenario && f.2 != "_ls_track" && f.2 != "_w_seen")
            .collect();
        assert_eq!(findings(&from_har), live, "{scenario}");
    }

    // The same scan twice: `diff` finds nothing new.
    let again = dir.path().join("again.json");
    let output = run(&[
        "scan",
        policy.to_str().unwrap(),
        &site.url("/"),
        "--pages",
        "1",
        "--chromium",
        chromium.to_str().unwrap(),
        "--json",
        again.to_str().unwrap(),
        "--scenario",
        "none",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let diff = run(&[
        "diff",
        report_path.to_str().unwrap(),
        again.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&diff.stdout);
    // Only scenarios the second scan skipped are gone; `none` is unchanged.
    assert!(!text.contains("[none]"), "{text}");
    assert!(text.contains("- [accept_all] cookie `_stats`"), "{text}");
    assert_eq!(diff.status.code(), Some(1));
}

#[test]
fn a_scan_that_fails_exits_2_and_writes_no_report() {
    let Some(chromium) = chromium() else { return };
    let site = shop::Shop::start();
    let dir = tempfile::tempdir().unwrap();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cases = [
        (
            format!("http://www.shop.localhost:{free}/"),
            "ERR_CONNECTION_REFUSED",
            "30",
        ),
        (site.url("/loop"), "ERR_TOO_MANY_REDIRECTS", "30"),
        (site.url("/hang"), "did not finish loading within 2 s", "2"),
        (
            "file:///etc/passwd".to_owned(),
            "not an http or https URL",
            "30",
        ),
    ];
    for (url, why, timeout) in cases {
        let report = dir.path().join("report.json");
        let output = run(&[
            "scan",
            fixture("shop.toml").to_str().unwrap(),
            &url,
            "--scenario",
            "none",
            "--timeout",
            timeout,
            "--chromium",
            chromium.to_str().unwrap(),
            "--json",
            report.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{url}: {stderr}");
        assert!(
            stderr.contains("scan failed, no report written") && stderr.contains(why),
            "{url}: {stderr}"
        );
        assert!(!report.exists(), "{url}");
    }
    let output = run(&[
        "scan",
        fixture("shop.toml").to_str().unwrap(),
        &site.url("/"),
        "--chromium",
        "/nonexistent/chromium",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("cannot start `/nonexistent/chromium`")
    );
}
