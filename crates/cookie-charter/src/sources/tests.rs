use super::*;
use crate::consent::ConsentState;

const NOW: u64 = 1_767_225_600;

/// A policy with three purposes needing consent and the given sources (TOML array of tables).
fn policy(profile: &str, sources: &str) -> Policy {
    let text = format!(
        r#"
[site]
name = "x"
url = "https://example.com"
consent_cookie = "consent"
profile = "{profile}"
revision = 3
{sources}
[purposes.statistics]
label = "Statistics"
[purposes.marketing]
label = "Marketing"
revision = 2
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
"#
    );
    match Policy::from_toml(&text) {
        Ok(policy) => policy,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn states(policy: &Policy, consent: &Consent) -> (ConsentState, ConsentState) {
    let state = |id| {
        policy
            .consent_state(id, consent, NOW)
            .unwrap_or(ConsentState::Unset)
    };
    (state("statistics"), state("marketing"))
}

#[test]
fn a_purpose_is_granted_only_when_every_key_is() {
    use ConsentState::{Denied, Granted, Unset};
    let policy = policy(
        "charter",
        "[[site.consent_sources]]\nformat = \"tarteaucitron\"\npurposes = { statistics = [\"a\"], marketing = [\"b\", \"c\"] }\n",
    );
    let cases = [
        ("!a=true!b=true!c=true", (Granted, Granted)),
        ("!a=true!b=true", (Granted, Unset)),
        ("!a=wait!b=true!c=wait", (Unset, Unset)),
        ("!b=false!c=wait", (Unset, Denied)),
        ("!b=true!c=false", (Unset, Denied)),
        ("!a=false", (Denied, Unset)),
        ("!d=true", (Unset, Unset)),
    ];
    for (value, expected) in cases {
        let consent = policy.consent_from_cookie_header(&format!("tarteaucitron={value}"));
        assert_eq!(states(&policy, &consent), expected, "{value}");
        assert_eq!(
            consent.source(),
            Some(SourceRef {
                index: 0,
                format: SourceFormat::Tarteaucitron
            })
        );
        assert!(!consent.is_dated());
        // `necessary` stays granted.
        assert_eq!(
            policy.consent_state("necessary", &consent, NOW),
            Some(ConsentState::Granted)
        );
    }
}

#[test]
fn an_undated_consent_never_expires_and_a_dated_one_does_under_cnil() {
    let undated = policy(
        "cnil",
        "[[site.consent_sources]]\nformat = \"klaro\"\npurposes = { statistics = [\"a\"], marketing = [\"b\"] }\n",
    );
    assert!(
        undated
            .warnings()
            .iter()
            .any(|w| w.code == "consent_source_undated")
    );
    let consent = undated.consent_from_cookie_header("klaro={\"a\":true,\"b\":false}");
    assert_eq!(consent.at(), 0);
    assert!(consent.is_usable(NOW));
    assert_eq!(
        states(&undated, &consent),
        (ConsentState::Granted, ConsentState::Denied)
    );
    let dated = policy(
        "cnil",
        "[[site.consent_sources]]\nformat = \"axeptio\"\npurposes = { statistics = [\"a\"], marketing = [\"b\"] }\n",
    );
    assert!(
        dated
            .warnings()
            .iter()
            .all(|w| w.code != "consent_source_undated")
    );
    let header = |date: &str| {
        format!(
            "axeptio_cookies={{\"$$date\":\"{date}\",\"$$completed\":true,\"a\":true,\"b\":true}}"
        )
    };
    let fresh = dated.consent_from_cookie_header(&header("2025-12-01T00:00:00.000Z"));
    assert_eq!(fresh.at(), 1_764_547_200);
    assert_eq!(
        states(&dated, &fresh),
        (ConsentState::Granted, ConsentState::Granted)
    );
    let old = dated.consent_from_cookie_header(&header("2025-01-01T00:00:00.000Z"));
    assert_eq!(
        states(&dated, &old),
        (ConsentState::Expired, ConsentState::Expired)
    );
    // A date more than a day ahead makes the consent unusable, as for the engine's own cookie.
    let future = dated.consent_from_cookie_header(&header("2026-01-03T00:00:00.000Z"));
    assert_eq!(future.problem_at(NOW).map(Problem::code), Some("malformed"));
}

#[test]
fn a_mapped_revision_makes_other_revisions_stale() {
    use ConsentState::{Granted, Stale, Unset};
    let policy = policy(
        "charter",
        "[[site.consent_sources]]\nformat = \"cookieyes\"\nrevision = \"t2\"\npurposes = { statistics = [\"analytics\"], marketing = [\"advertisement\"] }\n",
    );
    assert_eq!(policy.consent_sources()[0].revision(), Some("t2"));
    let read = |tax: &str| {
        let header = format!(
            "cookieyes-consent=consentid:x,consent:yes,action:yes{tax},analytics:yes,advertisement:yes"
        );
        states(&policy, &policy.consent_from_cookie_header(&header))
    };
    assert_eq!(read(",tax:t2"), (Granted, Granted));
    assert_eq!(read(",tax:t1"), (Stale, Stale));
    assert_eq!(read(""), (Stale, Stale));
    // No decision: nothing to be stale.
    let header = "cookieyes-consent=consentid:x,consent:yes,action:no,tax:t1,analytics:yes";
    assert_eq!(
        states(&policy, &policy.consent_from_cookie_header(header)),
        (Unset, Unset)
    );
}

#[test]
fn sources_are_tried_in_order_and_the_first_present_decides() {
    let policy = policy(
        "charter",
        r#"[[site.consent_sources]]
format = "complianz"
cookie = "cmplz_rt_"
purposes = { statistics = ["statistics"], marketing = ["marketing"] }
[[site.consent_sources]]
format = "iubenda"
cookie = "_iub_cs-7"
purposes = { statistics = ["4"], marketing = ["consent"] }
[[site.consent_sources]]
format = "cookie-charter"
"#,
    );
    let sources = policy.consent_sources();
    assert_eq!(sources.len(), 3);
    assert_eq!(sources[0].cookie(), "cmplz_rt_");
    assert_eq!(sources[2].cookie(), "consent");
    assert_eq!(sources[1].keys_of("marketing"), ["consent"]);
    let iub = "_iub_cs-7=%7B%22consent%22%3Atrue%2C%22purposes%22%3A%7B%224%22%3Afalse%7D%7D";
    let own = "consent=v=1&rev=3&at=1767225000&statistics=1&marketing=1";
    let consent = policy.consent_from_cookie_header(&format!("{own}; {iub}"));
    assert_eq!(consent.source().map(|s| s.index), Some(1));
    assert_eq!(
        states(&policy, &consent),
        (ConsentState::Denied, ConsentState::Granted)
    );
    // `cmplz_` cookies are not `cmplz_rt_` ones; another iubenda site's cookie is not read.
    let consent = policy
        .consent_from_cookie_header(&format!("cmplz_statistics=allow; _iub_cs-8=%7B%7D; {own}"));
    assert_eq!(
        consent.source().map(|s| s.format),
        Some(SourceFormat::CookieCharter)
    );
    assert_eq!(
        states(&policy, &consent),
        (ConsentState::Granted, ConsentState::Granted)
    );
    let consent = policy.consent_from_cookie_header(&format!("cmplz_rt_statistics=deny; {own}"));
    assert_eq!(consent.source().map(|s| s.index), Some(0));
    assert_eq!(
        states(&policy, &consent),
        (ConsentState::Denied, ConsentState::Unset)
    );
    let none = policy.consent_from_cookie_header("a=1");
    assert_eq!(none.problem(), Some(Problem::Absent));
    assert_eq!(none.source(), None);
}

#[test]
fn the_engine_s_own_cookie_reads_the_same_as_a_source() {
    let plain = policy("charter", "");
    let listed = policy(
        "charter",
        "[[site.consent_sources]]\nformat = \"cookie-charter\"\n",
    );
    for header in [
        "consent=v=1&rev=3&at=5&statistics=1",
        "consent=v=1&rev=3&at=5&statistics=1; consent=v=1&rev=3&at=5",
        "consent=",
        "consent=v=9",
        "x=1",
    ] {
        let a = plain.consent_from_cookie_header(header);
        let b = listed.consent_from_cookie_header(header);
        assert_eq!(a.source(), None);
        let expected_source = (!header.starts_with('x')).then_some(SourceRef {
            index: 0,
            format: SourceFormat::CookieCharter,
        });
        assert_eq!(b.source(), expected_source, "{header}");
        assert_eq!(a, b.with_source(None), "{header}");
    }
}

#[test]
fn formats_round_trip_their_ids() {
    for format in SourceFormat::ALL {
        assert_eq!(SourceFormat::parse(format.as_str()), Some(format));
        assert_eq!(format.to_string(), format.as_str());
    }
    assert_eq!(SourceFormat::parse("OneTrust"), None);
    for name in ["usercentrics", "termly", "osano"] {
        assert!(SourceFormat::unreadable(name).is_some());
        assert_eq!(SourceFormat::parse(name), None);
    }
    let source = SourceRef {
        index: 2,
        format: SourceFormat::WpConsent,
    };
    assert_eq!(source.to_string(), "site.consent_sources[2] (wp_consent)");
}

/// The reference for [`cookie_values`]: the header cut into pairs.
fn cookie_values_by_pairs<'h>(header: &'h str, name: &str) -> Result<Option<&'h str>, Problem> {
    let mut found = None;
    for pair in parse_cookie_header(header).filter(|p| p.name == name) {
        match found {
            Some(value) if value != pair.value => return Err(DISAGREE),
            _ => found = Some(pair.value),
        }
    }
    Ok(found)
}

