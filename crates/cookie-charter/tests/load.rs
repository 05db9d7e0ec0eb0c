//! Loading policies: every error of spec §4 with its field and location, warnings, limits, and
//! TOML/JSON parity.

// Test helpers stop loudly on a broken fixture, as tests do.
#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use cookie_charter::{Consent, ErrorKind, Location, Party, Policy, Rule, limits};

const SITE: &str = r#"[site]
name = "Example"
url = "https://www.example.com"
consent_cookie = "consent"
"#;

const CONSENT_DECL: &str = r#"
[[cookies]]
name = "consent"
provider = "Example"
service = "Banner"
purpose = "necessary"
description = "Stores the choice"
lifetime = "6 months"
"#;

fn cookie(name: &str, purpose: &str, extra: &str) -> String {
    format!(
        "\n[[cookies]]\nname = \"{name}\"\nprovider = \"P\"\nservice = \"S\"\npurpose = \"{purpose}\"\ndescription = \"D\"\nlifetime = \"1 year\"\n{extra}"
    )
}

fn load_err(text: &str) -> cookie_charter::Error {
    match Policy::from_toml(text) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e,
    }
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle present")
        + 1
}

#[test]
fn the_examples_load_without_warnings() {
    for path in ["epn-agglo", "epn-agglo-plus"] {
        let text = std::fs::read_to_string(format!("../../examples/{path}/policy.toml")).unwrap();
        let policy = Policy::from_toml(&text).unwrap();
        assert!(
            policy.warnings().is_empty(),
            "{path}: {:?}",
            policy.warnings()
        );
    }
}

