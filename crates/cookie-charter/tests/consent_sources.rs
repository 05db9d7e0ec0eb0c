//! Consent sources (spec §11): the policy's `site.consent_sources` (errors, warnings, defaults),
//! hostile values, and a property: no format ever grants a purpose that its value does not grant
//! through the mapping.

// Test code: a failed expectation stops loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cookie_charter::limits::MAX_CONSENT_SOURCES;
use cookie_charter::{ConsentState, ErrorKind, Location, Policy, Problem, SourceFormat};
use proptest::prelude::*;

const NOW: u64 = 1_767_225_600;

/// A policy whose `[site]` ends with `sources`; statistics, marketing and preferences need
/// consent; the banners' usual cookies are declared necessary.
fn policy_text(profile: &str, sources: &str) -> String {
    format!(
        r#"[site]
name = "x"
url = "https://example.com"
consent_cookie = "consent"
profile = "{profile}"
{sources}
[purposes.statistics]
label = "Statistics"
tcf_purposes = [1, 7]
[purposes.marketing]
label = "Marketing"
tcf_purposes = [1, 2, 3, 4]
[purposes.preferences]
label = "Preferences"
[[cookies]]
name = "consent"
provider = "x"
service = "x"
purpose = "necessary"
description = "x"
lifetime = "1 year"
[[cookies]]
name = "_ga"
provider = "x"
service = "x"
purpose = "statistics"
description = "x"
lifetime = "1 year"
[[cookies]]
name = "ads"
provider = "x"
service = "x"
purpose = "marketing"
description = "x"
lifetime = "1 year"
[[cookies]]
name = "prefs"
provider = "x"
service = "x"
purpose = "preferences"
description = "x"
lifetime = "1 year"
[[cookies]]
name = "OptanonConsent"
provider = "x"
service = "x"
purpose = "necessary"
description = "x"
lifetime = "1 year"
"#
    )
}

fn load(sources: &str) -> Result<Policy, cookie_charter::Error> {
    Policy::from_toml(&policy_text("charter", sources))
}

fn error(sources: &str) -> cookie_charter::Error {
    match load(sources) {
        Ok(_) => panic!("loaded: {sources}"),
        Err(e) => e,
    }
}

const ALL3: &str = "statistics = [\"a\"], marketing = [\"b\"], preferences = [\"c\"]";

#[test]
fn sources_load_with_their_defaults() {
    let policy = load(
        "[[site.consent_sources]]\nformat = \"onetrust\"\npurposes = { statistics = [\"C0002\"], marketing = [\"C0004\", \"C0005\"], preferences = [\"C0003\"] }\n\
         [[site.consent_sources]]\nformat = \"tcf\"\npurposes = { statistics = [7], marketing = [\"1\", 2], preferences = [1, 5] }\n\
         [[site.consent_sources]]\nformat = \"wp_consent\"\n\
         [[site.consent_sources]]\nformat = \"iubenda\"\npurposes = { statistics = [4], marketing = [5], preferences = [\"consent\"] }\n",
    )
    .unwrap();
    let sources = policy.consent_sources();
    assert_eq!(sources[0].format(), SourceFormat::Onetrust);
    assert_eq!(sources[0].cookie(), "OptanonConsent");
    assert_eq!(sources[0].keys_of("marketing"), ["C0004", "C0005"]);
    // TCF keys are purpose ids, as integers or text; purpose 1 may stand for several purposes.
    assert_eq!(sources[1].cookie(), "euconsent-v2");
    assert_eq!(sources[1].keys_of("marketing"), ["1", "2"]);
    assert_eq!(sources[1].keys_of("preferences"), ["1", "5"]);
    // WP Consent API: the purposes of the same ids map to its categories by default.
    assert_eq!(sources[2].cookie(), "wp_consent_");
    assert_eq!(sources[2].keys_of("statistics"), ["statistics"]);
    assert_eq!(sources[2].keys_of("preferences"), ["preferences"]);
    assert_eq!(sources[3].cookie(), "_iub_cs-");
    assert_eq!(sources[3].keys_of("statistics"), ["4"]);
    let mapped: Vec<&str> = sources[0].purposes().map(|(p, _)| p.as_str()).collect();
    assert_eq!(mapped, ["statistics", "marketing", "preferences"]);
    // `tcf` maps each purpose's `tcf_purposes` by default; JSON policies load the same.
    let json = r#"{"site": {"name": "x", "url": "https://example.com", "consent_cookie": "c",
        "consent_sources": [{"format": "tcf", "cookie": "eupubconsent-v2"}]},
        "purposes": {"marketing": {"label": "M", "tcf_purposes": [2, 1]}},
        "cookies": [{"name": "ads", "provider": "x", "service": "x", "purpose": "marketing",
                     "description": "x", "lifetime": "1 day"}]}"#;
    let policy = Policy::from_json(json).unwrap();
    assert_eq!(policy.consent_sources()[0].cookie(), "eupubconsent-v2");
    assert_eq!(policy.consent_sources()[0].keys_of("marketing"), ["1", "2"]);
    assert!(load("").unwrap().consent_sources().is_empty());
}

