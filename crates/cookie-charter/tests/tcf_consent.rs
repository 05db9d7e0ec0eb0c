//! A TC string as the consent input: policy purposes granted by the TCF purposes they map to.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use cookie_charter::{Choice, ConsentState, Policy, TcString};

const POLICY: &str = r#"
[site]
name = "Publisher"
url = "https://news.example"
revision = 4
consent_cookie = "consent"

[purposes.statistics]
label = "Audience"
tcf_purposes = [7, 8, 10]

[purposes.marketing]
label = "Advertising"
tcf_purposes = [1, 2, 3, 4]

[purposes.preferences]
label = "Personalised content"
tcf_purposes = [5, 6]

[purposes.social]
label = "Social"
tcf_purposes = [1, 2]

[purposes.videos]
label = "Videos"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Audience"
lifetime = "13 months"
"#;

/// The `consent` string of a conformance vector.
fn vector(path: &str) -> serde_json::Value {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/conformance/iab-tcf")
        .join(path);
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

fn choices(policy: &Policy, tc: &str) -> Vec<(String, Option<Choice>)> {
    let consent = policy.consent_from_tc_string(tc).unwrap();
    ["statistics", "marketing", "preferences", "social", "videos"]
        .into_iter()
        .map(|p| (p.to_owned(), consent.choice(p)))
        .collect()
}

#[test]
fn core_purpose_consents_grant_the_mapped_purposes() {
    let policy = Policy::from_toml(POLICY).unwrap();
    // iabconsent valid[0]: purpose consents 1, 3, 6, 7, 8, 10; no publisher-TC segment.
    let data = vector("v2.2/iabconsent.json");
    let tc = data["valid"][0]["consent"].as_str().unwrap();
    let consent = policy.consent_from_tc_string(tc).unwrap();
    assert_eq!(consent.revision(), 4);
    assert_eq!(consent.at(), 1_583_436_280, "LastUpdated, in seconds");
    assert!(!consent.gpc());
    assert_eq!(
        choices(&policy, tc),
        [
            ("statistics".to_owned(), Some(Choice::Granted)),
            ("marketing".to_owned(), Some(Choice::Denied)),
            ("preferences".to_owned(), Some(Choice::Denied)),
            ("social".to_owned(), Some(Choice::Denied)),
            ("videos".to_owned(), None),
        ]
    );
    let now = 1_583_436_300;
    assert_eq!(
        policy.decide("_ga", &consent, now).consent_state,
        Some(ConsentState::Granted)
    );
    let asked: Vec<&str> = policy
        .purposes_to_ask(&consent, now)
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert!(asked.is_empty(), "{asked:?}");
}

#[test]
fn the_publisher_segment_must_agree_when_present() {
    let policy = Policy::from_toml(POLICY).unwrap();
    // gguridi c: core purposes 1, 2, 5-10; publisher purposes 1-5, 7-10.
    let data = vector("v2/consent_c.json");
    let tc = data["consent"].as_str().unwrap();
    assert!(TcString::decode(tc).unwrap().publisher_tc().is_some());
    assert_eq!(
        choices(&policy, tc),
        [
            ("statistics".to_owned(), Some(Choice::Granted)),
            ("marketing".to_owned(), Some(Choice::Denied)),
            ("preferences".to_owned(), Some(Choice::Denied)),
            ("social".to_owned(), Some(Choice::Granted)),
            ("videos".to_owned(), None),
        ]
    );
}

#[test]
fn legitimate_interest_is_never_consent() {
    let policy = Policy::from_toml(POLICY).unwrap();
    // iabconsent valid[0] has legitimate interest for purposes 3, 4, 5 and 8, consent for
    // neither 4 nor 5: marketing and preferences stay denied.
    let data = vector("v2.2/iabconsent.json");
    let tc = TcString::decode(data["valid"][0]["consent"].as_str().unwrap()).unwrap();
    assert!(tc.core().purpose_legitimate_interest(4));
    let consent = policy.consent_from_tcf(&tc);
    assert_eq!(consent.choice("marketing"), Some(Choice::Denied));
    // Invalid v2.2 strings (legitimate interest for purposes 3 to 6) give an error, never a
    // consent.
    let invalid = data["invalid"].as_array().unwrap();
    assert_eq!(invalid.len(), 6);
    for case in invalid {
        let e = policy
            .consent_from_tc_string(case["consent"].as_str().unwrap())
            .unwrap_err();
        assert_eq!(e.code(), "invalid_tc_string");
        assert!(
            e.message().contains("legitimate_interest_not_allowed"),
            "{e}"
        );
    }
    let e = policy.consent_from_tc_string("").unwrap_err();
    assert_eq!(e.code(), "invalid_tc_string");
}
