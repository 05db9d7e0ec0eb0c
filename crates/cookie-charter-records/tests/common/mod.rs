//! What the integration tests share: a policy, requests, stores (SQLite in a temporary
//! directory; PostgreSQL when `test.sh` started a server and set `COOKIE_CHARTER_TEST_POSTGRES`).

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicU32, Ordering};

use cookie_charter::PolicyFormat;
use cookie_charter_records::{Endpoint, EndpointConfig, Reply, Retention};

pub const NOW: u64 = 1_767_225_600;
pub const ORIGIN: &str = "https://www.example.com";

pub const POLICY: &str = r#"
[site]
name = { fr = "Exemple", en = "Example" }
url = "https://www.example.com"
consent_cookie = "consent"
languages = ["fr", "en"]

[purposes.marketing]
label = { fr = "Publicité", en = "Advertising" }

[[cookies]]
name = "consent"
provider = "Example"
service = "Bandeau"
purpose = "necessary"
description = "Garde votre choix"
lifetime = "6 months"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Compte les visites"
lifetime = "13 months"

[[cookies]]
name = "_fbp"
provider = "Meta"
service = "Pixel"
purpose = "marketing"
description = "Publicité ciblée"
lifetime = "3 months"
domain = "facebook.com"
"#;

/// A consent signing key line.
pub const KEY: &str = "k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

pub fn config() -> EndpointConfig {
    EndpointConfig::new(Retention::parse("5 years").unwrap())
}

pub fn signed_config() -> EndpointConfig {
    EndpointConfig {
        keys: Some(cookie_charter::ConsentKeys::parse(KEY).unwrap()),
        ..config()
    }
}

pub fn endpoint(address: &str, config: EndpointConfig) -> Endpoint {
    Endpoint::new(POLICY, PolicyFormat::Toml, address, config, NOW).unwrap()
}

/// A same-origin form post.
pub fn post(endpoint: &Endpoint, body: &str, extra: &[(&str, &str)], now: u64) -> Reply {
    let mut headers = vec![
        ("Origin", ORIGIN),
        ("Sec-Fetch-Site", "same-origin"),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    headers.extend_from_slice(extra);
    endpoint.handle("POST", &headers, body.as_bytes(), now)
}

/// The JSON body of a reply.
pub fn json(reply: &Reply) -> serde_json::Value {
    serde_json::from_str(&reply.body).unwrap()
}

/// The PostgreSQL server `test.sh` started (`postgres://…/postgres`), if any.
pub fn postgres_admin() -> Option<String> {
    std::env::var("COOKIE_CHARTER_TEST_POSTGRES").ok()
}

static DATABASES: AtomicU32 = AtomicU32::new(0);

/// A fresh PostgreSQL database on the test server: its address.
pub fn postgres_database(tag: &str) -> Option<String> {
    let admin = postgres_admin()?;
    let name = format!(
        "cc_{tag}_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// Says a PostgreSQL test did not run.
pub fn skipped(test: &str) {
    eprintln!("{test}: skipped, no PostgreSQL server (run crates/cookie-charter-records/test.sh)");
}
