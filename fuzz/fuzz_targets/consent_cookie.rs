//! Reads arbitrary bytes as a consent cookie: no panic; a valid consent round-trips, an invalid
//! one is no consent with one of the five problem codes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let consent = cookie_charter::Consent::from_cookie(&text);
    match consent.problem() {
        Some(problem) => {
            assert!(matches!(
                problem.code(),
                "absent" | "oversized" | "malformed" | "duplicate_key" | "unknown_version"
            ));
            assert_eq!(consent.choices().count(), 0);
        }
        None => {
            let cookie = consent.to_cookie();
            assert_eq!(cookie_charter::Consent::from_cookie(&cookie), consent);
        }
    }
});
