//! Reads arbitrary bytes as a `Cookie` header: no panic; the consent is read from it and the
//! deletion headers of `purge` hold no CR or LF and delete exactly the purged name.
#![no_main]

use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"
[site]
name = "Fuzz"
url = "https://www.example.co.uk"
consent_cookie = "consent"
[[cookies]]
name = "consent"
provider = "P"
service = "S"
purpose = "necessary"
description = "D"
lifetime = "6 months"
[[cookies]]
name = "_ga*"
provider = "P"
service = "S"
purpose = "statistics"
description = "D"
lifetime = "1 year"
"#;

fuzz_target!(|data: &[u8]| {
    let Ok(policy) = cookie_charter::Policy::from_toml(POLICY) else {
        return;
    };
    let header = String::from_utf8_lossy(data);
    for pair in cookie_charter::parse_cookie_header(&header) {
        assert!(!pair.name.contains(';') && !pair.value.contains(';'));
    }
    let consent = policy.consent_from_cookie_header(&header);
    for purged in policy.purge(&header, &consent, 1_700_000_000) {
        assert!(!purged.decision.allowed);
        for deletion in &purged.headers {
            assert!(!deletion.contains(['\r', '\n']));
            let parsed = cookie_charter::SetCookie::parse(deletion);
            assert_eq!(parsed.map(|c| c.name), Ok(purged.cookie));
        }
    }
});