#[test]
fn bad_sources_are_located_errors() {
    let src = |body: &str| format!("[[site.consent_sources]]\n{body}\n");
    let cases: Vec<(String, ErrorKind, &str)> = vec![
        (
            src("format = \"quantcast\""),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].format",
        ),
        (
            src("cookie = \"x\""),
            ErrorKind::MissingField,
            "site.consent_sources[0].format",
        ),
        (
            src("format = 3"),
            ErrorKind::InvalidType,
            "site.consent_sources[0].format",
        ),
        (
            src("format = \"usercentrics\""),
            ErrorKind::UnreadableConsentSource,
            "site.consent_sources[0].format",
        ),
        (
            src("format = \"termly\""),
            ErrorKind::UnreadableConsentSource,
            "site.consent_sources[0].format",
        ),
        (
            src("format = \"osano\""),
            ErrorKind::UnreadableConsentSource,
            "site.consent_sources[0].format",
        ),
        (
            src("format = \"onetrust\""),
            ErrorKind::UnmappedPurpose,
            "site.consent_sources[0].purposes",
        ),
        (
            src("format = \"klaro\"\npurposes = { statistics = [\"a\"], marketing = [\"b\"] }"),
            ErrorKind::UnmappedPurpose,
            "site.consent_sources[0].purposes",
        ),
        // preferences declares no `tcf_purposes`: the default mapping leaves it out.
        (
            src("format = \"tcf\""),
            ErrorKind::UnmappedPurpose,
            "site.consent_sources[0].purposes",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = [\"a\"], marketing = [\"b\", \"a\"], preferences = [\"c\"] }",
            ),
            ErrorKind::DuplicateConsentKey,
            "site.consent_sources[0].purposes.marketing[1]",
        ),
        (
            src(&format!(
                "format = \"klaro\"\npurposes = {{ {ALL3}, social = [\"d\"] }}"
            )),
            ErrorKind::UnknownPurpose,
            "site.consent_sources[0].purposes.social",
        ),
        (
            src(&format!(
                "format = \"klaro\"\npurposes = {{ {ALL3}, necessary = [\"d\"] }}"
            )),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.necessary",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = [], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = [\"a\", \"a\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[1]",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = [\"\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = [true], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidType,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"klaro\"\npurposes = { statistics = \"a\", marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidType,
            "site.consent_sources[0].purposes.statistics",
        ),
        (
            src(
                "format = \"cookiebot\"\npurposes = { statistics = [\"statistic\"], marketing = [\"marketing\"], preferences = [\"preferences\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"tcf\"\npurposes = { statistics = [25], marketing = [1], preferences = [1] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"tcf\"\npurposes = { statistics = [\"07\"], marketing = [1], preferences = [1] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"tarteaucitron\"\npurposes = { statistics = [\"a!b\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"cookieyes\"\npurposes = { statistics = [\"action\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"axeptio\"\npurposes = { statistics = [\"$$completed\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"iubenda\"\npurposes = { statistics = [\"measurement\"], marketing = [5], preferences = [2] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"didomi\"\npurposes = { statistics = [\"vendor:\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"cookieconsent\"\npurposes = { statistics = [\"analytics/\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(
                "format = \"complianz\"\npurposes = { statistics = [\"policy_id\"], marketing = [\"b\"], preferences = [\"c\"] }",
            ),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes.statistics[0]",
        ),
        (
            src(&format!(
                "format = \"klaro\"\nrevision = 2\npurposes = {{ {ALL3} }}"
            )),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].revision",
        ),
        (
            src(&format!(
                "format = \"cookieconsent\"\nrevision = 1.5\npurposes = {{ {ALL3} }}"
            )),
            ErrorKind::InvalidType,
            "site.consent_sources[0].revision",
        ),
        (
            src("format = \"cookie-charter\"\npurposes = { statistics = [\"a\"] }"),
            ErrorKind::InvalidValue,
            "site.consent_sources[0].purposes",
        ),
        (
            src(&format!(
                "format = \"klaro\"\ncookie = \"my cookie\"\npurposes = {{ {ALL3} }}"
            )),
            ErrorKind::InvalidName,
            "site.consent_sources[0].cookie",
        ),
        (
            src(&format!(
                "format = \"klaro\"\ncookies = \"k\"\npurposes = {{ {ALL3} }}"
            )),
            ErrorKind::UnknownField,
            "site.consent_sources[0].cookies",
        ),
        (
            "consent_sources = \"onetrust\"\n".to_owned(),
            ErrorKind::InvalidType,
            "site.consent_sources",
        ),
        (
            "consent_sources = [\"onetrust\"]\n".to_owned(),
            ErrorKind::InvalidType,
            "site.consent_sources[0]",
        ),
        (
            src("format = \"cookie-charter\"").repeat(MAX_CONSENT_SOURCES + 1),
            ErrorKind::TooMany,
            "site.consent_sources",
        ),
    ];
    for (sources, kind, field) in cases {
        let e = error(&sources);
        assert_eq!((e.kind(), e.field()), (kind, Some(field)), "{sources}\n{e}");
        assert!(e.location().is_some(), "{e}");
        let message = e.message();
        assert!(!message.ends_with('.'), "{message}");
        assert!(
            message.starts_with(|c: char| !c.is_uppercase()),
            "{message}"
        );
    }
    // Sixteen sources are fine.
    assert!(load(&src("format = \"cookie-charter\"").repeat(MAX_CONSENT_SOURCES)).is_ok());
}

