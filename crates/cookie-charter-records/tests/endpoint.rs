//! The consent endpoint: a recorded choice gives the consent cookie and the deletions; bad
//! requests record nothing and set nothing; a store that cannot be written gives 503 and no
//! cookie; signed cookies link a change of mind to the record it replaces.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{NOW, ORIGIN, POLICY, endpoint, json, post};
use cookie_charter::{Consent, PolicyFormat, RecordId};
use cookie_charter_records::{
    Endpoint, EndpointConfig, Method, SqliteOptions, SqliteStore, open, verify,
};

fn sqlite(dir: &tempfile::TempDir) -> String {
    format!("sqlite:{}", dir.path().join("consents.sqlite").display())
}

fn count(address: &str) -> u64 {
    open(address, None).unwrap().stats().unwrap().records
}

/// Records a choice, then withdraws it: cookies, deletions, the records and their notices.
fn choice_then_withdrawal(address: &str) {
    let endpoint = endpoint(address, common::signed_config());
    let reply = post(&endpoint, "all=1&method=banner&lang=en", &[], NOW);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = json(&reply);
    let rid = body["record_id"].as_str().unwrap().to_owned();
    let value = body["consent"].as_str().unwrap().to_owned();
    let cookies: Vec<&str> = reply.set_cookies().collect();
    assert_eq!(
        cookies,
        [format!(
            "consent={value}; Path=/; Max-Age={}; SameSite=Lax; Secure",
            6 * 30 * 86_400
        )]
    );
    assert!(value.starts_with(&format!(
        "v=1&rev=1&at={NOW}&marketing=1&statistics=1&_rid={rid}&_kid=k1&_sig="
    )));
    assert!(
        reply
            .headers
            .contains(&("Cache-Control".to_owned(), "no-store".to_owned()))
    );
    // The cookie verifies with the policy's keys, as every binding will check it.
    let consent = endpoint
        .policy()
        .verify_consent(Consent::from_cookie(&value));
    assert!(consent.is_verified());
    // The visitor withdraws on the settings page, holding the cookies they consented to.
    let held = format!("consent={value}; _ga=GA1.2.3; _fbp=fb.1");
    let reply = post(
        &endpoint,
        "all=0",
        &[("Cookie", &held), ("User-Agent", "Agent/1.0")],
        NOW + 60,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let second = json(&reply)["record_id"].as_str().unwrap().to_owned();
    let cookies: Vec<&str> = reply.set_cookies().collect();
    assert!(
        cookies[0].starts_with("consent=v=1&rev=1&at=1767225660&marketing=0&statistics=0&_rid=")
    );
    for deletion in [
        "_ga=; Max-Age=0; Path=/",
        "_ga=; Max-Age=0; Path=/; Domain=www.example.com",
        "_ga=; Max-Age=0; Path=/; Domain=example.com",
        "_fbp=; Max-Age=0; Path=/",
    ] {
        assert!(cookies.contains(&deletion), "{deletion} not in {cookies:?}");
    }
    // Both are recorded, the second linked to the first, nothing identifying by default.
    let mut store = open(address, None).unwrap();
    let first = store
        .record(&RecordId::parse(&rid).unwrap())
        .unwrap()
        .unwrap();
    let withdrawal = store
        .record(&RecordId::parse(&second).unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(first.record.method, Method::Banner);
    assert_eq!(first.record.language, "en");
    assert_eq!(withdrawal.record.previous, Some(first.record.id));
    assert_eq!(withdrawal.record.language, "fr");
    assert_eq!(withdrawal.record.client, Default::default());
    assert_eq!(withdrawal.seq, first.seq + 1);
    let notice = store.notice(&first.record.notice).unwrap().unwrap();
    assert_eq!(notice.language, "en");
    assert_eq!(notice.policy, POLICY);
    assert!(notice.charter.contains("Advertising"));
    assert!(notice.check().is_ok());
    let report = verify(store.as_mut()).unwrap();
    assert!(report.is_valid(), "{:?}", report.problems);
    assert_eq!((report.records, report.notices), (2, 2));
}

#[test]
fn sqlite_records_a_choice_then_its_withdrawal() {
    let dir = tempfile::tempdir().unwrap();
    choice_then_withdrawal(&sqlite(&dir));
}

#[test]
fn postgres_records_a_choice_then_its_withdrawal() {
    let Some(address) = common::postgres_database("endpoint") else {
        return common::skipped("postgres_records_a_choice_then_its_withdrawal");
    };
    choice_then_withdrawal(&address);
}

#[test]
fn bad_requests_record_nothing_and_set_no_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let address = sqlite(&dir);
    let endpoint = endpoint(&address, common::config());
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let json_type = ("Content-Type", "application/json");
    let same = ("Sec-Fetch-Site", "same-origin");
    let origin = ("Origin", ORIGIN);
    let big = "statistics=1&".repeat(400);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8], u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "GET",
            vec![origin, form],
            b"statistics=1",
            405,
            "method_not_allowed",
        ),
        (
            "PUT",
            vec![origin, form],
            b"statistics=1",
            405,
            "method_not_allowed",
        ),
        ("POST", vec![form], b"statistics=1", 403, "cross_origin"),
        (
            "POST",
            vec![("Origin", "https://evil.example"), form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![("Origin", "null"), form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![("Origin", "http://www.example.com"), form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![origin, origin, form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![origin, ("Sec-Fetch-Site", "cross-site"), form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![("Sec-Fetch-Site", "same-site"), form],
            b"statistics=1",
            403,
            "cross_origin",
        ),
        (
            "POST",
            vec![origin],
            b"statistics=1",
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            vec![origin, ("Content-Type", "text/plain")],
            b"statistics=1",
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            vec![origin, form],
            big.as_bytes(),
            413,
            "body_too_large",
        ),
        (
            "POST",
            vec![same, form],
            b"social=1",
            400,
            "unknown_purpose",
        ),
        (
            "POST",
            vec![same, form],
            b"statistics=2",
            400,
            "invalid_choice",
        ),
        ("POST", vec![same, form], b"", 400, "no_choice"),
        ("POST", vec![same, form], b"\xff\xfe", 400, "malformed_body"),
        (
            "POST",
            vec![same, form],
            b"statistics=1&lang=de",
            400,
            "unknown_language",
        ),
        (
            "POST",
            vec![same, json_type],
            b"{\"choices\": 1}",
            400,
            "malformed_body",
        ),
        (
            "POST",
            vec![same, json_type],
            b"not json",
            400,
            "malformed_body",
        ),
    ];
    for (method, headers, body, status, code) in cases {
        let reply = endpoint.handle(method, &headers, body, NOW);
        assert_eq!(
            (reply.status, json(&reply)["error"].as_str().unwrap()),
            (status, code),
            "{method} {headers:?} {}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(reply.set_cookies().count(), 0, "{code}");
        let message = json(&reply)["message"].as_str().unwrap().to_owned();
        assert!(!message.ends_with('.') && !message.is_empty(), "{message}");
    }
    assert_eq!(count(&address), 0);
    // The same request, well formed, is recorded.
    assert_eq!(post(&endpoint, "statistics=1", &[], NOW).status, 200);
    assert_eq!(count(&address), 1);
}

#[test]
fn forged_and_replayed_signatures_link_nothing_and_grant_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let address = sqlite(&dir);
    let endpoint = endpoint(&address, common::signed_config());
    let first = json(&post(&endpoint, "all=1", &[], NOW));
    let second = json(&post(&endpoint, "all=0", &[], NOW + 1));
    let value = first["consent"].as_str().unwrap();
    let other = second["consent"].as_str().unwrap();
    // Edited, or carrying another consent's signature: not the visitor's record.
    let edited = value.replace("marketing=1", "marketing=0");
    let (head, _) = value.rsplit_once("&_sig=").unwrap();
    let replayed = format!("{head}&_sig={}", other.rsplit_once("&_sig=").unwrap().1);
    let unknown_key = value.replace("_kid=k1", "_kid=k0");
    for held in [edited, replayed, unknown_key] {
        let policy = endpoint.policy();
        let consent = policy.verify_consent(Consent::from_cookie(&held));
        assert!(consent.problem().is_some(), "{held}");
        assert!(!policy.decide("_ga", &consent, NOW + 2).allowed);
        let reply = post(
            &endpoint,
            "statistics=1",
            &[("Cookie", &format!("consent={held}"))],
            NOW + 2,
        );
        assert_eq!(reply.status, 200);
        let rid = json(&reply)["record_id"].as_str().unwrap().to_owned();
        let mut store = open(&address, None).unwrap();
        let record = store
            .record(&RecordId::parse(&rid).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(record.record.previous, None, "{held}");
    }
}

#[test]
fn a_full_store_gives_503_and_no_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(
        dir.path().join("full.sqlite"),
        &SqliteOptions {
            max_pages: Some(40),
            ..SqliteOptions::default()
        },
    )
    .unwrap();
    let endpoint = Endpoint::with_store(
        POLICY,
        PolicyFormat::Toml,
        Box::new(store),
        common::config(),
        NOW,
    )
    .unwrap();
    let mut statuses = Vec::new();
    for n in 0..2_000 {
        let reply = post(&endpoint, "all=1", &[], NOW + n);
        if reply.status != 200 {
            assert_eq!(reply.status, 503);
            assert_eq!(json(&reply)["error"], "store_full");
            assert_eq!(reply.set_cookies().count(), 0);
            statuses.push(reply.status);
            break;
        }
        assert_eq!(reply.set_cookies().count(), 1);
    }
    assert_eq!(statuses, [503], "the store never filled up");
}

#[test]
fn a_store_that_is_down_gives_503_and_no_cookie_until_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("later");
    let address = format!("sqlite:{}", missing.join("consents.sqlite").display());
    // The directory does not exist yet: the store cannot be opened.
    let endpoint = endpoint(&address, common::config());
    let reply = post(&endpoint, "all=1", &[], NOW);
    assert_eq!((reply.status, reply.set_cookies().count()), (503, 0));
    assert_eq!(json(&reply)["error"], "store_unavailable");
    std::fs::create_dir(&missing).unwrap();
    let reply = post(&endpoint, "all=1", &[], NOW);
    assert_eq!((reply.status, reply.set_cookies().count()), (200, 1));
    assert_eq!(count(&address), 1);
}

#[test]
fn postgres_down_then_back_gives_503_then_records() {
    let Some(address) = common::postgres_database("down") else {
        return common::skipped("postgres_down_then_back_gives_503_then_records");
    };
    let endpoint = endpoint(&address, common::config());
    assert_eq!(post(&endpoint, "all=1", &[], NOW).status, 200);
    // The server drops the endpoint's connection (a restart, a failover).
    let (_, name) = address.rsplit_once('/').unwrap();
    let mut admin = postgres::Client::connect(&address, postgres::NoTls).unwrap();
    admin
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&name],
        )
        .unwrap();
    let reply = post(&endpoint, "all=0", &[], NOW + 1);
    assert_eq!((reply.status, reply.set_cookies().count()), (503, 0));
    assert_eq!(json(&reply)["error"], "store_unavailable");
    // The next request connects again.
    let reply = post(&endpoint, "all=0", &[], NOW + 2);
    assert_eq!((reply.status, reply.set_cookies().count()), (200, 1));
    assert_eq!(count(&address), 2);
}

