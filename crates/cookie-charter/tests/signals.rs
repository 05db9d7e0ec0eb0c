//! Signals from the ecosystem: Global Privacy Control and Google Consent Mode v2 on a policy.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use cookie_charter::{
    Choice, Consent, ConsentState, GtagCommand, Policy, Rule, Signal, Signals, gpc_enabled,
};

const NOW: u64 = 1_800_000_000;

const POLICY: &str = r#"
[site]
name = "Shop"
url = "https://www.shop.example"
revision = 3
consent_cookie = "consent"

[purposes.preferences]
label = "Preferences"

[purposes.marketing]
label = "Advertising"
revision = 3

[purposes.social]
label = "Social networks"
consent_mode = ["ad_user_data"]
gpc = true
revision = 2

[purposes.videos]
label = "Videos"

[[cookies]]
name = "consent"
provider = "Shop"
service = "Banner"
purpose = "necessary"
description = "Your choice"
lifetime = "6 months"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Audience"
lifetime = "13 months"

[[cookies]]
name = "lang"
provider = "Shop"
service = "Language"
purpose = "preferences"
description = "Your language"
lifetime = "1 year"

[[cookies]]
name = "_fbp"
provider = "Meta"
service = "Pixel"
purpose = "marketing"
description = "Ads"
lifetime = "3 months"
domain = ".facebook.com"

[[cookies]]
name = "share"
provider = "Social"
service = "Share buttons"
purpose = "social"
description = "Sharing"
lifetime = "1 month"

[[cookies]]
name = "yt"
provider = "YouTube"
service = "Videos"
purpose = "videos"
description = "Player"
lifetime = "1 month"
"#;

fn policy() -> Policy {
    Policy::from_toml(POLICY).unwrap()
}

fn state(policy: &Policy, name: &str, consent: &Consent) -> ConsentState {
    policy.decide(name, consent, NOW).consent_state.unwrap()
}

#[test]
fn defaults_and_declarations_of_the_signals() {
    let policy = policy();
    let purpose = |id: &str| policy.purpose(id).unwrap();
    assert_eq!(
        purpose("necessary").consent_mode,
        Signals::of(&[Signal::SecurityStorage])
    );
    assert_eq!(
        purpose("statistics").consent_mode,
        Signals::of(&[Signal::AnalyticsStorage])
    );
    assert_eq!(
        purpose("preferences").consent_mode,
        Signals::of(&[Signal::FunctionalityStorage, Signal::PersonalizationStorage])
    );
    assert_eq!(
        purpose("marketing").consent_mode,
        Signals::of(&[
            Signal::AdStorage,
            Signal::AdUserData,
            Signal::AdPersonalization
        ])
    );
    assert_eq!(
        purpose("social").consent_mode,
        Signals::of(&[Signal::AdUserData])
    );
    assert!(purpose("videos").consent_mode.is_empty());
    let covered: Vec<&str> = policy
        .purposes()
        .iter()
        .filter(|p| p.gpc)
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(covered, ["marketing", "social"]);
}

#[test]
fn gpc_refuses_covered_purposes_the_visitor_has_not_chosen() {
    let policy = policy();
    let none = Consent::default().with_gpc(true);
    assert_eq!(state(&policy, "_fbp", &none), ConsentState::GpcDenied);
    assert_eq!(state(&policy, "share", &none), ConsentState::GpcDenied);
    assert_eq!(state(&policy, "yt", &none), ConsentState::Unset);
    assert_eq!(state(&policy, "lang", &none), ConsentState::Unset);
    assert_eq!(state(&policy, "consent", &none), ConsentState::Granted);
    let fbp = policy.decide("_fbp", &none, NOW);
    assert!(!fbp.allowed);
    assert_eq!(fbp.rule, Rule::ThirdParty);
    // The banner asks only what GPC did not answer.
    let asked: Vec<&str> = policy
        .purposes_to_ask(&none, NOW)
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(asked, ["statistics", "preferences", "videos"]);
    let without: Vec<&str> = policy
        .purposes_to_ask(&Consent::default(), NOW)
        .iter()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(
        without,
        ["statistics", "preferences", "marketing", "social", "videos"]
    );
}

#[test]
fn an_explicit_choice_wins_over_gpc() {
    let policy = policy();
    let chosen =
        Consent::from_cookie("v=1&rev=3&at=1799999000&marketing=1&social=0").with_gpc(true);
    assert!(chosen.gpc());
    let fbp = policy.decide("_fbp", &chosen, NOW);
    assert!(fbp.allowed);
    assert_eq!(fbp.consent_state, Some(ConsentState::Granted));
    assert_eq!(state(&policy, "share", &chosen), ConsentState::Denied);
    // A choice for an older revision of the purpose is no valid choice: GPC refuses it.
    let stale = Consent::from_cookie("v=1&rev=2&at=1799999000&marketing=1&social=1").with_gpc(true);
    assert_eq!(state(&policy, "_fbp", &stale), ConsentState::GpcDenied);
    assert_eq!(state(&policy, "share", &stale), ConsentState::Granted);
    // The signal is not part of the cookie.
    assert_eq!(
        chosen.to_cookie(),
        "v=1&rev=3&at=1799999000&marketing=1&social=0"
    );
}

