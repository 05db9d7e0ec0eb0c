//! The small public calls around the decision: the stable identifiers (`granted`,
//! `third_party`, `cnil`...), which every binding and the CLI print, the consent builders, and the
//! policy's lookups. Written for the mutants `cargo mutants` found uncaught in the decision,
//! consent and policy modules (see `docs/robustness.md`).

// Test code: a failed expectation stops loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cookie_charter::{Choice, Consent, ConsentState, ErrorKind, Policy, Profile, PurposeId, Rule};

#[test]
fn choices_have_their_ids_and_read_back() {
    assert_eq!(Choice::Granted.as_str(), "granted");
    assert_eq!(Choice::Denied.as_str(), "denied");
    for choice in [Choice::Granted, Choice::Denied] {
        assert_eq!(Choice::parse(choice.as_str()).unwrap(), choice);
    }
    let err = Choice::parse("yes").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConsent);
    assert!(err.message().contains("`yes`"), "{err}");
}

#[test]
fn consent_states_have_their_ids_read_back_and_display() {
    let ids: Vec<&str> = ConsentState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(
        ids,
        [
            "granted",
            "denied",
            "unset",
            "expired",
            "stale",
            "gpc_denied"
        ]
    );
    for state in ConsentState::ALL {
        assert_eq!(ConsentState::parse(state.as_str()), Some(state));
        assert_eq!(state.to_string(), state.as_str());
    }
    assert_eq!(ConsentState::parse("Granted"), None);
    assert_eq!(ConsentState::parse(""), None);
}

#[test]
fn rules_have_their_ids_read_back_and_display() {
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        ids,
        [
            "undeclared",
            "necessary",
            "third_party",
            "anonymous_statistics",
            "consent"
        ]
    );
    for rule in Rule::ALL {
        assert_eq!(Rule::parse(rule.as_str()), Some(rule));
        assert_eq!(format!("{rule}"), rule.as_str());
    }
    assert_eq!(Rule::parse("third-party"), None);
    assert_eq!(Rule::parse(""), None);
}

#[test]
fn profiles_have_their_ids_read_back_and_display() {
    assert_eq!(Profile::Charter.as_str(), "charter");
    assert_eq!(Profile::Cnil.as_str(), "cnil");
    for profile in [Profile::Charter, Profile::Cnil] {
        assert_eq!(Profile::parse(profile.as_str()), Some(profile));
        assert_eq!(profile.to_string(), profile.as_str());
    }
    assert_eq!(Profile::parse("CNIL"), None);
    let policy = Policy::from_toml(
        "[site]\nname = \"x\"\nurl = \"https://example.com\"\nconsent_cookie = \"c\"\nprofile = \"cnil\"\n",
    )
    .unwrap();
    assert_eq!(policy.site().profile.as_str(), "cnil");
}

#[test]
fn consent_builders_set_one_thing_and_keep_the_rest() {
    let base = Consent::new(1, 100)
        .with("marketing", Choice::Granted)
        .unwrap();
    let revised = base.clone().with_revision(7);
    assert_eq!(revised.revision(), 7);
    assert_eq!(revised.at(), 100);
    assert_eq!(revised.choice("marketing"), Some(Choice::Granted));
    assert_eq!(revised.problem(), None);
    let dated = base.with_at(1_700_000_000);
    assert_eq!(dated.at(), 1_700_000_000);
    assert_eq!(dated.revision(), 1);
    assert_eq!(dated.choice("marketing"), Some(Choice::Granted));
    assert_eq!(dated.problem(), None);
}

#[test]
fn choices_iterate_sorted_and_collect_into_a_consent() {
    let id = |s: &str| PurposeId::new(s).unwrap();
    let consent: Consent = [
        (id("statistics"), Choice::Denied),
        (id("marketing"), Choice::Granted),
        (id("statistics"), Choice::Granted),
    ]
    .into_iter()
    .collect();
    assert_eq!(consent.problem(), None);
    assert_eq!((consent.revision(), consent.at()), (0, 0));
    let choices: Vec<(&str, Choice)> = consent.choices().map(|(p, c)| (p.as_str(), c)).collect();
    assert_eq!(
        choices,
        [
            ("marketing", Choice::Granted),
            ("statistics", Choice::Granted)
        ]
    );
    let read = Consent::from_cookie("v=1&rev=2&at=3&social=0&marketing=1");
    let choices: Vec<(&str, Choice)> = read.choices().map(|(p, c)| (p.as_str(), c)).collect();
    assert_eq!(
        choices,
        [("marketing", Choice::Granted), ("social", Choice::Denied)]
    );
}

const POLICY: &str = r#"
[site]
name = "Example"
url = "https://www.example.com"
consent_cookie = "consent"
[purposes.marketing]
label = "Marketing"
[[cookies]]
name = "consent"
provider = "Example"
service = "Banner"
purpose = "necessary"
description = "The choice"
lifetime = "6 months"
[[cookies]]
name = "_ga_*"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Visits"
lifetime = "13 months"
[[cookies]]
name = "ads"
provider = "Ads"
service = "Ads"
purpose = "marketing"
description = "Ads"
lifetime = "1 year"
"#;

#[test]
fn the_policy_looks_up_purposes_patterns_and_states() {
    let policy = Policy::from_toml(POLICY).unwrap();
    assert_eq!(
        policy.purpose("marketing").unwrap().id.as_str(),
        "marketing"
    );
    assert_eq!(
        policy.purpose("statistics").unwrap().id.as_str(),
        "statistics"
    );
    assert!(policy.purpose("social").is_none());
    let patterns: Vec<bool> = policy.cookies().iter().map(|c| c.is_pattern()).collect();
    assert_eq!(patterns, [false, true, false]);

    let consent = Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=1&marketing=0");
    let now = 1_700_000_100;
    assert_eq!(
        policy.consent_state("statistics", &consent, now),
        Some(ConsentState::Granted)
    );
    assert_eq!(
        policy.consent_state("marketing", &consent, now),
        Some(ConsentState::Denied)
    );
    assert_eq!(
        policy.consent_state("necessary", &Consent::default(), now),
        Some(ConsentState::Granted)
    );
    assert_eq!(policy.consent_state("social", &consent, now), None);

    let names = ["consent", "_ga_X1", "ads", "nope"];
    let many = policy.decide_many(names, &consent, now);
    let one: Vec<_> = names
        .iter()
        .map(|n| policy.decide(n, &consent, now))
        .collect();
    assert_eq!(many, one);
    let allowed: Vec<bool> = many.iter().map(|d| d.allowed).collect();
    assert_eq!(allowed, [true, true, false, false]);
}

#[test]
fn warnings_display_location_field_and_message() {
    let policy =
        Policy::from_toml(&POLICY.replace("name = \"consent\"\n", "name = \"other\"\n")).unwrap();
    let warning = policy
        .warnings()
        .iter()
        .find(|w| w.code == "consent_cookie_undeclared")
        .expect("the undeclared consent cookie is reported");
    let location = warning.location.unwrap();
    assert_eq!(
        warning.to_string(),
        format!(
            "line {}, column {}: site.consent_cookie: {}",
            location.line, location.column, warning.message
        )
    );
}