#[test]
fn each_spec_error_names_field_and_location() {
    let cases: Vec<(String, ErrorKind, &str, &str)> = vec![
        (
            format!("{SITE}{}", cookie("a", "ads", "")),
            ErrorKind::UnknownPurpose,
            "cookies[0].purpose",
            "purpose = \"ads\"",
        ),
        (
            format!(
                "{SITE}{}{}",
                cookie("a", "necessary", ""),
                cookie("a", "necessary", "")
            ),
            ErrorKind::DuplicateCookie,
            "cookies[1].name",
            "NEVER",
        ),
        (
            format!("{SITE}{}", cookie("a*b*", "necessary", "")),
            ErrorKind::InvalidName,
            "cookies[0].name",
            "name = \"a*b*\"",
        ),
        (
            format!("{SITE}{}", cookie("a b", "necessary", "")),
            ErrorKind::InvalidName,
            "cookies[0].name",
            "name = \"a b\"",
        ),
        (
            format!("{SITE}{}", cookie("", "necessary", "")),
            ErrorKind::InvalidName,
            "cookies[0].name",
            "name = \"\"",
        ),
        (
            format!("{SITE}{}", cookie("a", "necessary", "anonymous = true")),
            ErrorKind::AnonymousNotStatistics,
            "cookies[0].anonymous",
            "anonymous = true",
        ),
        (
            format!(
                "{SITE}{}",
                cookie("a", "necessary", "").replace("1 year", "1 yaer")
            ),
            ErrorKind::InvalidLifetime,
            "cookies[0].lifetime",
            "lifetime =",
        ),
        (
            format!(
                "{SITE}languages = [\"fr\", \"en\"]\n[purposes.ads]\nlabel = {{ fr = \"Pub\" }}\n"
            ),
            ErrorKind::MissingLabel,
            "purposes.ads.label",
            "label =",
        ),
        (
            format!("{SITE}[purposes.ads]\n"),
            ErrorKind::MissingLabel,
            "purposes.ads.label",
            "[purposes.ads]",
        ),
        (
            format!("{SITE}[purposes.Ads]\nlabel = \"x\"\n"),
            ErrorKind::InvalidPurposeId,
            "purposes.Ads",
            "[purposes.Ads]",
        ),
        (
            format!("{SITE}[purposes.rev]\nlabel = \"x\"\n"),
            ErrorKind::InvalidPurposeId,
            "purposes.rev",
            "[purposes.rev]",
        ),
        (
            format!(
                "{SITE}{}",
                cookie("a*", "necessary", "") + &cookie("*b", "necessary", "")
            ),
            ErrorKind::AmbiguousPatterns,
            "cookies[1].name",
            "NEVER",
        ),
        (
            format!("{SITE}colour = 1\n"),
            ErrorKind::UnknownField,
            "site.colour",
            "colour",
        ),
        (
            format!("{SITE}{}", cookie("a", "necessary", "expires = 3")),
            ErrorKind::UnknownField,
            "cookies[0].expires",
            "expires",
        ),
        (
            SITE.replace("url = \"https://www.example.com\"\n", ""),
            ErrorKind::MissingField,
            "site.url",
            "[site]",
        ),
        (
            format!("{SITE}revision = 0\n"),
            ErrorKind::InvalidValue,
            "site.revision",
            "revision = 0",
        ),
        (
            format!("{SITE}revision = \"2\"\n"),
            ErrorKind::InvalidType,
            "site.revision",
            "revision =",
        ),
        (
            format!("{SITE}revision = 99999999999999999999\n"),
            ErrorKind::InvalidValue,
            "site.revision",
            "revision = 9",
        ),
        (
            format!(
                "{SITE}revision = 2\n[purposes.ads]\nlabel = \"Ads\"\nrevision = 0x1_0000_0000_0000_0000\n"
            ),
            ErrorKind::InvalidValue,
            "purposes.ads.revision",
            "revision = 0x",
        ),
        (
            format!("{SITE}profile = \"strict\"\n"),
            ErrorKind::InvalidValue,
            "site.profile",
            "profile =",
        ),
        (
            SITE.replace("https://www.example.com", "ftp://example.com"),
            ErrorKind::InvalidDomain,
            "site.url",
            "url =",
        ),
        (
            format!("{SITE}{}", cookie("a", "necessary", "domain = \".co.uk\"")),
            ErrorKind::InvalidDomain,
            "cookies[0].domain",
            "domain =",
        ),
        (
            format!(
                "{SITE}{}",
                cookie(
                    "a",
                    "necessary",
                    "domain = \"other.net\"\nparty = \"first\""
                )
            ),
            ErrorKind::InvalidValue,
            "cookies[0].party",
            "party =",
        ),
        (
            format!("{SITE}{}", cookie("a", "necessary", "path = \"app\"")),
            ErrorKind::InvalidValue,
            "cookies[0].path",
            "path =",
        ),
        (
            format!("{SITE}revision = 2\n[purposes.ads]\nlabel = \"x\"\nrevision = 3\n"),
            ErrorKind::InvalidValue,
            "purposes.ads.revision",
            "revision = 3",
        ),
        (
            format!("{SITE}languages = [\"fr\", \"fr\"]\n"),
            ErrorKind::InvalidValue,
            "site.languages[1]",
            "languages",
        ),
        (
            format!(
                "{SITE}languages = [\"fr\"]\n[purposes.ads]\nlabel = {{ fr = \"Pub\", de = \"Werbung\" }}\n"
            ),
            ErrorKind::UnknownField,
            "purposes.ads.label.de",
            "de =",
        ),
    ];
    for (text, kind, field, needle) in cases {
        let err = load_err(&text);
        assert_eq!(err.kind(), kind, "{text}\n=> {err}");
        assert_eq!(err.field(), Some(field), "{text}\n=> {err}");
        let location = err.location().expect("a location");
        if needle != "NEVER" {
            assert_eq!(location.line, line_of(&text, needle), "{text}\n=> {err}");
        }
        let shown = err.to_string();
        assert!(
            shown.starts_with(&format!("line {}, column ", location.line)),
            "{shown}"
        );
        assert!(shown.contains(field), "{shown}");
    }
}

#[test]
fn duplicate_and_ambiguous_errors_point_at_both_declarations() {
    let text = format!(
        "{SITE}{}{}",
        cookie("a", "necessary", ""),
        cookie("a", "necessary", "")
    );
    let err = load_err(&text);
    let lines: Vec<usize> = text
        .match_indices("name = \"a\"")
        .map(|(i, _)| text[..i].matches('\n').count() + 1)
        .collect();
    assert_eq!(err.location().unwrap().line, lines[1]);
    assert!(
        err.message().contains(&format!("line {}", lines[0])),
        "{err}"
    );
}

#[test]
fn syntax_errors_have_locations_in_both_formats() {
    let err = load_err("[site]\nname = \"x\n");
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.location().unwrap().line, 2);
    let err = Policy::from_json("{\n  \"site\": {,}\n}").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Syntax);
    assert_eq!(err.location().unwrap().line, 2);
    for strict in [
        "{\"site\": {}, }",
        "// c\n{}",
        "{'site': 1}",
        "{\"a\": 1, \"a\": 2}",
    ] {
        assert_eq!(
            Policy::from_json(strict).unwrap_err().kind(),
            ErrorKind::Syntax,
            "{strict}"
        );
    }
}

