//! Reads arbitrary bytes as an IAB TCF TC string: no panic; a decoded string obeys the format
//! (version 2, no legitimate interest for purposes 3 to 6 under policy version 4 or later, vendor
//! ids within their maximum), an error starts with its stable code.
#![no_main]

use cookie_charter::{TcErrorKind, TcString};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match TcString::decode(&text) {
        Ok(tc) => {
            let core = tc.core();
            assert_eq!(core.version(), 2);
            if core.policy_version() >= 4 {
                assert!((3..=6).all(|p| !core.purpose_legitimate_interest(p)));
            }
            for set in [core.vendor_consents(), core.vendor_legitimate_interests()] {
                assert!(set.iter().all(|id| id >= 1 && id <= set.max_vendor_id()));
                assert_eq!(set.iter().count(), set.len());
            }
            assert!(tc.to_json().starts_with("{\"version\":2,"));
        }
        Err(e) => {
            assert!(TcErrorKind::ALL.contains(&e.kind()));
            assert!(e.to_string().starts_with(e.code()));
        }
    }
});