#[test]
fn errors_point_at_the_value_and_say_what_to_do() {
    let e = error("[[site.consent_sources]]\nformat = \"usercentrics\"\n");
    assert_eq!(
        e.location(),
        Some(Location {
            line: 7,
            column: 10
        })
    );
    assert!(e.message().contains("local storage"), "{e}");
    let e = error("[[site.consent_sources]]\nformat = \"onetrust\"\n");
    assert_eq!(e.code(), "unmapped_purpose");
    assert!(
        e.message().starts_with(
            "purpose `statistics` needs consent, but this `onetrust` source maps no key to it"
        ),
        "{e}"
    );
    let e = error("[[site.consent_sources]]\nformat = \"tcf\"\n");
    assert!(
        e.message().contains("`preferences`") && e.message().contains("tcf_purposes"),
        "{e}"
    );
    let e = error(
        "[[site.consent_sources]]\nformat = \"onetrust\"\npurposes = { statistics = [\"C0002\"], marketing = [\"C0002\"], preferences = [\"C0003\"] }\n",
    );
    assert_eq!(e.code(), "duplicate_consent_key");
    assert_eq!(
        e.location(),
        Some(Location {
            line: 8,
            column: 51
        })
    );
    assert!(
        e.message()
            .contains("already mapped to purpose `statistics`"),
        "{e}"
    );
    let e = error("[[site.consent_sources]]\nformat = \"nope\"\n");
    assert!(
        e.message().contains("cookie-charter, tcf, tarteaucitron"),
        "{e}"
    );
}