#[test]
fn json_and_toml_give_the_same_policy_and_errors() {
    let toml = format!(
        "{SITE}{CONSENT_DECL}{}",
        cookie("_ga*", "statistics", "anonymous = true")
    );
    let json = r#"{"site": {"name": "Example", "url": "https://www.example.com", "consent_cookie": "consent"},
      "cookies": [
        {"name": "consent", "provider": "Example", "service": "Banner", "purpose": "necessary", "description": "Stores the choice", "lifetime": "6 months"},
        {"name": "_ga*", "provider": "P", "service": "S", "purpose": "statistics", "description": "D", "lifetime": "1 year", "anonymous": true}
      ]}"#;
    let (a, b) = (
        Policy::from_toml(&toml).unwrap(),
        Policy::from_json(json).unwrap(),
    );
    assert_eq!(a.cookies(), b.cookies());
    assert_eq!(a.site(), b.site());
    let consent = Consent::default();
    assert_eq!(a.decide("_ga1", &consent, 0), b.decide("_ga1", &consent, 0));
    let err = Policy::from_json(&json.replace("\"statistics\"", "\"stats\"")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownPurpose);
    assert_eq!(err.field(), Some("cookies[1].purpose"));
    assert_eq!(err.location().unwrap().line, 4);
}

#[test]
fn bom_and_crlf_are_accepted() {
    let text = format!("\u{feff}{SITE}{CONSENT_DECL}").replace('\n', "\r\n");
    let policy = Policy::from_toml(&text).unwrap();
    assert_eq!(policy.cookies().len(), 1);
    let err = load_err(&format!("\u{feff}{SITE}bogus = 1\n").replace('\n', "\r\n"));
    assert_eq!(err.location().unwrap(), Location { line: 5, column: 1 });
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = Policy::from_json(&format!("{{\"site\": {deep}}}")).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Syntax | ErrorKind::TooDeep),
        "{err}"
    );
    let toml = format!("{SITE}x = {}1{}\n", "[".repeat(40), "]".repeat(40));
    let err = load_err(&toml);
    assert!(
        matches!(err.kind(), ErrorKind::TooDeep | ErrorKind::Syntax),
        "{err}"
    );
}

#[test]
fn limits_hold_at_the_cap_and_fail_one_past_it() {
    let many = |n: usize| {
        let mut s = String::from(
            "{\"site\": {\"name\": \"x\", \"url\": \"https://example.com\", \"consent_cookie\": \"c0\"}, \"cookies\": [",
        );
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            s.push_str(&format!("{{\"name\": \"c{i}\", \"provider\": \"p\", \"service\": \"s\", \"purpose\": \"necessary\", \"description\": \"d\", \"lifetime\": \"1 day\"}}"));
        }
        s.push_str("]}");
        s
    };
    assert_eq!(
        Policy::from_json(&many(limits::MAX_COOKIES))
            .unwrap()
            .cookies()
            .len(),
        limits::MAX_COOKIES
    );
    let err = Policy::from_json(&many(limits::MAX_COOKIES + 1)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TooMany);
    assert_eq!(err.field(), Some("cookies"));

    assert!(
        err.message().contains(&limits::MAX_COOKIES.to_string()),
        "{err}"
    );
    // At the `cookies` array.
    let column = many(0).find('[').unwrap() + 1;
    assert_eq!(err.location(), Some(Location { line: 1, column }));

    let pad = |n: usize| format!("{SITE}{}", " ".repeat(n - SITE.len()));
    assert!(Policy::from_toml(&pad(limits::MAX_POLICY_BYTES)).is_ok());
    let err = load_err(&pad(limits::MAX_POLICY_BYTES + 1));
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert!(
        err.message()
            .contains(&limits::MAX_POLICY_BYTES.to_string()),
        "{err}"
    );

    let name = |n: usize| format!("{SITE}{}", cookie(&"n".repeat(n), "necessary", ""));
    assert!(Policy::from_toml(&name(limits::MAX_NAME_BYTES)).is_ok());
    let text = name(limits::MAX_NAME_BYTES + 1);
    let err = load_err(&text);
    assert_eq!(err.kind(), ErrorKind::InvalidName);
    assert_eq!(err.field(), Some("cookies[0].name"));
    assert_eq!(err.location().unwrap().line, line_of(&text, "name = \"nnn"));
    assert!(
        err.message().contains(&limits::MAX_NAME_BYTES.to_string()),
        "{err}"
    );

    let purposes = |n: usize| {
        let mut s = SITE.to_owned();
        for i in 0..n {
            s.push_str(&format!("[purposes.p{i}]\nlabel = \"x\"\n"));
        }
        s
    };
    assert!(Policy::from_toml(&purposes(limits::MAX_PURPOSES)).is_ok());
    let err = load_err(&purposes(limits::MAX_PURPOSES + 1));
    assert_eq!(err.kind(), ErrorKind::TooMany);
    assert_eq!(err.field(), Some("purposes"));
    assert!(err.location().is_some());
    assert!(
        err.message().contains(&limits::MAX_PURPOSES.to_string()),
        "{err}"
    );

    let text = |n: usize| format!("{SITE}[purposes.p]\nlabel = \"{}\"\n", "x".repeat(n));
    assert!(Policy::from_toml(&text(limits::MAX_TEXT_BYTES)).is_ok());
    let err = load_err(&text(limits::MAX_TEXT_BYTES + 1));
    assert_eq!(err.kind(), ErrorKind::TooLarge);
    assert_eq!(err.field(), Some("purposes.p.label"));
    assert_eq!(err.location(), Some(Location { line: 6, column: 9 }));
    assert!(
        err.message().contains(&limits::MAX_TEXT_BYTES.to_string()),
        "{err}"
    );
}

