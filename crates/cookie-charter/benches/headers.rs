//! Headers: `filter_set_cookies` on a response's 10 `Set-Cookie` headers beside a naive filter
//! (split at the first `=`, look the name up in a `HashMap`), `Cookie` header parsing beside a
//! naive split, reading the consent cookie from a `Cookie` header, and `purge`.
//!
//! Run: `cargo bench -p cookie-charter --bench headers`

// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(clippy::expect_used, clippy::panic)]

#[path = "support/inventory.rs"]
#[allow(dead_code)]
mod inventory;

use std::collections::HashMap;
use std::hint::black_box;

use cookie_charter::{Consent, Policy, parse_cookie_header};
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: u64 = 1_700_000_100;
const CONSENT: &str = "v=1&rev=1&at=1700000000&statistics=1&marketing=0&preferences=1";

/// A response's `Set-Cookie` headers: necessary, statistics, marketing and undeclared cookies,
/// with the attributes real sites send.
const SET_COOKIES: [&str; 10] = [
    "sessionid=8f14e45fceea167a5a36dedd4bea2543; Path=/; HttpOnly; Secure; SameSite=Lax",
    "csrftoken=Zx3vQf9T2kLmN8pR4sW6yB1cD5eG7hJ0; Max-Age=31449600; Path=/; SameSite=Lax",
    "_ga=GA1.2.1234567890.1700000000; Max-Age=63072000; Path=/; Domain=example.com",
    "_ga_ABC123XYZ=GS1.1.1700000000.1.0.1700000000.0.0.0; Max-Age=63072000; Path=/",
    "_fbp=fb.1.1700000000000.1234567890; Max-Age=7776000; Path=/; Domain=.example.com",
    "IDE=AHWqTUm8s2; Expires=Fri, 01 Jan 2038 00:00:00 GMT; Path=/; Secure; SameSite=None",
    "theme=dark; Max-Age=31536000; Path=/",
    "cart=3x-sku-1234; Path=/; HttpOnly",
    "tracker_uid=abc123; Max-Age=31536000; Path=/",
    "_pk_id.1.a1b2=0123456789abcdef.1700000000.; Max-Age=33696000; Path=/",
];

/// The `Cookie` header of a visitor holding 10 cookies.
const COOKIE_HEADER: &str = "sessionid=8f14e45fceea167a5a36dedd4bea2543; csrftoken=Zx3vQf9T2kLmN8pR4sW6yB1cD5eG7hJ0; _ga=GA1.2.1234567890.1700000000; _ga_ABC123XYZ=GS1.1.1700000000.1.0; _fbp=fb.1.1700000000000.1234567890; IDE=AHWqTUm8s2; theme=dark; cart=3x-sku-1234; tracker_uid=abc123; cookies_preferences=v%3D1";

/// The hand-written filter: the name is what precedes the first `=`, trimmed; no validation.
fn naive_filter<'h>(
    headers: &[&'h str],
    allowed: &HashMap<String, bool>,
) -> (Vec<&'h str>, Vec<&'h str>) {
    let mut kept = Vec::with_capacity(headers.len());
    let mut dropped = Vec::new();
    for header in headers {
        let name = header.split_once('=').map_or("", |(n, _)| n.trim());
        if allowed.get(name).copied().unwrap_or(false) {
            kept.push(*header);
        } else {
            dropped.push(*header);
        }
    }
    (kept, dropped)
}

/// The hand-written `Cookie` header parser.
fn naive_cookie_header(header: &str) -> Vec<(&str, &str)> {
    header
        .split(';')
        .filter_map(|piece| piece.split_once('='))
        .map(|(n, v)| (n.trim(), v.trim()))
        .collect()
}

fn bench(c: &mut Criterion) {
    let text = inventory::policy_toml();
    let policy = Policy::from_toml(&text).expect("the bench policy loads");
    let clamping =
        Policy::from_toml(&text.replacen("[site]\n", "[site]\nclamp_lifetimes = true\n", 1))
            .expect("the clamping policy loads");
    let consent = Consent::from_cookie(CONSENT);
    // The naive filter's table: the decision of every name it will see, computed beforehand.
    let allowed: HashMap<String, bool> = SET_COOKIES
        .iter()
        .filter_map(|h| h.split_once('='))
        .map(|(n, _)| (n.to_owned(), policy.decide(n, &consent, NOW).allowed))
        .collect();

    // Both filters must agree before anything is timed.
    let filtered = policy.filter_set_cookies(SET_COOKIES, &consent, NOW);
    let (naive_kept, naive_dropped) = naive_filter(&SET_COOKIES, &allowed);
    let kept: Vec<&str> = filtered.kept.iter().map(AsRef::as_ref).collect();
    assert_eq!(kept, naive_kept);
    assert_eq!(filtered.dropped.len(), naive_dropped.len());
    assert!(!kept.is_empty() && !naive_dropped.is_empty());
    let clamped = clamping.filter_set_cookies(SET_COOKIES, &consent, NOW);
    // BENCHMARKS.md says 7 kept, 3 dropped, 2 rewritten by clamping and 3 cookies purged.
    assert_eq!((kept.len(), filtered.dropped.len()), (7, 3));
    let rewritten = clamped
        .kept
        .iter()
        .filter(|k| matches!(k, std::borrow::Cow::Owned(_)))
        .count();
    assert_eq!(rewritten, 2, "the clamping bench rewrites two headers");

    let mut group = c.benchmark_group("filter 10 Set-Cookie");
    group.throughput(criterion::Throughput::Elements(SET_COOKIES.len() as u64));
    group.bench_function("cookie-charter filter_set_cookies", |b| {
        b.iter(|| policy.filter_set_cookies(black_box(SET_COOKIES), &consent, NOW));
    });
    group.bench_function("cookie-charter filter_set_cookies, clamp_lifetimes", |b| {
        b.iter(|| clamping.filter_set_cookies(black_box(SET_COOKIES), &consent, NOW));
    });
    group.bench_function("naive split at = + HashMap", |b| {
        b.iter(|| naive_filter(black_box(&SET_COOKIES), &allowed));
    });
    group.finish();

    assert_eq!(
        parse_cookie_header(COOKIE_HEADER).count(),
        naive_cookie_header(COOKIE_HEADER).len()
    );
    let mut group = c.benchmark_group("parse a 10-cookie Cookie header");
    group.bench_function("cookie-charter parse_cookie_header", |b| {
        b.iter(|| parse_cookie_header(black_box(COOKIE_HEADER)).collect::<Vec<_>>());
    });
    group.bench_function("naive split", |b| {
        b.iter(|| naive_cookie_header(black_box(COOKIE_HEADER)));
    });
    group.finish();

    // The same header holding the consent cookie (named `cookies_preferences` in the inventory).
    let with_consent = COOKIE_HEADER.replace(
        "cookies_preferences=v%3D1",
        &format!("cookies_preferences={CONSENT}"),
    );
    assert_eq!(policy.consent_from_cookie_header(&with_consent), consent);
    c.bench_function("consent from a 10-cookie Cookie header", |b| {
        b.iter(|| policy.consent_from_cookie_header(black_box(&with_consent)));
    });

    let purged = policy.purge(COOKIE_HEADER, &consent, NOW);
    assert_eq!(purged.len(), 3, "the purge bench purges three cookies");
    assert_eq!(purged.iter().map(|p| p.headers.len()).sum::<usize>(), 9);
    c.bench_function("purge a 10-cookie Cookie header", |b| {
        b.iter(|| policy.purge(black_box(COOKIE_HEADER), &consent, NOW));
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