#[test]
fn check_warns_of_undated_sources_under_cnil_and_of_cookies_the_purge_would_delete() {
    let text = policy_text(
        "cnil",
        "[[site.consent_sources]]\nformat = \"onetrust\"\npurposes = { statistics = [\"C0002\"], marketing = [\"C0004\"], preferences = [\"C0003\"] }\n\
         [[site.consent_sources]]\nformat = \"tarteaucitron\"\npurposes = { statistics = [\"a\"], marketing = [\"b\"], preferences = [\"c\"] }\n\
         [[site.consent_sources]]\nformat = \"complianz\"\nrevision = 3\npurposes = { statistics = [\"statistics\"], marketing = [\"marketing\"], preferences = [\"preferences\"] }\n",
    );
    let policy = Policy::from_toml(&text).unwrap();
    let warnings: Vec<(&str, &str, String)> = policy
        .warnings()
        .iter()
        .map(|w| (w.code, w.field.as_str(), w.message.clone()))
        .collect();
    let has = |code: &str, field: &str, part: &str| {
        warnings
            .iter()
            .any(|(c, f, m)| *c == code && *f == field && m.contains(part))
    };
    assert!(
        has(
            "consent_source_cookie_undeclared",
            "site.consent_sources[0]",
            "`OptanonAlertBoxClosed`"
        ),
        "{warnings:?}"
    );
    assert!(!has(
        "consent_source_cookie_undeclared",
        "site.consent_sources[0]",
        "`OptanonConsent`"
    ));
    assert!(has(
        "consent_source_undated",
        "site.consent_sources[1].format",
        "`tarteaucitron`"
    ));
    assert!(has(
        "consent_source_cookie_undeclared",
        "site.consent_sources[1]",
        "`tarteaucitron`"
    ));
    assert!(has(
        "consent_source_undated",
        "site.consent_sources[2].format",
        "`complianz`"
    ));
    for name in [
        "cmplz_statistics",
        "cmplz_marketing",
        "cmplz_preferences",
        "cmplz_policy_id",
    ] {
        assert!(
            has(
                "consent_source_cookie_undeclared",
                "site.consent_sources[2]",
                name
            ),
            "{name}"
        );
    }
    assert!(
        !warnings
            .iter()
            .any(|(_, f, _)| f.starts_with("site.consent_sources[0].format"))
    );
    // A banner cookie declared for another purpose would be deleted when that purpose is refused.
    let text = policy_text(
        "charter",
        "[[site.consent_sources]]\nformat = \"klaro\"\ncookie = \"_ga\"\npurposes = { statistics = [\"a\"], marketing = [\"b\"], preferences = [\"c\"] }\n",
    );
    let policy = Policy::from_toml(&text).unwrap();
    assert!(
        policy
            .warnings()
            .iter()
            .any(|w| w.code == "consent_source_cookie_not_necessary")
    );
    assert!(
        policy
            .warnings()
            .iter()
            .all(|w| w.code != "consent_source_undated")
    );
}

fn onetrust() -> Policy {
    load("[[site.consent_sources]]\nformat = \"onetrust\"\npurposes = { statistics = [\"C0002\"], marketing = [\"C0004\"], preferences = [\"C0003\"] }\n").unwrap()
}

fn klaro() -> Policy {
    load(&format!(
        "[[site.consent_sources]]\nformat = \"klaro\"\npurposes = {{ {ALL3} }}\n"
    ))
    .unwrap()
}

fn didomi() -> Policy {
    load(&format!(
        "[[site.consent_sources]]\nformat = \"didomi\"\npurposes = {{ {ALL3} }}\n"
    ))
    .unwrap()
}

fn state(policy: &Policy, header: &str, purpose: &str) -> ConsentState {
    let consent = policy.consent_from_cookie_header(header);
    policy.consent_state(purpose, &consent, NOW).unwrap()
}