/// A document whose innermost value is `depth` levels deep, the root table counting as one:
/// a top-level key holding `depth - 2` nested arrays around an integer.
fn nested(depth: usize, json: bool) -> String {
    let arrays = depth - 2;
    let value = format!("{}1{}", "[".repeat(arrays), "]".repeat(arrays));
    if json {
        format!("{{\"site\": {value}}}")
    } else {
        format!("x = {value}\n")
    }
}

#[test]
fn nesting_holds_at_max_depth_and_fails_one_past_it_in_both_formats() {
    for json in [false, true] {
        let load = |text: &str| {
            if json {
                Policy::from_json(text)
            } else {
                Policy::from_toml(text)
            }
        };
        // At the cap the tree is read; the schema then refuses the field (not the depth).
        let at_cap = load(&nested(limits::MAX_DEPTH, json)).unwrap_err();
        assert_ne!(at_cap.kind(), ErrorKind::TooDeep, "{at_cap}");
        let text = nested(limits::MAX_DEPTH + 1, json);
        let err = load(&text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TooDeep, "json {json}: {err}");
        assert!(
            err.message().contains(&limits::MAX_DEPTH.to_string()),
            "{err}"
        );
        // It points at the value one level too deep: the innermost integer.
        let column = text.find("[1]").unwrap() + 2;
        assert_eq!(
            err.location(),
            Some(Location { line: 1, column }),
            "json {json}"
        );
    }
}

#[test]
fn languages_hold_at_the_cap_and_fail_one_past_it() {
    let policy = |n: usize| {
        let tags: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    "{}{}",
                    (b'a' + (i / 26) as u8) as char,
                    (b'a' + (i % 26) as u8) as char
                )
            })
            .collect();
        let list: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
        let labels: Vec<String> = tags.iter().map(|t| format!("{t} = \"x\"")).collect();
        let labels = labels.join(", ");
        format!(
            "{SITE}languages = [{}]\n[purposes.necessary]\nlabel = {{ {labels} }}\n[purposes.statistics]\nlabel = {{ {labels} }}\n",
            list.join(", ")
        )
    };
    let loaded = Policy::from_toml(&policy(limits::MAX_LANGUAGES)).unwrap();
    assert_eq!(loaded.site().languages.len(), limits::MAX_LANGUAGES);
    let text = policy(limits::MAX_LANGUAGES + 1);
    let err = load_err(&text);
    assert_eq!(err.kind(), ErrorKind::InvalidValue);
    assert_eq!(err.field(), Some("site.languages"));
    assert_eq!(err.location().unwrap().line, line_of(&text, "languages ="));
    assert!(
        err.message().contains(&limits::MAX_LANGUAGES.to_string()),
        "{err}"
    );
}

