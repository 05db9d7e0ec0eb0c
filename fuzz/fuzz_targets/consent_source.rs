//! Reads arbitrary bytes as a `Cookie` header through a policy's consent sources (spec §11):
//! the first line names the format (as the files of `corpus/consent_source/` do), the rest is
//! the header, read with the policy of that format's vector file
//! (`tests/vectors/consent-sources/<format>.json`). No panic; reading twice gives the same
//! consent; a consent with a problem has one of the five codes and no choice; a consent no
//! source gave is `absent`.
#![no_main]

use std::sync::OnceLock;

use cookie_charter::{Consent, Policy};
use libfuzzer_sys::fuzz_target;

/// Each format and its vector file.
const FILES: [(&str, &str); 14] = [
    (
        "cookie-charter",
        include_str!("../../tests/vectors/consent-sources/cookie-charter.json"),
    ),
    (
        "tcf",
        include_str!("../../tests/vectors/consent-sources/tcf.json"),
    ),
    (
        "tarteaucitron",
        include_str!("../../tests/vectors/consent-sources/tarteaucitron.json"),
    ),
    (
        "klaro",
        include_str!("../../tests/vectors/consent-sources/klaro.json"),
    ),
    (
        "cookieconsent",
        include_str!("../../tests/vectors/consent-sources/cookieconsent.json"),
    ),
    (
        "cookiebot",
        include_str!("../../tests/vectors/consent-sources/cookiebot.json"),
    ),
    (
        "onetrust",
        include_str!("../../tests/vectors/consent-sources/onetrust.json"),
    ),
    (
        "didomi",
        include_str!("../../tests/vectors/consent-sources/didomi.json"),
    ),
    (
        "cookieyes",
        include_str!("../../tests/vectors/consent-sources/cookieyes.json"),
    ),
    (
        "complianz",
        include_str!("../../tests/vectors/consent-sources/complianz.json"),
    ),
    (
        "wp_consent",
        include_str!("../../tests/vectors/consent-sources/wp_consent.json"),
    ),
    (
        "axeptio",
        include_str!("../../tests/vectors/consent-sources/axeptio.json"),
    ),
    (
        "borlabs",
        include_str!("../../tests/vectors/consent-sources/borlabs.json"),
    ),
    (
        "iubenda",
        include_str!("../../tests/vectors/consent-sources/iubenda.json"),
    ),
];

fn policies() -> &'static Vec<(&'static str, Policy)> {
    static POLICIES: OnceLock<Vec<(&'static str, Policy)>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        FILES
            .iter()
            .filter_map(|(format, text)| {
                let file: serde_json::Value = serde_json::from_str(text).ok()?;
                let policy = Policy::from_json(&file.get("policy")?.to_string()).ok()?;
                Some((*format, policy))
            })
            .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (format, header) = text.split_once('\n').unwrap_or(("", &text));
    let policies = policies();
    assert_eq!(policies.len(), FILES.len(), "every vector policy loads");
    // An unknown first line picks a format by its length, so that no input is wasted.
    let policy = match policies.iter().find(|(f, _)| *f == format) {
        Some((_, policy)) => policy,
        None => &policies[format.len() % policies.len()].1,
    };
    let consent = policy.consent_from_cookie_header(header);
    assert_eq!(consent, policy.consent_from_cookie_header(header));
    if let Some(problem) = consent.problem() {
        assert!(matches!(
            problem.code(),
            "absent" | "oversized" | "malformed" | "duplicate_key" | "unknown_version"
        ));
        assert_eq!(consent.choices().count(), 0);
    }
    if consent.source().is_none() {
        assert_eq!(consent, Consent::default());
    }
    for purpose in policy.purposes() {
        let _ = policy.consent_state(purpose.id.as_str(), &consent, 1_767_225_600);
    }
});
