//! Proof of consent for cookie-charter (spec §13).
//!
//! - [`Endpoint`]: the consent endpoint's whole logic behind one call, so that the middleware of
//!   every language stays thin: `handle(method, headers, body, now)` checks the request comes
//!   from the site, reads the choice, writes the record, and only then gives the consent cookie
//!   (signed when keys are configured) and the deletions of withdrawn cookies.
//! - [`record`]: the record (id, time, revision, choices, method, language, notice) and the
//!   notice it points to (the policy and the charter page as shown, with their SHA-256).
//! - [`store`]: the append-only, hash-chained log, in SQLite ([`SqliteStore`]) or PostgreSQL
//!   ([`PostgresStore`]), its verification and its purge by retention.
//! - [`export`]: ISO/IEC TS 27560 records and Kantara consent receipts.
//! - [`keys`]: the signing keys, from a file or the environment.
//!
//! ```
//! use cookie_charter::PolicyFormat;
//! use cookie_charter_records::{Endpoint, EndpointConfig, Retention, SqliteOptions, SqliteStore};
//!
//! let policy = r#"
//!     [site]
//!     name = "Example"
//!     url = "https://www.example.com"
//!     consent_cookie = "consent"
//!     [[cookies]]
//!     name = "consent"
//!     provider = "Example"
//!     service = "Consent banner"
//!     purpose = "necessary"
//!     description = "Remembers your choice"
//!     lifetime = "6 months"
//!     [[cookies]]
//!     name = "_ga"
//!     provider = "Google"
//!     service = "Analytics"
//!     purpose = "statistics"
//!     description = "Counts visits"
//!     lifetime = "13 months"
//! "#;
//! # let dir = tempfile::tempdir()?;
//! let store = SqliteStore::open(dir.path().join("consents.sqlite"), &SqliteOptions::default())?;
//! let config = EndpointConfig::new(Retention::parse("5 years")?);
//! let endpoint = Endpoint::with_store(policy, PolicyFormat::Toml, Box::new(store), config, 1_767_225_600)?;
//! let reply = endpoint.handle(
//!     "POST",
//!     &[("Origin", "https://www.example.com"), ("Content-Type", "application/x-www-form-urlencoded")],
//!     b"statistics=0",
//!     1_767_225_600,
//! );
//! assert_eq!(reply.status, 200);
//! assert!(reply.set_cookies().next().unwrap().starts_with("consent=v=1&rev=1&at=1767225600&statistics=0&_rid="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
pub mod body;
pub mod endpoint;
mod error;
pub mod export;
pub mod keys;
pub mod record;
pub mod store;

pub use endpoint::{Endpoint, EndpointConfig, Reply, SetupError};
pub use error::StoreError;
pub use record::{Anchor, Client, Digest, Method, NewRecord, Notice, Record};
#[cfg(feature = "postgres")]
pub use store::PostgresStore;
pub use store::{
    Copied, Durability, OpenOptions, Purged, Retention, SqliteOptions, SqliteStore, Stats, Store,
    Verification, copy, open, open_with, purge, verify,
};