#[test]
fn opt_in_client_details_and_json_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let address = sqlite(&dir);
    let config = EndpointConfig {
        record_user_agent: true,
        record_ip_from: Some("X-Real-IP".to_owned()),
        allowed_origins: vec!["https://example.com".to_owned()],
        ..common::config()
    };
    let endpoint = endpoint(&address, config);
    let reply = endpoint.handle(
        "POST",
        &[
            ("origin", "https://example.com"),
            ("sec-fetch-site", "same-site"),
            ("content-type", "application/json"),
            ("user-agent", "Agent/2.0"),
            ("x-real-ip", "198.51.100.23"),
        ],
        br#"{"choices": {"statistics": true, "marketing": "denied"}, "method": "settings"}"#,
        NOW,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = json(&reply);
    assert_eq!(body["choices"]["marketing"], "denied");
    let rid = RecordId::parse(body["record_id"].as_str().unwrap()).unwrap();
    let record = open(&address, None).unwrap().record(&rid).unwrap().unwrap();
    assert_eq!(record.record.method, Method::Settings);
    assert_eq!(
        record.record.client.ip_prefix.as_deref(),
        Some("198.51.100.0/24")
    );
    assert_eq!(
        record.record.client.user_agent.as_deref(),
        Some("Agent/2.0")
    );
    // Unsigned, the cookie still carries the record id.
    assert!(
        body["consent"]
            .as_str()
            .unwrap()
            .ends_with(&format!("&_rid={rid}"))
    );
}

