//! The request-time limits at the cap and one past it: the consent cookie size, the name-value
//! and attribute sizes browsers enforce on `Set-Cookie`, and the 400-day lifetime cap. (The
//! policy limits, `MAX_POLICY_BYTES` to `MAX_DEPTH`, are tested in `load.rs`.)
//!
//! These are not load errors: past the cap a consent is `oversized` (no consent), a header is
//! dropped with the problem `too_large`, an attribute is ignored as browsers ignore it, and a
//! lifetime is clamped.

// Test code: a failed expectation stops loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use cookie_charter::limits::{MAX_BROWSER_LIFETIME_SECS, MAX_CONSENT_BYTES};
use cookie_charter::{
    Consent, HeaderProblem, MAX_ATTRIBUTE_VALUE_BYTES, MAX_NAME_VALUE_BYTES, Policy, Problem,
    SetCookie,
};

const NOW: u64 = 1_700_000_100;

fn policy() -> Policy {
    Policy::from_toml(
        r#"
        [site]
        name = "Limits"
        url = "https://www.example.com"
        consent_cookie = "consent"
        clamp_lifetimes = true
        [[cookies]]
        name = "consent"
        provider = "Example"
        service = "Banner"
        purpose = "necessary"
        description = "The choice"
        lifetime = "6 months"
        [[cookies]]
        name = "long"
        provider = "Example"
        service = "Long"
        purpose = "necessary"
        description = "Declared longer than browsers keep anything"
        lifetime = "2 years"
        "#,
    )
    .unwrap()
}

/// A valid consent value of exactly `len` bytes (`at` padded with leading zeros).
fn consent_of(len: usize) -> String {
    let (head, tail) = ("v=1&rev=1&at=", "1700000000&statistics=1");
    format!("{head}{}{tail}", "0".repeat(len - head.len() - tail.len()))
}

#[test]
fn a_consent_of_max_consent_bytes_is_read_and_one_more_byte_is_oversized() {
    let at_cap = consent_of(MAX_CONSENT_BYTES);
    assert_eq!(at_cap.len(), MAX_CONSENT_BYTES);
    let consent = Consent::from_cookie(&at_cap);
    assert_eq!(consent.problem(), None);
    assert_eq!(consent.at(), 1_700_000_000);
    let past = consent_of(MAX_CONSENT_BYTES + 1);
    let consent = Consent::from_cookie(&past);
    assert_eq!(consent.problem(), Some(Problem::Oversized));
    assert_eq!(consent.choices().count(), 0);
    assert!(
        consent
            .problem()
            .unwrap()
            .to_string()
            .contains("4096 bytes")
    );
    // The same through the `Cookie` header.
    let policy = policy();
    let header = |value: &str| format!("a=1; consent={value}; b=2");
    assert_eq!(
        policy
            .consent_from_cookie_header(&header(&at_cap))
            .problem(),
        None
    );
    assert_eq!(
        policy.consent_from_cookie_header(&header(&past)).problem(),
        Some(Problem::Oversized)
    );
}

#[test]
fn name_and_value_of_max_name_value_bytes_are_kept_and_one_more_byte_is_dropped() {
    let policy = policy();
    let header = |len: usize| format!("long={}; Path=/", "v".repeat(len - "long".len()));
    let at_cap = header(MAX_NAME_VALUE_BYTES);
    let filtered = policy.filter_set_cookies([at_cap.as_str()], &Consent::default(), NOW);
    assert_eq!(filtered.kept, [at_cap.as_str()]);
    let past = header(MAX_NAME_VALUE_BYTES + 1);
    assert_eq!(SetCookie::parse(&past), Err(HeaderProblem::TooLarge));
    let filtered = policy.filter_set_cookies([past.as_str()], &Consent::default(), NOW);
    assert!(filtered.kept.is_empty());
    let dropped = &filtered.dropped[0];
    assert_eq!(dropped.problem, Some(HeaderProblem::TooLarge));
    assert_eq!(dropped.cookie, None);
    assert_eq!(dropped.header, past);
}

#[test]
fn attributes_of_max_attribute_value_bytes_count_and_longer_ones_are_ignored() {
    // `Max-Age` padded with leading zeros, `Domain` with a long first label set.
    let max_age = |len: usize| format!("a=1; Max-Age={:0>len$}", 5000);
    let cookie = max_age(MAX_ATTRIBUTE_VALUE_BYTES);
    assert_eq!(SetCookie::parse(&cookie).unwrap().max_age(), Some(5000));
    let cookie = max_age(MAX_ATTRIBUTE_VALUE_BYTES + 1);
    assert_eq!(SetCookie::parse(&cookie).unwrap().max_age(), None);

    let domain = |len: usize| format!("a=1; Domain={}", "d".repeat(len));
    let cookie = domain(MAX_ATTRIBUTE_VALUE_BYTES);
    let parsed = SetCookie::parse(&cookie).unwrap();
    assert_eq!(
        parsed.domain().map(str::len),
        Some(MAX_ATTRIBUTE_VALUE_BYTES)
    );
    let cookie = domain(MAX_ATTRIBUTE_VALUE_BYTES + 1);
    assert_eq!(SetCookie::parse(&cookie).unwrap().domain(), None);

    // A date followed by a token the date algorithm skips, padding the value to `len` bytes.
    let expires = |len: usize| {
        let date = "Fri, 01 Jan 2038 00:00:00 GMT ";
        format!("a=1; Expires={date}{}", "x".repeat(len - date.len()))
    };
    let cookie = expires(MAX_ATTRIBUTE_VALUE_BYTES);
    assert_eq!(
        SetCookie::parse(&cookie).unwrap().expires(),
        Some(2_145_916_800)
    );
    let cookie = expires(MAX_ATTRIBUTE_VALUE_BYTES + 1);
    assert_eq!(SetCookie::parse(&cookie).unwrap().expires(), None);
}

#[test]
fn lifetimes_are_clamped_to_the_browser_cap_and_not_below_it() {
    let policy = policy();
    let cap = MAX_BROWSER_LIFETIME_SECS;
    let at_cap = format!("long=1; Max-Age={cap}");
    let cookie = SetCookie::parse(&at_cap).unwrap();
    assert_eq!(policy.clamp_lifetime(&cookie, NOW), None);
    let past = format!("long=1; Max-Age={}", cap + 1);
    let cookie = SetCookie::parse(&past).unwrap();
    assert_eq!(
        policy.clamp_lifetime(&cookie, NOW),
        Some(format!("long=1; Max-Age={cap}"))
    );
    let filtered = policy.filter_set_cookies([past.as_str()], &Consent::default(), NOW);
    assert_eq!(filtered.kept, [format!("long=1; Max-Age={cap}")]);
}