#[test]
fn hostile_values_give_no_consent_and_a_problem() {
    let problem = |policy: &Policy, header: &str| {
        policy
            .consent_from_cookie_header(header)
            .problem()
            .map(Problem::code)
    };
    let klaro = klaro();
    let mib = "x".repeat(1 << 20);
    // 1 MiB values, escaped or not.
    assert_eq!(problem(&klaro, &format!("klaro={mib}")), Some("oversized"));
    assert_eq!(
        problem(&klaro, &format!("klaro={}", "%7B".repeat(1 << 18))),
        Some("oversized")
    );
    assert_eq!(
        problem(
            &onetrust(),
            &format!("OptanonConsent={mib}; OptanonAlertBoxClosed=x")
        ),
        Some("oversized")
    );
    // 1,000-deep JSON, raw and escaped; 16 levels are fine.
    let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
    assert_eq!(problem(&klaro, &format!("klaro={deep}")), Some("malformed"));
    let escaped = format!("{}{}", "%5B".repeat(600), "%5D".repeat(600));
    assert_eq!(
        problem(&klaro, &format!("klaro={escaped}")),
        Some("malformed")
    );
    let escaped = format!("{}{}", "%5B".repeat(700), "%5D".repeat(700));
    assert_eq!(
        problem(&klaro, &format!("klaro={escaped}")),
        Some("oversized")
    );
    let escaped = format!("{}{}", "%5B".repeat(500), "%5D".repeat(500));
    assert_eq!(
        problem(&klaro, &format!("klaro={escaped}")),
        Some("malformed")
    );
    let nested = format!("{{\"a\":true,\"x\":{}{}}}", "[".repeat(15), "]".repeat(15));
    assert_eq!(problem(&klaro, &format!("klaro={nested}")), None);
    assert_eq!(
        state(&klaro, &format!("klaro={nested}"), "statistics"),
        ConsentState::Granted
    );
    // Duplicate keys, nested too; NUL bytes raw and escaped; invalid UTF-8 escapes.
    assert_eq!(
        problem(&klaro, "klaro={\"a\":true,\"a\":true}"),
        Some("duplicate_key")
    );
    assert_eq!(
        problem(&klaro, "klaro={\"x\":{\"k\":1,\"k\":2},\"a\":true}"),
        Some("duplicate_key")
    );
    assert_eq!(problem(&klaro, "klaro={\"a\":true}\0"), Some("malformed"));
    assert_eq!(
        problem(&klaro, "klaro=%7B%22a%22%3Atrue%7D%00"),
        Some("malformed")
    );
    assert_eq!(problem(&klaro, "klaro={\"a\\u0000\":true}"), None);
    assert_eq!(
        problem(&klaro, "klaro=%7B%22a%ED%A0%80%22%3Atrue%7D"),
        Some("malformed")
    );
    assert_eq!(
        problem(
            &klaro,
            "klaro={\"a\":true,\"__proto__\":true,\"constructor\":true}"
        ),
        None
    );
    // Invalid base64: another alphabet, whitespace, a lone character, padding in the middle.
    let didomi = didomi();
    for token in ["eyJh-IjoxfQ", "eyJh IjoxfQ", "e", "ey==Jh", "%3D%3D"] {
        assert_eq!(
            problem(&didomi, &format!("didomi_token={token}")),
            Some("malformed"),
            "{token}"
        );
    }
    // 100,000 copies of a source's cookie count once when equal and fail closed when not.
    let ot = "OptanonConsent=groups=C0002%3A1; ";
    let many = format!(
        "{}OptanonAlertBoxClosed=2025-01-01T00:00:00Z",
        ot.repeat(100_000)
    );
    assert_eq!(
        state(&onetrust(), &many, "statistics"),
        ConsentState::Granted
    );
    let many = format!("{many}; OptanonConsent=groups=C0002%3A0");
    assert_eq!(problem(&onetrust(), &many), Some("malformed"));
    // 100,000 distinct cookies of a prefix source: read in linear time.
    let wp = load("[[site.consent_sources]]\nformat = \"wp_consent\"\npurposes = { statistics = [\"statistics\"], marketing = [\"marketing\"], preferences = [\"preferences\"] }\n").unwrap();
    let header: String = (0..100_000)
        .map(|i| format!("wp_consent_x{i}=allow; "))
        .collect();
    let header = format!("{header}wp_consent_marketing=allow");
    assert_eq!(state(&wp, &header, "marketing"), ConsentState::Granted);
    assert_eq!(state(&wp, &header, "statistics"), ConsentState::Unset);
}