#[test]
fn setups_that_cannot_work_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let address = sqlite(&dir);
    let undeclared = POLICY.replace("name = \"consent\"\n", "name = \"other\"\n");
    let err = Endpoint::new(
        &undeclared,
        PolicyFormat::Toml,
        &address,
        common::config(),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the consent cookie `consent` must be declared with the purpose `necessary`"
    );
    let strict = POLICY.replace(
        "languages = [",
        "require_signed_consent = true\nlanguages = [",
    );
    let err =
        Endpoint::new(&strict, PolicyFormat::Toml, &address, common::config(), NOW).unwrap_err();
    assert!(
        err.to_string().contains("no signing key is configured"),
        "{err}"
    );
    assert!(
        Endpoint::new(
            &strict,
            PolicyFormat::Toml,
            &address,
            common::signed_config(),
            NOW
        )
        .is_ok()
    );
    let err = Endpoint::new(
        "[site]",
        PolicyFormat::Toml,
        &address,
        common::config(),
        NOW,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the policy does not load: error[missing_field]"),
        "{err}"
    );
    let err = Endpoint::new(
        POLICY,
        PolicyFormat::Toml,
        "redis://x",
        common::config(),
        NOW,
    )
    .unwrap_err();
    assert!(err.to_string().contains("is not `sqlite:PATH`"), "{err}");
}

#[test]
fn a_policy_requiring_signatures_accepts_the_endpoint_s_cookies_only() {
    let dir = tempfile::tempdir().unwrap();
    let strict = POLICY.replace(
        "languages = [",
        "require_signed_consent = true\nlanguages = [",
    );
    let endpoint = Endpoint::new(
        &strict,
        PolicyFormat::Toml,
        &sqlite(&dir),
        common::signed_config(),
        NOW,
    )
    .unwrap();
    let value = json(&post(&endpoint, "all=1", &[], NOW))["consent"]
        .as_str()
        .unwrap()
        .to_owned();
    let policy = endpoint.policy();
    let header = format!("consent={value}");
    let consent = policy.verify_consent(policy.consent_from_cookie_header(&header));
    assert!(policy.decide("_ga", &consent, NOW + 5).allowed);
    let (unsigned, _) = value.split_once("&_rid=").unwrap();
    let consent = policy.verify_consent(Consent::from_cookie(unsigned));
    assert!(!policy.decide("_ga", &consent, NOW + 5).allowed);
}
