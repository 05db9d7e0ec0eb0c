//! The documented limits of the engine. Each is enforced with a typed error, never a crash.
//!
//! # Examples
//!
//! ```
//! use cookie_charter::limits::{MAX_CONSENT_BYTES, MAX_POLICY_BYTES, MAX_TC_STRING_BYTES};
//! use cookie_charter::{Consent, ErrorKind, Policy, Problem, TcErrorKind, TcString};
//!
//! let huge_policy = " ".repeat(MAX_POLICY_BYTES + 1);
//! assert_eq!(Policy::from_toml(&huge_policy).unwrap_err().kind(), ErrorKind::TooLarge);
//! let huge_consent = format!("v=1&rev=1&at=0&x={}", "1".repeat(MAX_CONSENT_BYTES));
//! assert_eq!(Consent::from_cookie(&huge_consent).problem(), Some(Problem::Oversized));
//! let huge_tc = "A".repeat(MAX_TC_STRING_BYTES + 1);
//! assert_eq!(TcString::decode(&huge_tc).unwrap_err().kind(), TcErrorKind::TooLarge);
//! ```

/// Largest policy file accepted, in bytes (4 MiB).
pub const MAX_POLICY_BYTES: usize = 4 * 1024 * 1024;

/// Most cookie declarations in one policy.
pub const MAX_COOKIES: usize = 10_000;

/// Most purposes a policy declares under `[purposes]` (the built-ins come on top).
pub const MAX_PURPOSES: usize = 64;

/// Most languages in one policy.
pub const MAX_LANGUAGES: usize = 32;

/// Deepest nesting of tables and arrays in a policy file.
pub const MAX_DEPTH: usize = 16;

/// Longest cookie name or pattern in a declaration, in bytes.
pub const MAX_NAME_BYTES: usize = 256;

/// Longest text (label, description...) in a policy, in bytes.
pub const MAX_TEXT_BYTES: usize = 8 * 1024;

/// Largest consent cookie value accepted, in bytes; larger values give no consent. It applies to
/// the cookies of every consent source too (browsers store no cookie whose name and value are
/// over 4096 bytes, so no banner writes a larger one).
pub const MAX_CONSENT_BYTES: usize = 4096;

/// Browsers cap cookie lifetimes at 400 days (RFC 6265bis).
pub const MAX_BROWSER_LIFETIME_SECS: u64 = 400 * 86_400;

/// Longest IAB TCF TC string accepted, in bytes; longer strings are the `too_large` error
/// without being decoded.
pub const MAX_TC_STRING_BYTES: usize = 65_536;

/// Most consent sources a policy declares (`site.consent_sources`).
pub const MAX_CONSENT_SOURCES: usize = 16;

/// Most keys a consent source maps to purposes, all purposes together.
pub const MAX_SOURCE_KEYS: usize = 256;

/// Deepest nesting of arrays and objects in the JSON value of a consent source's cookie; deeper
/// values give no consent (`malformed`). No banner writes more than 4 levels (vanilla-cookieconsent
/// keeps site data of its own in `data`).
pub const MAX_SOURCE_JSON_DEPTH: usize = 16;
