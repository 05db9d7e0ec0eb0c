//! Loads arbitrary bytes as a TOML policy: no panic; an error has a code and a location.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match cookie_charter::Policy::from_toml(&text) {
        Ok(policy) => {
            let consent = cookie_charter::Consent::default();
            for cookie in policy.cookies() {
                let name = cookie.name.replace('*', "x");
                assert!(policy.declaration(&name).is_some());
                let _ = policy.decide(&name, &consent, 0);
            }
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            assert!(e.location().is_some() || e.code() == "too_large");
        }
    }
});