#[test]
fn the_consent_cookie_name_holds_at_max_name_bytes_and_fails_one_past_it() {
    let site = |n: usize| {
        SITE.replace(
            "consent_cookie = \"consent\"",
            &format!("consent_cookie = \"{}\"", "c".repeat(n)),
        )
    };
    let policy = Policy::from_toml(&site(limits::MAX_NAME_BYTES)).unwrap();
    assert_eq!(policy.site().consent_cookie.len(), limits::MAX_NAME_BYTES);
    let text = site(limits::MAX_NAME_BYTES + 1);
    let err = load_err(&text);
    assert_eq!(err.kind(), ErrorKind::InvalidName);
    assert_eq!(err.field(), Some("site.consent_cookie"));
    assert_eq!(
        err.location().unwrap().line,
        line_of(&text, "consent_cookie =")
    );
}

#[test]
fn party_is_declared_or_derived_with_the_public_suffix_list() {
    let text = format!(
        "{SITE}{}{}{}{}{}",
        cookie("host_only", "necessary", ""),
        cookie("sub", "necessary", "domain = \".static.example.com\""),
        cookie("ads", "necessary", "domain = \"ads.tracker.net\""),
        cookie("declared", "necessary", "party = \"third\""),
        cookie("idn", "necessary", "domain = \"Bücher.EXAMPLE.com.\""),
    );
    let policy = Policy::from_toml(&text).unwrap();
    let party = |n: &str| policy.declaration(n).unwrap().party;
    assert_eq!(party("host_only"), Party::First);
    assert_eq!(party("sub"), Party::First);
    assert_eq!(party("ads"), Party::Third);
    assert_eq!(party("declared"), Party::Third);
    assert_eq!(party("idn"), Party::First);
    assert_eq!(
        policy.declaration("idn").unwrap().domain.as_deref(),
        Some("xn--bcher-kva.example.com")
    );
}

#[test]
fn warnings_for_exemptions_not_met_and_the_consent_cookie() {
    let text = format!(
        "{SITE}profile = \"cnil\"\n{}{}",
        cookie(
            "_long",
            "statistics",
            "anonymous = true\nlifetime = \"2 years\""
        )
        .replace("lifetime = \"1 year\"\n", ""),
        cookie(
            "_third",
            "statistics",
            "anonymous = true\ndomain = \"stats.other.org\""
        ),
    );
    let policy = Policy::from_toml(&text).unwrap();
    let codes: Vec<_> = policy
        .warnings()
        .iter()
        .map(|w| (w.code, w.field.as_str()))
        .collect();
    assert!(
        codes.contains(&("exemption_not_met", "cookies[0].anonymous")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("exemption_not_met", "cookies[1].anonymous")),
        "{codes:?}"
    );
    assert!(
        codes.contains(&("consent_cookie_undeclared", "site.consent_cookie")),
        "{codes:?}"
    );
    // The exemption really is not granted.
    let consent = Consent::default();
    assert_eq!(policy.decide("_long", &consent, 0).rule, Rule::Consent);
    assert_eq!(policy.decide("_third", &consent, 0).rule, Rule::ThirdParty);
    // Under the charter profile the 2-year cookie is exempt.
    let charter = Policy::from_toml(&text.replace("profile = \"cnil\"", "")).unwrap();
    assert_eq!(
        charter.decide("_long", &consent, 0).rule,
        Rule::AnonymousStatistics
    );
}

#[test]
fn missing_translations_warn_and_plain_strings_are_the_first_language() {
    let text = format!(
        "{SITE}languages = [\"fr\", \"en\"]\n{}",
        cookie("a", "necessary", "").replace("service = \"S\"", "service = { fr = \"Service\" }")
    );
    let policy = Policy::from_toml(&text).unwrap();
    let fields: Vec<_> = policy
        .warnings()
        .iter()
        .filter(|w| w.code == "missing_translation")
        .map(|w| w.field.as_str())
        .collect();
    assert!(fields.contains(&"cookies[0].service"), "{fields:?}");
    assert!(fields.contains(&"cookies[0].description"), "{fields:?}");
    assert!(fields.contains(&"site.name"), "{fields:?}");
    assert_eq!(policy.cookies()[0].service.exact("fr"), Some("Service"));
    assert_eq!(policy.cookies()[0].description.exact("fr"), Some("D"));
}

#[test]
fn builtin_purposes_exist_and_come_first() {
    let text = format!("{SITE}[purposes.ads]\nlabel = \"Ads\"\n");
    let policy = Policy::from_toml(&text).unwrap();
    let ids: Vec<_> = policy.purposes().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["necessary", "statistics", "ads"]);
    let err = load_err(&format!("{SITE}languages = [\"de\"]\n"));
    assert_eq!(err.kind(), ErrorKind::MissingLabel);
}