#[test]
fn the_substring_search_finds_exactly_the_pairs_of_that_name() {
    // Every header of up to 6 bytes over an alphabet of the bytes that matter, and longer
    // pseudo-random ones, against the header cut into pairs.
    const ALPHABET: &[u8] = b"ab=; \tx";
    let mut headers: Vec<String> = vec![String::new()];
    let mut frontier = headers.clone();
    for _ in 0..6 {
        frontier = frontier
            .iter()
            .flat_map(|h| {
                ALPHABET
                    .iter()
                    .map(move |c| format!("{h}{}", char::from(*c)))
            })
            .collect();
        headers.extend(frontier.iter().cloned());
    }
    let mut seed: u32 = 7;
    for _ in 0..20_000 {
        let len = 8 + (seed % 24) as usize;
        let mut header = String::new();
        for _ in 0..len {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let pick = (seed >> 16) as usize % ALPHABET.len();
            header.push(char::from(*ALPHABET.get(pick).unwrap_or(&b'a')));
        }
        headers.push(header);
    }
    assert!(headers.len() > 100_000, "{}", headers.len());
    for header in &headers {
        for name in ["a", "ab", "ba", "aa", "x"] {
            assert_eq!(
                cookie_value(header, name),
                cookie_values_by_pairs(header, name),
                "{header:?} {name:?}"
            );
        }
    }
}
