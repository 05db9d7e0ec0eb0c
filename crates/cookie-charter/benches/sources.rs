//! Consent sources (spec §11): reading the consent from a realistic ~1 KB `Cookie` header that
//! holds a vanilla-cookieconsent v3 cookie (`cc_cookie`, percent-encoded JSON) or a OneTrust
//! cookie (`OptanonConsent` form-encoded, with `OptanonAlertBoxClosed`), beside a header of the
//! same length holding the engine's own cookie, read without sources (the default) and through a
//! declared `cookie-charter` source. The target: a banner's cookie costs at most twice the
//! engine's own.
//!
//! Run: `cargo bench -p cookie-charter --bench sources`
//!
//! Instruction counts, which a loaded machine does not move: `SOURCES_COUNT=<case>:<n>` (case
//! `own`, `listed`, `cc` or `onetrust`) reads that case's header `n` times and exits, without
//! criterion; run it under `valgrind --tool=callgrind` for two values of `n` and divide the
//! difference of the totals by the difference of the `n`s.

// A benchmark stops loudly when its fixture is broken, as a test does.
#![allow(clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use cookie_charter::{ConsentState, Policy};
use criterion::{Criterion, criterion_group, criterion_main};

const NOW: u64 = 1_767_225_600;

/// The cookies a visitor holds besides the consent: session, CSRF, analytics, ads, A/B test,
/// cart and preference cookies as real sites send them (about 700 bytes).
const OTHERS: &str = "sessionid=8f14e45fceea167a5a36dedd4bea2543; csrftoken=Zx3vQf9T2kLmN8pR4sW6yB1cD5eG7hJ0Zx3vQf9T2kLmN8pR; _ga=GA1.2.1234567890.1767200000; _ga_ABC123XYZ=GS1.1.1767200000.3.1.1767200500.0.0.0; _gid=GA1.2.987654321.1767200000; _fbp=fb.1.1767200000000.1234567890; _gcl_au=1.1.1234567890.1767200000; IDE=AHWqTUm8s2kLmN8pR4sW6yB1cD5eG7hJ0AHWqTUm8s2; ab_test=variant-b; cart=3x-sku-1234%2C1x-sku-9876; theme=dark; lang=fr; _hjSessionUser_123456=eyJpZCI6IjEyMzQ1Njc4LWFiY2QtNTY3OC1lZmdoLTEyMzQ1Njc4OTBhYiIsImNyZWF0ZWQiOjE3NjcyMDAwMDAwMDB9; _hjSession_123456=eyJpZCI6ImFiY2RlZiIsImMiOjE3NjcyMDAwMDAwMDB9";

/// vanilla-cookieconsent v3's value, as `encodeURIComponent(JSON.stringify(value))` writes it.
const CC_COOKIE: &str = "%7B%22categories%22%3A%5B%22necessary%22%2C%22analytics%22%2C%22marketing%22%5D%2C%22revision%22%3A1%2C%22data%22%3Anull%2C%22consentTimestamp%22%3A%222025-12-20T19%3A02%3A36.823Z%22%2C%22consentId%22%3A%2212fd04af-5e1c-4b8e-9a57-3c1f5f0e2d11%22%2C%22services%22%3A%7B%22necessary%22%3A%5B%5D%2C%22analytics%22%3A%5B%22ga%22%5D%2C%22marketing%22%3A%5B%5D%7D%2C%22languageCode%22%3A%22en%22%2C%22lastConsentTimestamp%22%3A%222025-12-20T19%3A02%3A36.823Z%22%2C%22expirationTime%22%3A1782481356823%7D";

/// OneTrust's two cookies, as the banner writes them.
const ONETRUST: &str = "OptanonConsent=isGpcEnabled=0&datestamp=Sat+Dec+20+2025+20%3A02%3A36+GMT%2B0100+(Central+European+Standard+Time)&version=202509.1.0&browserGpcFlag=0&isIABGlobal=false&hosts=&consentId=7f3cf16d-6d2a-4e1f-9b7e-2a1c5e8f9d00&interactionCount=1&isAnonUser=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0%2CC0005%3A0&geolocation=FR%3BIDF&AwaitingReconsent=false; OptanonAlertBoxClosed=2025-12-20T19:02:36.823Z";

/// The engine's own cookie.
const OWN: &str = "consent=v=1&rev=1&at=1767200000&statistics=1&marketing=0&preferences=0";

