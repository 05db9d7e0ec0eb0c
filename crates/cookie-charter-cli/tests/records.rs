//! `cookie-charter records`: verify, export, purge, stats and keygen, run through the built
//! binary on a SQLite store filled by the consent endpoint.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

use std::process::{Command, Output};

use cookie_charter::PolicyFormat;
use cookie_charter_records::{Endpoint, EndpointConfig, Retention};

const NOW: u64 = 1_767_225_600;
const DAY: u64 = 86_400;

const POLICY: &str = r#"
[site]
name = { fr = "Exemple", en = "Example" }
url = "https://www.example.com"
consent_cookie = "consent"
languages = ["fr", "en"]
[purposes.marketing]
label = { fr = "Publicité", en = "Advertising" }
[[cookies]]
name = "consent"
provider = "Example"
service = "Bandeau"
purpose = "necessary"
description = "Garde votre choix"
lifetime = "6 months"
[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Compte les visites"
lifetime = "13 months"
[[cookies]]
name = "_fbp"
provider = "Meta"
service = "Pixel"
purpose = "marketing"
description = "Publicité ciblée"
lifetime = "3 months"
domain = "facebook.com"
"#;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cookie-charter"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

/// A store with three choices: all granted (day 0), all refused (day 10, replacing the first),
/// statistics only (day 40).
fn filled(dir: &tempfile::TempDir) -> (String, Vec<String>) {
    let address = format!("sqlite:{}", dir.path().join("c.sqlite").display());
    let config = EndpointConfig {
        keys: Some(
            cookie_charter::ConsentKeys::parse("k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA")
                .unwrap(),
        ),
        ..EndpointConfig::new(Retention::parse("30 days").unwrap())
    };
    let endpoint = Endpoint::new(POLICY, PolicyFormat::Toml, &address, config, NOW).unwrap();
    let mut ids = Vec::new();
    let mut cookie = String::new();
    for (body, at) in [
        ("all=1&lang=en", NOW),
        ("all=0&method=settings", NOW + 10 * DAY),
        ("statistics=1", NOW + 40 * DAY),
    ] {
        let mut headers = vec![
            ("Origin", "https://www.example.com"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ];
        if !cookie.is_empty() {
            headers.push(("Cookie", &cookie));
        }
        let reply = endpoint.handle("POST", &headers, body.as_bytes(), at);
        assert_eq!(reply.status, 200, "{}", reply.body);
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        ids.push(json["record_id"].as_str().unwrap().to_owned());
        cookie = format!("consent={}", json["consent"].as_str().unwrap());
    }
    (address, ids)
}

#[test]
fn verify_stats_and_purge() {
    let dir = tempfile::tempdir().unwrap();
    let (address, _) = filled(&dir);
    let output = run(&["records", "verify", "--store", &address]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!(
            "{address}: ok: 3 records (places 1 to 3), 2 notices, head "
        )),
        "{text}"
    );
    let output = run(&["records", "stats", "--store", &address]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    for line in [
        "records: 3",
        "notices: 2",
        "oldest: 2026-01-01T00:00:00Z",
        "chain: records 1 to 3",
        "retention: 30 days",
        "marketing: 1 granted, 1 denied",
        "statistics: 2 granted, 1 denied",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in {text}");
    }
    // 30 days of retention at day 41: the first two records go.
    let at = (NOW + 41 * DAY).to_string();
    let output = run(&["records", "purge", "--store", &address, "--now", &at]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("purged 2 records; the chain now starts after record 2 ("));
    let output = run(&["records", "verify", "--store", &address]);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains(": ok: 1 records (places 3 to 3)"));
    let output = run(&["records", "stats", "--store", &address, "--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        (json["records"].as_u64(), json["anchor"]["seq"].as_u64()),
        (Some(1), Some(2))
    );
    // A longer retention given on the command line is stored.
    let output = run(&[
        "records",
        "purge",
        "--store",
        &address,
        "--retention",
        "5 years",
    ]);
    assert!(output.status.success(), "{output:?}");
    let output = run(&["records", "stats", "--store", &address]);
    assert!(stdout(&output).contains("retention: 1825 days"));
}

#[test]
fn verify_exits_1_on_a_tampered_store() {
    let dir = tempfile::tempdir().unwrap();
    let (address, _) = filled(&dir);
    let path = address.strip_prefix("sqlite:").unwrap();
    let connection = rusqlite_free_edit(path);
    assert!(connection, "the file was edited");
    let output = run(&["records", "verify", "--store", &address]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.contains(": error: record 2: its hash does not match its content"),
        "{text}"
    );
    assert!(text.contains(": invalid: 3 records"), "{text}");
}

/// Flips a byte of the second record's body inside the file, as an editor would, bypassing the
/// store's triggers: `denied` becomes `dewied`.
fn rusqlite_free_edit(path: &str) -> bool {
    let mut bytes = std::fs::read(path).unwrap();
    let needle = b"\"marketing\":\"denied\"";
    let Some(at) = bytes.windows(needle.len()).position(|w| w == needle) else {
        return false;
    };
    bytes[at + 15] = b'w';
    std::fs::write(path, bytes).unwrap();
    true
}

#[test]
fn exports_records_as_iso_27560_and_kantara() {
    let dir = tempfile::tempdir().unwrap();
    let (address, ids) = filled(&dir);
    let output = run(&[
        "records",
        "export",
        "--store",
        &address,
        "--id",
        &ids[1],
        "--jurisdiction",
        "FR",
        "--email",
        "dpo@example.com",
    ]);
    assert!(output.status.success(), "{output:?}");
    let record: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(record["record"]["schema_version"], "ISO/IEC TS 27560:2023");
    assert_eq!(record["record"]["record_id"], ids[1].as_str());
    assert_eq!(record["record"]["replaces"], ids[0].as_str());
    assert_eq!(record["record"]["created"], "2026-01-11T00:00:00Z");
    assert_eq!(record["record"]["integrity"]["seq"], 2);
    let notice = &record["pii_processing"]["privacy_notice"];
    assert_eq!(
        (notice["revision"].as_u64(), notice["language"].as_str()),
        (Some(1), Some("fr"))
    );
    assert_eq!(notice["stored"], true);
    let purposes = record["pii_processing"]["purposes"].as_array().unwrap();
    let marketing = purposes
        .iter()
        .find(|p| p["purpose_id"] == "marketing")
        .unwrap();
    assert_eq!(marketing["purpose"], "Publicité");
    assert_eq!(marketing["consent_state"], "withdrawn");
    assert_eq!(marketing["recipient_third_parties"][0], "Meta");
    assert_eq!(marketing["pii_information"][0]["name"], "_fbp");
    assert_eq!(marketing["jurisdiction"], "FR");
    let party = &record["party_identification"][0];
    assert_eq!(
        (party["party_name"].as_str(), party["party_email"].as_str()),
        (Some("Exemple"), Some("dpo@example.com"))
    );
    let events = record["event"].as_array().unwrap();
    assert!(
        events
            .iter()
            .all(|e| e["state"] == "withdrawn" && e["entity_id"] == ids[1].as_str())
    );

    let output = run(&[
        "records",
        "export",
        "--store",
        &address,
        "--format",
        "kantara",
        "--from",
        "2026-01-05",
        "--to",
        "2026-02-15",
    ]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    let receipts: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(receipts.len(), 2, "{text}");
    assert_eq!(receipts[0]["version"], "KI-CR-v1.1.0");
    assert_eq!(receipts[0]["consentReceiptID"], ids[1].as_str());
    assert_eq!(receipts[0]["collectionMethod"], "settings");
    assert_eq!(receipts[1]["consentTimestamp"], NOW + 40 * DAY);
    let purposes = receipts[1]["services"][0]["purposes"].as_array().unwrap();
    assert_eq!(purposes.len(), 1);
    assert_eq!(
        (
            purposes[0]["purpose"].as_str(),
            purposes[0]["consentState"].as_str()
        ),
        (Some("Cookies statistiques"), Some("given"))
    );
    assert_eq!(
        receipts[1]["piiControllers"][0]["piiControllerUrl"],
        "https://www.example.com"
    );
    // Everything, by default.
    let output = run(&["records", "export", "--store", &address]);
    assert_eq!(stdout(&output).lines().count(), 3);
}

#[test]
fn keygen_and_errors() {
    let output = run(&["records", "keygen", "2026a"]);
    assert!(output.status.success(), "{output:?}");
    let line = stdout(&output);
    assert!(cookie_charter::ConsentKeys::parse(&line).is_ok(), "{line}");
    assert!(line.starts_with("2026a:"));
    let dir = tempfile::tempdir().unwrap();
    let (address, _) = filled(&dir);
    for (args, message) in [
        (
            vec!["records", "verify", "--store", "mysql://x"],
            "is not `sqlite:PATH` or `postgres://…`",
        ),
        (
            vec!["records", "export", "--store", &address, "--format", "csv"],
            "--format `csv` is not `iso27560` or `kantara`",
        ),
        (
            vec!["records", "export", "--store", &address, "--id", "12"],
            "--id `12` is not 32 lowercase hex digits",
        ),
        (
            vec![
                "records",
                "export",
                "--store",
                &address,
                "--id",
                &"ab".repeat(16),
            ],
            "no record `abababababababababababababababab` in the store",
        ),
        (
            vec!["records", "export", "--store", &address, "--from", "soon"],
            "--from `soon` is not RFC 3339",
        ),
        (
            vec![
                "records",
                "purge",
                "--store",
                &address,
                "--retention",
                "forever",
            ],
            "--retention: retention `forever` is not a duration",
        ),
        (
            vec!["records", "keygen", "bad id"],
            "key id `bad id` must match",
        ),
    ] {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {output:?}");
        let err = String::from_utf8(output.stderr).unwrap();
        assert!(err.starts_with("cookie-charter records: "), "{err}");
        assert!(err.contains(message), "{message} not in {err}");
    }
    let output = run(&["records", "verify"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn copy_moves_a_store_into_a_new_one() {
    let dir = tempfile::tempdir().unwrap();
    let (address, ids) = filled(&dir);
    let to = format!("sqlite:{}", dir.path().join("moved.sqlite").display());
    let output = run(&["records", "copy", "--from", &address, "--to", &to]);
    assert!(output.status.success(), "{output:?}");
    let text = stdout(&output);
    assert!(
        text.starts_with(&format!(
            "{to}: copied 3 records and 2 notices from {address}; both end at record 3 ("
        )),
        "{text}"
    );
    let output = run(&["records", "export", "--store", &to, "--id", &ids[2]]);
    assert!(output.status.success(), "{output:?}");
    // Copying again into the same store is refused.
    let output = run(&["records", "copy", "--from", &address, "--to", &to]);
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("error[store_refused]: the consent store refused the change: the destination is not a new, empty store"), "{err}");
}