/// What the model of a banner's value says of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Said {
    Yes,
    No,
    /// Present without a choice (`wait`, an empty value...), where the format has such a state.
    Pending,
    Absent,
}

/// A format, the keys its mapping uses (statistics: the first two, marketing: the third), keys
/// that resemble them, and a writer of its value from what the model says of each key.
struct Model {
    format: &'static str,
    keys: [&'static str; 3],
    decoys: &'static [&'static str],
    /// Whether `Absent` reads as a refusal (the value lists what is granted).
    absent_is_no: bool,
    write: fn(&[(&str, Said)]) -> String,
}

fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn json_bools(said: &[(&str, Said)]) -> String {
    let pairs: Vec<String> = said
        .iter()
        .filter_map(|(k, s)| match s {
            Said::Yes => Some(format!("\"{k}\":true")),
            Said::No => Some(format!("\"{k}\":false")),
            Said::Pending => Some(format!("\"{k}\":null")),
            Said::Absent => None,
        })
        .collect();
    pairs.join(",")
}

fn listed(said: &[(&str, Said)], which: Said) -> String {
    let items: Vec<String> = said
        .iter()
        .filter(|(_, s)| *s == which)
        .map(|(k, _)| format!("\"{k}\""))
        .collect();
    items.join(",")
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

const MODELS: &[Model] = &[
    Model {
        format: "tarteaucitron",
        keys: ["gtag", "ga", "youtube"],
        decoys: &["xga", "gax", "GA", "gtagx", "youtub"],
        absent_is_no: false,
        write: |said| {
            let pairs: Vec<String> = said
                .iter()
                .filter_map(|(k, s)| match s {
                    Said::Yes => Some(format!("!{k}=true")),
                    Said::No => Some(format!("!{k}=false")),
                    Said::Pending => Some(format!("!{k}=wait")),
                    Said::Absent => None,
                })
                .collect();
            format!("tarteaucitron=!mautic=true{}", pairs.concat())
        },
    },
    Model {
        format: "klaro",
        keys: ["matomo", "google-analytics", "google-ads"],
        decoys: &["Matomo", "matomo ", "google-ad", "google-adsx"],
        absent_is_no: false,
        write: |said| format!("klaro={}", enc(&format!("{{{}}}", json_bools(said)))),
    },
    Model {
        format: "cookieconsent",
        keys: ["analytics", "analytics/ga", "marketing"],
        decoys: &["Analytics", "analytic", "marketing2", "analytics/gax"],
        absent_is_no: true,
        write: |said| {
            let categories = listed(said, Said::Yes);
            let categories: Vec<&str> =
                categories.split(',').filter(|c| !c.contains('/')).collect();
            let services: Vec<&str> = said
                .iter()
                .filter(|(k, s)| *s == Said::Yes && k.starts_with("analytics/"))
                .map(|(k, _)| &k["analytics/".len()..])
                .collect();
            let services: Vec<String> = services.iter().map(|s| format!("\"{s}\"")).collect();
            let value = format!(
                "{{\"categories\":[{}],\"revision\":0,\"consentTimestamp\":\"2025-01-01T00:00:00Z\",\"consentId\":\"id\",\"services\":{{\"analytics\":[{}]}},\"lastConsentTimestamp\":\"2025-01-01T00:00:00Z\"}}",
                categories.join(","),
                services.join(",")
            );
            format!("cc_cookie={}", enc(&value))
        },
    },
    Model {
        format: "cookiebot",
        keys: ["statistics", "preferences", "marketing"],
        decoys: &["necessary", "Statistics", "marketing2"],
        absent_is_no: false,
        write: |said| {
            let pairs: Vec<String> = said
                .iter()
                .filter_map(|(k, s)| match s {
                    Said::Yes => Some(format!("{k}:true")),
                    Said::No => Some(format!("{k}:false")),
                    Said::Pending => Some(format!("{k}:%27x%27")),
                    Said::Absent => None,
                })
                .collect();
            let mut all = vec!["method:%27explicit%27".to_owned()];
            all.extend(pairs);
            format!("CookieConsent={{{}}}", all.join("%2C"))
        },
    },
    Model {
        format: "onetrust",
        keys: ["C0002", "C0003", "C0004"],
        decoys: &["C00021", "C000", "c0002", "2", "V2STACK2"],
        absent_is_no: false,
        write: |said| {
            let groups: Vec<String> = said
                .iter()
                .filter_map(|(k, s)| match s {
                    Said::Yes => Some(format!("{k}:1")),
                    Said::No => Some(format!("{k}:0")),
                    Said::Pending => Some(format!("{k}:")),
                    Said::Absent => None,
                })
                .collect();
            format!(
                "OptanonConsent=isGpcEnabled=0&groups={}&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-01-01T00:00:00.000Z",
                enc(&groups.join(","))
            )
        },
    },
    Model {
        format: "didomi",
        keys: ["cookies", "vendor:google", "vendor:c:ga-1"],
        decoys: &["vendor:c:ga-", "google", "vendor:googlex", "cookie"],
        absent_is_no: false,
        write: |said| {
            let part = |prefix: Option<&str>| {
                let pick = |which: Said| {
                    let items: Vec<String> = said
                        .iter()
                        .filter(|(k, s)| {
                            *s == which && k.starts_with("vendor:") == prefix.is_some()
                        })
                        .map(|(k, _)| format!("\"{}\"", k.trim_start_matches("vendor:")))
                        .collect();
                    items.join(",")
                };
                format!(
                    "{{\"enabled\":[{}],\"disabled\":[{}]}}",
                    pick(Said::Yes),
                    pick(Said::No)
                )
            };
            let json = format!(
                "{{\"updated\":\"2025-01-01T00:00:00.000Z\",\"purposes\":{},\"vendors\":{}}}",
                part(None),
                part(Some("vendor:"))
            );
            format!("didomi_token={}", base64(json.as_bytes()))
        },
    },
    Model {
        format: "cookieyes",
        keys: ["analytics", "functional", "advertisement"],
        decoys: &["analytic", "Analytics", "advertisements"],
        absent_is_no: false,
        write: |said| {
            let mut pairs = vec!["consentid:x".to_owned(), "action:yes".to_owned()];
            pairs.extend(said.iter().filter_map(|(k, s)| match s {
                Said::Yes => Some(format!("{k}:yes")),
                Said::No => Some(format!("{k}:no")),
                Said::Pending => Some(format!("{k}:")),
                Said::Absent => None,
            }));
            format!("cookieyes-consent={}", pairs.join(","))
        },
    },
    Model {
        format: "wp_consent",
        keys: ["statistics", "preferences", "marketing"],
        decoys: &["statistics-anonymous", "functional", "marketin"],
        absent_is_no: false,
        write: |said| {
            let cookies: Vec<String> = said
                .iter()
                .filter_map(|(k, s)| match s {
                    Said::Yes => Some(format!("wp_consent_{k}=allow")),
                    Said::No => Some(format!("wp_consent_{k}=deny")),
                    Said::Pending => Some(format!("wp_consent_{k}=")),
                    Said::Absent => None,
                })
                .collect();
            format!("wp_consent_x=1; {}", cookies.join("; "))
        },
    },
    Model {
        format: "axeptio",
        keys: ["google_analytics", "hotjar", "facebook_pixel"],
        decoys: &["Google_Analytics", "hotja", "facebook_pixel2"],
        absent_is_no: false,
        write: |said| {
            let body = json_bools(said);
            let sep = if body.is_empty() { "" } else { "," };
            format!(
                "axeptio_cookies={}",
                enc(&format!("{{\"$$completed\":true{sep}{body}}}"))
            )
        },
    },
    Model {
        format: "borlabs",
        keys: ["statistics", "marketing/youtube", "marketing/facebook"],
        decoys: &["statistic", "marketing/youtub", "essential"],
        absent_is_no: true,
        write: |said| {
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for (k, s) in said {
                if *s != Said::Yes {
                    continue;
                }
                let (group, service) = k.split_once('/').unwrap_or((k, "svc"));
                match groups.iter_mut().find(|(g, _)| g == group) {
                    Some((_, list)) => list.push(format!("\"{service}\"")),
                    None => groups.push((group.to_owned(), vec![format!("\"{service}\"")])),
                }
            }
            let body: Vec<String> = groups
                .iter()
                .map(|(g, l)| format!("\"{g}\":[{}]", l.join(",")))
                .collect();
            format!(
                "borlabs-cookie={}",
                enc(&format!("{{\"consents\":{{{}}}}}", body.join(",")))
            )
        },
    },
    Model {
        format: "iubenda",
        keys: ["4", "2", "5"],
        decoys: &["14", "41", "04", "50"],
        absent_is_no: false,
        write: |said| {
            format!(
                "_iub_cs-123={}",
                enc(&format!("{{\"purposes\":{{{}}}}}", json_bools(said)))
            )
        },
    },
];

/// The state the mapping gives a purpose from what the model says of its keys.
fn expected(keys: &[&str], said: &[(&str, Said)], absent_is_no: bool) -> ConsentState {
    let of = |key: &str| match said.iter().find(|(k, _)| *k == key).map(|(_, s)| *s) {
        // A value that lists what is granted refuses what it does not list.
        Some(Said::Absent | Said::Pending) | None if absent_is_no => Said::No,
        Some(s) => s,
        None => Said::Absent,
    };
    if keys.iter().any(|k| of(k) == Said::No) {
        ConsentState::Denied
    } else if keys.iter().all(|k| of(k) == Said::Yes) {
        ConsentState::Granted
    } else {
        ConsentState::Unset
    }
}

fn said_strategy() -> impl Strategy<Value = Said> {
    prop_oneof![
        Just(Said::Yes),
        Just(Said::No),
        Just(Said::Pending),
        Just(Said::Absent)
    ]
}

fn model_policy(model: &Model) -> Policy {
    let [a, b, c] = model.keys;
    load(&format!(
        "[[site.consent_sources]]\nformat = \"{}\"\npurposes = {{ statistics = [\"{a}\", \"{b}\"], marketing = [\"{c}\"], preferences = [\"{}\"] }}\n",
        model.format,
        model.decoys[0]
    ))
    .unwrap_or_else(|e| panic!("{}: {e}", model.format))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// For every format, the state of each purpose is exactly what the mapping gives from what
    /// the value says of its keys: all granted → granted, one refused → denied, else unset. Keys
    /// that resemble a mapped one (prefixes, suffixes, other case) never stand for it.
    #[test]
    fn no_format_grants_what_its_value_does_not(
        which in 0..MODELS.len(),
        keys in prop::array::uniform3(said_strategy()),
        decoys in prop::collection::vec(said_strategy(), 5),
        order in any::<u64>(),
    ) {
        let model = &MODELS[which];
        let policy = model_policy(model);
        let mut said: Vec<(&str, Said)> = model.keys.iter().copied().zip(keys).collect();
        // Decoys: the preferences key (`decoys[0]`) is a resembling name, mapped on its own.
        said.extend(model.decoys.iter().copied().zip(decoys));
        // Decoys are written with what the model says of them, anywhere in the value.
        let shift = (order % said.len() as u64) as usize;
        said.rotate_left(shift);
        let header = (model.write)(&said);
        let consent = policy.consent_from_cookie_header(&header);
        prop_assert_eq!(consent.problem(), None, "{}", header);
        let [a, b, c] = model.keys;
        for (purpose, keys) in [("statistics", vec![a, b]), ("marketing", vec![c]), ("preferences", vec![model.decoys[0]])] {
            let state = policy.consent_state(purpose, &consent, NOW).unwrap();
            prop_assert_eq!(state, expected(&keys, &said, model.absent_is_no), "{} {}: {}", model.format, purpose, header);
        }
    }
}