fn policy(sources: &str) -> Policy {
    let text = format!(
        r#"[site]
name = "Bench"
url = "https://www.example.com"
consent_cookie = "consent"
{sources}
[purposes.statistics]
label = "Statistics"
[purposes.marketing]
label = "Marketing"
[purposes.preferences]
label = "Preferences"
[[cookies]]
name = "_ga"
provider = "P"
service = "S"
purpose = "statistics"
description = "D"
lifetime = "13 months"
[[cookies]]
name = "_fbp"
provider = "P"
service = "S"
purpose = "marketing"
description = "D"
lifetime = "3 months"
[[cookies]]
name = "theme"
provider = "P"
service = "S"
purpose = "preferences"
description = "D"
lifetime = "1 year"
"#
    );
    Policy::from_toml(&text).expect("the bench policy loads")
}

fn bench(c: &mut Criterion) {
    let own = policy("");
    let listed = policy("[[site.consent_sources]]\nformat = \"cookie-charter\"\n");
    let cc = policy(
        "[[site.consent_sources]]\nformat = \"cookieconsent\"\npurposes = { statistics = [\"analytics\"], marketing = [\"marketing\"], preferences = [\"preferences\"] }\n",
    );
    let onetrust = policy(
        "[[site.consent_sources]]\nformat = \"onetrust\"\npurposes = { statistics = [\"C0002\"], marketing = [\"C0004\", \"C0005\"], preferences = [\"C0003\"] }\n",
    );
    // The consent cookie in the middle of the header, as browsers order by path and age.
    let middle = OTHERS
        .match_indices("; ")
        .map(|(i, _)| i + 2)
        .find(|i| *i >= OTHERS.len() / 2)
        .expect("a cookie boundary");
    let (first, last) = OTHERS.split_at(middle);
    let cc_header = format!("{first}cc_cookie={CC_COOKIE}; {last}");
    let onetrust_header = format!("{first}{ONETRUST}; {last}");
    // The engine's own cookie in a header of the same length: a site cookie fills the rest.
    let filler = "x".repeat(cc_header.len() - OTHERS.len() - OWN.len() - "; uid=; ".len());
    let own_header = format!("{first}{OWN}; uid={filler}; {last}");
    assert_eq!(own_header.len(), cc_header.len());
    for (name, policy, header) in [
        ("own", &own, &own_header),
        ("listed", &listed, &own_header),
        ("cc", &cc, &cc_header),
        ("onetrust", &onetrust, &onetrust_header),
    ] {
        let consent = policy.consent_from_cookie_header(header);
        let state = policy.consent_state("statistics", &consent, NOW);
        assert_eq!(state, Some(ConsentState::Granted), "{name}: {consent:?}");
        assert!(
            (1000..1200).contains(&header.len()),
            "{name}: {} bytes",
            header.len()
        );
        println!("{name}: a Cookie header of {} bytes", header.len());
    }
    if let Ok(spec) = std::env::var("SOURCES_COUNT") {
        let (case, n) = spec.split_once(':').expect("SOURCES_COUNT is <case>:<n>");
        let n: u64 = n.parse().expect("SOURCES_COUNT's n is a number");
        let (policy, header) = match case {
            "own" => (&own, &own_header),
            "listed" => (&listed, &own_header),
            "cc" => (&cc, &cc_header),
            "onetrust" => (&onetrust, &onetrust_header),
            _ => panic!("unknown case `{case}`"),
        };
        for _ in 0..n {
            black_box(policy.consent_from_cookie_header(black_box(header)));
        }
        std::process::exit(0);
    }
    let mut group = c.benchmark_group("consent from a ~1 KB Cookie header");
    group.bench_function("engine's own cookie, no sources (default)", |b| {
        b.iter(|| own.consent_from_cookie_header(black_box(&own_header)));
    });
    group.bench_function("engine's own cookie, as a declared source", |b| {
        b.iter(|| listed.consent_from_cookie_header(black_box(&own_header)));
    });
    group.bench_function("vanilla-cookieconsent v3 (cc_cookie)", |b| {
        b.iter(|| cc.consent_from_cookie_header(black_box(&cc_header)));
    });
    group.bench_function("OneTrust (OptanonConsent + OptanonAlertBoxClosed)", |b| {
        b.iter(|| onetrust.consent_from_cookie_header(black_box(&onetrust_header)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