#[test]
fn consent_mode_follows_the_purposes() {
    let policy = policy();
    let consent = Consent::from_cookie(
        "v=1&rev=3&at=1799999000&statistics=1&preferences=1&marketing=1&social=0",
    );
    let mode = policy.consent_mode(&consent, NOW);
    let granted: Vec<Signal> = mode
        .iter()
        .filter(|(_, c)| *c == Choice::Granted)
        .map(|(s, _)| s)
        .collect();
    // `ad_user_data` is mapped by marketing (granted) and social (denied): denied.
    assert_eq!(
        granted,
        [
            Signal::AdStorage,
            Signal::AdPersonalization,
            Signal::AnalyticsStorage,
            Signal::FunctionalityStorage,
            Signal::PersonalizationStorage,
            Signal::SecurityStorage,
        ]
    );
    let nothing = policy.consent_mode(&Consent::default(), NOW);
    assert_eq!(
        nothing.to_json(),
        "{\"ad_storage\":\"denied\",\"ad_user_data\":\"denied\",\"ad_personalization\":\"denied\",\
         \"analytics_storage\":\"denied\",\"functionality_storage\":\"denied\",\
         \"personalization_storage\":\"denied\",\"security_storage\":\"granted\"}"
    );
    let gpc = policy.consent_mode(&consent.clone().with_gpc(true), NOW);
    assert_eq!(gpc, mode, "an explicit choice wins over GPC");
    let snippet = policy
        .consent_mode(&Consent::default().with_gpc(true), NOW)
        .gtag(GtagCommand::Default);
    assert!(snippet.contains("gtag('consent', 'default', {\"ad_storage\":\"denied\""));
}

#[test]
fn a_signal_no_purpose_maps_is_denied() {
    let policy = Policy::from_toml(
        r#"
        [site]
        name = "Bare"
        url = "https://bare.example"
        consent_cookie = "c"
        [purposes.statistics]
        label = "Statistics"
        consent_mode = []
        "#,
    )
    .unwrap();
    let all = Consent::from_cookie("v=1&rev=1&at=1799999000&statistics=1");
    let mode = policy.consent_mode(&all, NOW);
    assert_eq!(mode.granted(), Signals::of(&[Signal::SecurityStorage]));
}

fn load_error(purpose_fields: &str) -> (String, String, String) {
    let text = format!(
        "[site]\nname = \"S\"\nurl = \"https://s.example\"\nconsent_cookie = \"c\"\n\
         [purposes.ads]\nlabel = \"Ads\"\n{purpose_fields}\n"
    );
    let e = Policy::from_toml(&text).unwrap_err();
    (
        e.code().to_owned(),
        e.field().unwrap_or_default().to_owned(),
        e.to_string(),
    )
}

#[test]
fn signal_fields_are_checked_where_they_are() {
    let cases = [
        (
            "consent_mode = [\"ad_storage\", \"adstorage\"]",
            "invalid_value",
            "purposes.ads.consent_mode[1]",
            "not a Consent Mode signal",
        ),
        (
            "consent_mode = [\"ad_storage\", \"ad_storage\"]",
            "invalid_value",
            "purposes.ads.consent_mode[1]",
            "listed twice",
        ),
        (
            "consent_mode = \"ad_storage\"",
            "invalid_type",
            "purposes.ads.consent_mode",
            "array",
        ),
        (
            "gpc = \"yes\"",
            "invalid_type",
            "purposes.ads.gpc",
            "boolean",
        ),
        (
            "tcf_purposes = [1, 25]",
            "invalid_value",
            "purposes.ads.tcf_purposes[1]",
            "1 to 24",
        ),
        (
            "tcf_purposes = [0]",
            "invalid_value",
            "purposes.ads.tcf_purposes[0]",
            "not a TCF purpose",
        ),
        (
            "tcf_purposes = [3, 3]",
            "invalid_value",
            "purposes.ads.tcf_purposes[1]",
            "listed twice",
        ),
    ];
    for (fields, code, field, words) in cases {
        let (got_code, got_field, message) = load_error(fields);
        assert_eq!(got_code, code, "{fields}: {message}");
        assert_eq!(got_field, field, "{fields}: {message}");
        assert!(message.contains(words), "{fields}: {message}");
        assert!(message.contains("line 7"), "{fields}: {message}");
    }
    for necessary in ["gpc = true", "tcf_purposes = [1]"] {
        let text = format!(
            "[site]\nname = \"S\"\nurl = \"https://s.example\"\nconsent_cookie = \"c\"\n\
             [purposes.necessary]\nlabel = \"Needed\"\n{necessary}\n"
        );
        let e = Policy::from_toml(&text).unwrap_err();
        assert_eq!(e.code(), "invalid_value", "{necessary}: {e}");
    }
    let ok = Policy::from_toml(
        "[site]\nname = \"S\"\nurl = \"https://s.example\"\nconsent_cookie = \"c\"\n\
         [purposes.ads]\nlabel = \"Ads\"\ntcf_purposes = [4, 1, 3]\ngpc = false\n\
         consent_mode = [\"ad_storage\"]\n",
    )
    .unwrap();
    let ads = ok.purpose("ads").unwrap();
    assert_eq!(ads.tcf_purposes, [1, 3, 4]);
    assert!(
        !ads.gpc,
        "an explicit `gpc = false` wins over the ad signals"
    );
}

#[test]
fn gpc_header_values() {
    assert!(gpc_enabled(["1"]));
    assert!(!gpc_enabled(["0"]));
    assert!(gpc_enabled(["0", "1"]));
    assert!(!gpc_enabled(Vec::<String>::new()));
}
