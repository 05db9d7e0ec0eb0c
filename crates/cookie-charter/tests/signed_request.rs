//! Signed consent cookies on the request path (spec §13): `request_consent`,
//! `consent_from_cookie_header` and `respond` check the engine's own cookie against the
//! policy's keys, so that every response path (middleware, C, nginx) grants a well-signed
//! consent and refuses a forged one.

#![allow(clippy::unwrap_used)]

use cookie_charter::{
    Consent, ConsentKeys, ConsentState, Handled, Policy, Purge, RecordId, Request,
};

const NOW: u64 = 1_767_225_600;
const KEYS: &str = "k2:c2Vjb25kLXNlY29uZC1zZWNvbmQtc2Vjb25kLXNlY29uZA\n\
                    k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA\n";

fn policy(extra_site: &str) -> Policy {
    let text = format!(
        r#"
[site]
name = "x"
url = "https://example.com"
consent_cookie = "consent"
{extra_site}
[[cookies]]
name = "consent"
provider = "x"
service = "x"
purpose = "necessary"
description = "x"
lifetime = "6 months"
[[cookies]]
name = "_ga"
provider = "x"
service = "x"
purpose = "statistics"
description = "x"
lifetime = "1 year"
"#
    );
    Policy::from_toml(&text).unwrap()
}

fn keys() -> ConsentKeys {
    ConsentKeys::parse(KEYS).unwrap()
}

fn signed_with(keys: &ConsentKeys) -> String {
    let consent = Consent::new(1, NOW - 10)
        .with("statistics", cookie_charter::Choice::Granted)
        .unwrap();
    keys.sign(consent, RecordId::from_bytes([7; 16]))
        .to_cookie()
}

fn statistics(policy: &Policy, cookie: &str) -> (ConsentState, Option<&'static str>, bool) {
    let header = format!("a=1; consent={cookie}; b=2");
    let consent = policy.request_consent(&Request::new().with_cookie(&header));
    let state = policy.consent_state("statistics", &consent, NOW).unwrap();
    (
        state,
        consent.problem().map(|p| p.code()),
        consent.is_verified(),
    )
}

/// Whether a `_ga` the application sets passes the response path.
fn ga_passes(policy: &Policy, cookie: &str) -> bool {
    let header = format!("consent={cookie}");
    let request = Request::new().with_cookie(&header);
    let response = policy.respond(
        &request,
        Handled::Unchanged,
        ["_ga=1; Path=/"],
        Purge::Off,
        NOW,
    );
    response.set_cookies().any(|c| c.starts_with("_ga=1"))
}

#[test]
fn required_signatures_grant_a_well_signed_cookie_and_refuse_the_others() {
    let policy = policy("require_signed_consent = true").with_consent_keys(keys());
    let signed = signed_with(&keys());
    assert_eq!(
        statistics(&policy, &signed),
        (ConsentState::Granted, None, true)
    );
    assert!(ga_passes(&policy, &signed));

    let unsigned = "v=1&rev=1&at=1767225590&statistics=1";
    assert_eq!(
        statistics(&policy, unsigned),
        (ConsentState::Unset, Some("malformed"), false)
    );
    assert!(!ga_passes(&policy, unsigned));

    // Signed with a key the policy does not hold.
    let other = ConsentKeys::parse("k1:b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI").unwrap();
    let forged = signed_with(&other);
    assert_eq!(
        statistics(&policy, &forged),
        (ConsentState::Unset, Some("malformed"), false)
    );
    assert!(!ga_passes(&policy, &forged));

    // A granted purpose changed after signing.
    let refused = signed_with(&keys()).replace("statistics=1", "statistics=0");
    assert_eq!(statistics(&policy, &refused).1, Some("malformed"));
    assert!(!ga_passes(&policy, &refused));

    // The older key still verifies (rotation).
    let older = ConsentKeys::parse(KEYS.lines().nth(1).unwrap()).unwrap();
    assert_eq!(
        statistics(&policy, &signed_with(&older)),
        (ConsentState::Granted, None, true)
    );
}

#[test]
fn required_signatures_without_keys_grant_nothing() {
    let policy = policy("require_signed_consent = true");
    let signed = signed_with(&keys());
    assert_eq!(
        statistics(&policy, &signed),
        (ConsentState::Unset, Some("malformed"), false)
    );
    assert!(!ga_passes(&policy, &signed));
}

#[test]
fn keys_without_the_requirement_check_signed_values_and_keep_unsigned_ones() {
    let policy = policy("").with_consent_keys(keys());
    assert_eq!(
        statistics(&policy, &signed_with(&keys())),
        (ConsentState::Granted, None, true)
    );
    assert_eq!(
        statistics(&policy, "v=1&rev=1&at=1767225590&statistics=1"),
        (ConsentState::Granted, None, false)
    );
    let forged = signed_with(&keys()).replace("statistics=1", "statistics=0");
    assert_eq!(
        statistics(&policy, &forged),
        (ConsentState::Unset, Some("malformed"), false)
    );
}

#[test]
fn a_policy_without_keys_reads_a_signed_value_as_an_unsigned_one() {
    let policy = policy("");
    let signed = signed_with(&keys());
    assert_eq!(
        statistics(&policy, &signed),
        (ConsentState::Granted, None, false)
    );
    let header = format!("consent={signed}");
    assert_eq!(
        policy.consent_from_cookie_header(&header),
        Consent::from_cookie(&signed)
    );
}

#[test]
fn a_declared_cookie_charter_source_is_checked_too() {
    let policy = policy(
        "require_signed_consent = true\n[[site.consent_sources]]\nformat = \"cookie-charter\"",
    )
    .with_consent_keys(keys());
    let signed = signed_with(&keys());
    assert_eq!(
        statistics(&policy, &signed),
        (ConsentState::Granted, None, true)
    );
    let consent = policy.consent_from_cookie_header("consent=v=1&rev=1&at=1767225590&statistics=1");
    assert_eq!(consent.problem().map(|p| p.code()), Some("malformed"));
    assert!(consent.source().is_some());
}
