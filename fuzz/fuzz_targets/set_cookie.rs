//! Reads arbitrary bytes as a `Set-Cookie` value: no panic; a parsed name holds no control
//! character, `;` or `=`, and the filter keeps the header only under an allowed name.
#![no_main]

use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"
[site]
name = "Fuzz"
url = "https://www.example.com"
consent_cookie = "consent"
clamp_lifetimes = true
[[cookies]]
name = "n*"
provider = "P"
service = "S"
purpose = "necessary"
description = "D"
lifetime = "1 day"
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
    if let Ok(cookie) = cookie_charter::SetCookie::parse(&header) {
        assert!(
            !cookie
                .name
                .bytes()
                .any(|b| b < 0x20 && b != b'\t' || b == 0x7f || b == b';' || b == b'=')
        );
        let _ = (cookie.lifetime(0), cookie.domain(), cookie.path());
    }
    let consent = cookie_charter::Consent::default();
    let filtered = policy.filter_set_cookies([header.as_ref()], &consent, 1_700_000_000);
    assert_eq!(filtered.kept.len() + filtered.dropped.len(), 1);
    for kept in &filtered.kept {
        let name = cookie_charter::SetCookie::parse(kept)
            .map(|c| c.name)
            .unwrap_or_default();
        assert!(policy.decide(name, &consent, 1_700_000_000).allowed);
    }
});
