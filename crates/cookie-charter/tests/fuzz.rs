//! Stable-Rust fuzzing of every parser: the policy (TOML and JSON), the consent cookie, the
//! `Cookie` request header, `Set-Cookie` values and IAB TCF TC strings.
//!
//! Each test replays the committed seed corpus of `fuzz/corpus/<target>/`, then runs
//! [`fuzz_gen::DEFAULT_CASES`] generated inputs (structure-aware mutations of the seeds, and
//! random bytes), checking that nothing panics and that the invariants of the parser hold. The
//! seed of the run is printed (`cargo test -- --nocapture` shows it) and `FUZZ_SEED=<seed>`
//! replays a run; `FUZZ_CASES=<n>` changes the count. Long campaigns with coverage guidance use
//! the cargo-fuzz targets of `fuzz/` (see `fuzz/README.md`).

// Test code: a broken invariant stops loudly, and indexing into known-size data is fine here.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/fuzz_gen.rs"]
mod fuzz_gen;

use std::panic::{AssertUnwindSafe, catch_unwind};

use cookie_charter::limits::{MAX_BROWSER_LIFETIME_SECS, MAX_CONSENT_BYTES, MAX_TC_STRING_BYTES};
use cookie_charter::tcf::VendorSet;
use cookie_charter::{
    Consent, ConsentState, ErrorKind, Format, HeaderProblem, Location, MAX_NAME_VALUE_BYTES, Party,
    Policy, Problem, Rule, SetCookie, SourceFormat, TcErrorKind, TcString, parse_cookie_header,
};
use fuzz_gen::{Rng, corpus, mutate, run_cases, run_seed, text};

/// The fixed clock of the checks.
const NOW: u64 = 1_700_000_100;

/// A policy with a denied cookie, a third-party one, a pattern and a catch-all, clamping
/// lifetimes: the filter and purge checks run against it.
const POLICY: &str = r#"
[site]
name = "Fuzz"
url = "https://www.example.co.uk"
consent_cookie = "consent"
clamp_lifetimes = true
[purposes.marketing]
label = "Marketing"
[[cookies]]
name = "consent"
provider = "Example"
service = "Banner"
purpose = "necessary"
description = "The choice"
lifetime = "6 months"
[[cookies]]
name = "a"
provider = "Ads"
service = "Ads"
purpose = "marketing"
description = "Denied without consent"
lifetime = "1 day"
path = "/shop"
[[cookies]]
name = "_ga*"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Visits"
lifetime = "13 months"
[[cookies]]
name = "ads"
provider = "Ads"
service = "Ads"
purpose = "marketing"
description = "Third party"
lifetime = "30 days"
domain = "doubleclick.net"
[[cookies]]
name = "n*"
provider = "Example"
service = "Anything"
purpose = "necessary"
description = "Allowed"
lifetime = "1 year"
"#;

fn policy() -> Policy {
    Policy::from_toml(POLICY).unwrap()
}

fn consents() -> Vec<Consent> {
    vec![
        Consent::default(),
        Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=1&marketing=1"),
        Consent::from_cookie("v=1&rev=1&at=1700000000&statistics=0&marketing=0"),
    ]
}

/// Replays the corpus of `target`, then `run_cases()` mutations of it, through `check`; on a
/// panic, prints the seed, the case and the input before failing.
fn fuzz(target: &str, tokens: &[&[u8]], max_len: usize, mut check: impl FnMut(&[u8])) {
    let seeds = corpus(target);
    let seed = run_seed();
    let cases = run_cases();
    println!("fuzz {target}: seed {seed} (FUZZ_SEED={seed} replays), {cases} generated inputs");
    let mut run_one = |case: &str, input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| check(input))).is_err() {
            panic!(
                "fuzz {target}: {case} failed (FUZZ_SEED={seed}); input: {:?}",
                String::from_utf8_lossy(input)
            );
        }
    };
    for (i, input) in seeds.iter().enumerate() {
        run_one(&format!("corpus file {i}"), input);
    }
    let mut rng = Rng::new(seed);
    for i in 0..cases {
        let input = mutate(&mut rng, &seeds, tokens, max_len);
        run_one(&format!("generated input {i}"), &input);
    }
}

/// The five codes a consent problem may have.
const PROBLEM_CODES: [&str; 5] = [
    "absent",
    "oversized",
    "malformed",
    "duplicate_key",
    "unknown_version",
];

/// Whether every byte is an RFC 6265 cookie-octet.
fn is_cookie_octets(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E))
}

/// Asserts that `location` points inside `text` (after a byte-order mark, which loading strips).
fn assert_within(text: &str, location: Location) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(
        location.line >= 1 && location.line <= lines.len(),
        "line {} of {}",
        location.line,
        lines.len()
    );
    let columns = lines[location.line - 1].chars().count() + 1;
    assert!(
        location.column >= 1 && location.column <= columns,
        "column {} of {columns}",
        location.column
    );
}

/// A loaded policy or its error obey their invariants.
fn check_policy(input: &[u8], json: bool, render: bool) {
    let source = text(input);
    let loaded = if json {
        Policy::from_json(&source)
    } else {
        Policy::from_toml(&source)
    };
    let policy = match loaded {
        Err(e) => {
            assert!(ErrorKind::ALL.contains(&e.kind()));
            assert!(!e.message().is_empty(), "an error says what: {e:?}");
            assert!(!e.to_string().is_empty());
            match e.location() {
                Some(location) => assert_within(&source, location),
                None => assert_eq!(e.kind(), ErrorKind::TooLarge, "{e}"),
            }
            return;
        }
        Ok(policy) => policy,
    };
    for warning in policy.warnings() {
        assert!(!warning.code.is_empty() && !warning.message.is_empty());
        if let Some(location) = warning.location {
            assert_within(&source, location);
        }
    }
    for consent in consents() {
        for cookie in policy.cookies() {
            let name = cookie.name.replace('*', "x");
            let d = policy.decide(&name, &consent, NOW);
            assert_ne!(d.rule, Rule::Undeclared, "{name} is declared");
            assert_eq!(
                d.purpose,
                policy.declaration(&name).map(|c| c.purpose.as_str())
            );
            if cookie.purpose.as_str() == "necessary" {
                assert!(d.allowed);
                assert_eq!(d.consent_state, Some(ConsentState::Granted));
            }
            if cookie.party == Party::Third && d.consent_state != Some(ConsentState::Granted) {
                assert!(!d.allowed, "{name}: third party without consent");
            }
        }
        // A name no declaration matches (a catch-all `*` pattern matches everything).
        if policy.declaration("\u{0}undeclared;").is_none() {
            assert_eq!(
                policy.decide("\u{0}undeclared;", &consent, NOW),
                cookie_charter::Decision::UNDECLARED
            );
        }
        for purpose in policy.purposes_to_ask(&consent, NOW) {
            assert_ne!(purpose.as_str(), "necessary");
        }
    }
    if render {
        for lang in &policy.site().languages {
            let html = policy.render_charter(lang, Format::Html);
            assert!(!html.contains("<script"), "HTML output is escaped");
            assert!(!policy.render_charter(lang, Format::Markdown).is_empty());
        }
    }
}

#[test]
fn policy_toml_never_panics_and_errors_point_into_the_file() {
    let mut n = 0u32;
    fuzz("policy_toml", fuzz_gen::POLICY_TOKENS, 16 * 1024, |input| {
        n = n.wrapping_add(1);
        check_policy(input, false, n % 64 == 0);
    });
}

#[test]
fn policy_json_never_panics_and_errors_point_into_the_file() {
    let mut n = 0u32;
    fuzz("policy_json", fuzz_gen::POLICY_TOKENS, 16 * 1024, |input| {
        n = n.wrapping_add(1);
        check_policy(input, true, n % 64 == 0);
    });
}

/// A consent cookie value gives a usable consent that round-trips, or no consent and one of
/// the five problems.
fn check_consent(policy: &Policy, input: &[u8]) {
    let value = text(input);
    let consent = Consent::from_cookie(&value);
    match consent.problem() {
        Some(problem) => {
            assert!(PROBLEM_CODES.contains(&problem.code()), "{problem:?}");
            assert_eq!(consent.choices().count(), 0);
            assert_eq!(consent.to_cookie(), "");
            if value.is_empty() {
                assert_eq!(problem, Problem::Absent);
            }
            if value.len() > MAX_CONSENT_BYTES {
                assert_eq!(problem, Problem::Oversized);
            }
        }
        None => {
            assert!(!value.is_empty() && value.len() <= MAX_CONSENT_BYTES);
            let cookie = consent.to_cookie();
            assert!(is_cookie_octets(&cookie), "{cookie:?}");
            assert_eq!(Consent::from_cookie(&cookie), consent);
            for (purpose, _) in consent.choices() {
                assert!(value.contains(&format!("{}=", purpose.as_str())));
            }
        }
    }
    if let Some(problem) = consent.problem_at(NOW) {
        assert!(PROBLEM_CODES.contains(&problem.code()));
    }
    // Locality: each purpose's state comes from its own choice only, `necessary` is granted.
    for purpose in policy.purposes() {
        let state = policy.consent_state(purpose.id.as_str(), &consent, NOW);
        if purpose.id.as_str() == "necessary" {
            assert_eq!(state, Some(ConsentState::Granted));
        } else if !consent.is_usable(NOW) || consent.choice(purpose.id.as_str()).is_none() {
            assert_eq!(state, Some(ConsentState::Unset));
        }
    }
    for name in ["a", "ads", "_ga", "consent", "nx"] {
        let d = policy.decide(name, &consent, NOW);
        assert_eq!(
            d.allowed,
            d.rule == Rule::Necessary || d.consent_state == Some(ConsentState::Granted),
            "{name}: {d:?}"
        );
    }
}

#[test]
fn consent_cookie_never_panics_and_gives_one_of_five_problems() {
    let policy = policy();
    fuzz(
        "consent_cookie",
        fuzz_gen::CONSENT_TOKENS,
        6 * 1024,
        |input| {
            check_consent(&policy, input);
        },
    );
}

/// The pairs of a `Cookie` header, the consent read from it and the purge of it obey their
/// invariants.
fn check_cookie_header(policy: &Policy, consents: &[Consent], input: &[u8]) {
    let header = text(input);
    let pairs: Vec<_> = parse_cookie_header(&header).collect();
    for pair in &pairs {
        assert!(!pair.name.contains(';') && !pair.value.contains(';'));
        assert!(!pair.name.contains('='));
        // A piece without `=` is a nameless cookie with a value (a lone `=` gives both empty).
        assert!(!pair.name.is_empty() || !pair.value.is_empty() || header.contains('='));
        for part in [pair.name, pair.value] {
            assert_eq!(part, part.trim_matches([' ', '\t']), "trimmed");
            assert!(header.contains(part));
        }
    }
    // The consent: the one value of the consent cookies, or fail closed when they disagree.
    let consent = policy.consent_from_cookie_header(&header);
    let values: Vec<&str> = pairs
        .iter()
        .filter(|p| p.name == "consent")
        .map(|p| p.value)
        .collect();
    match values.first() {
        None => assert_eq!(consent.problem(), Some(Problem::Absent)),
        Some(first) if values.iter().all(|v| v == first) => {
            assert_eq!(consent, Consent::from_cookie(first));
        }
        Some(_) => {
            assert_eq!(consent.problem().map(Problem::code), Some("malformed"));
            assert_eq!(consent.choices().count(), 0);
        }
    }
    if let Some(problem) = consent.problem() {
        assert!(PROBLEM_CODES.contains(&problem.code()));
    }
    for consent in consents.iter().chain([&consent]) {
        let purged = policy.purge(&header, consent, NOW);
        for (i, p) in purged.iter().enumerate() {
            assert!(!p.decision.allowed);
            assert!(!p.headers.is_empty());
            assert!(
                purged[..i].iter().all(|q| q.cookie != p.cookie),
                "listed once"
            );
            assert!(pairs.iter().any(|pair| pair.name == p.cookie));
            for deletion in &p.headers {
                assert!(!deletion.contains(['\r', '\n', '\0']), "{deletion:?}");
                let cookie = SetCookie::parse(deletion).unwrap();
                assert_eq!(cookie.name, p.cookie, "{deletion:?}");
                assert_eq!(cookie.value, "");
                assert_eq!(cookie.max_age(), Some(0));
            }
        }
        // Every named, writable cookie that is not allowed is purged.
        for pair in &pairs {
            let writable = !pair.name.is_empty()
                && pair.name.len() <= MAX_NAME_VALUE_BYTES
                && !pair
                    .name
                    .bytes()
                    .any(|b| b < 0x20 || b == 0x7F || b == b';');
            if writable && !policy.decide(pair.name, consent, NOW).allowed {
                assert!(purged.iter().any(|p| p.cookie == pair.name), "{pair:?}");
            }
        }
    }
}

#[test]
fn cookie_header_never_panics_and_purges_only_safe_names() {
    let policy = policy();
    let consents = consents();
    fuzz(
        "cookie_header",
        fuzz_gen::HEADER_TOKENS,
        8 * 1024,
        |input| {
            check_cookie_header(&policy, &consents, input);
        },
    );
}

/// Whether a byte is a control character browsers refuse in a cookie line.
fn is_forbidden_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// One `Set-Cookie` value parses into a clean name, and the filter keeps it only under an
/// allowed name, unchanged or clamped under the same name.
fn check_set_cookie(policy: &Policy, consents: &[Consent], header: &str) {
    match SetCookie::parse(header) {
        Ok(cookie) => {
            assert!(!header.bytes().any(is_forbidden_control));
            for part in [cookie.name, cookie.value] {
                assert!(!part.contains(';'));
                assert_eq!(part, part.trim_matches([' ', '\t']), "trimmed");
            }
            assert!(!cookie.name.contains('='));
            assert!(!(cookie.name.is_empty() && cookie.value.is_empty()));
            assert!(cookie.name.len() + cookie.value.len() <= MAX_NAME_VALUE_BYTES);
            for attribute in cookie.attributes() {
                assert!(attribute.start <= attribute.end && attribute.end <= header.len());
                let raw = &header[attribute.start..attribute.end];
                assert!(!raw.contains(';') && raw.contains(attribute.name));
            }
            let _ = (cookie.lifetime(NOW), cookie.expires(), cookie.domain());
            let _ = (
                cookie.path(),
                cookie.secure(),
                cookie.http_only(),
                cookie.same_site(),
            );
        }
        Err(HeaderProblem::ControlCharacter) => {
            assert!(header.bytes().any(is_forbidden_control));
        }
        Err(HeaderProblem::Empty) => {
            let pair = header.split(';').next().unwrap_or_default();
            assert!(pair.bytes().all(|b| b == b' ' || b == b'\t' || b == b'='));
        }
        Err(problem) => assert_eq!(
            problem,
            HeaderProblem::TooLarge,
            "parse never says {problem}"
        ),
    }
    let parsed_name = SetCookie::parse(header).ok().map(|c| c.name);
    for consent in consents {
        let filtered = policy.filter_set_cookies([header], consent, NOW);
        assert_eq!(filtered.kept.len() + filtered.dropped.len(), 1);
        if let Some(kept) = filtered.kept.first() {
            let name = parsed_name.unwrap_or_default();
            assert!(!name.is_empty());
            // Kept means allowed, or a header that only deletes its cookie (it stores nothing).
            let deletes = SetCookie::parse(header)
                .ok()
                .and_then(|c| c.lifetime(NOW))
                .is_some_and(|seconds| seconds <= 0);
            assert!(deletes || policy.decide(name, consent, NOW).allowed);
            if kept.as_ref() != header {
                // Clamped: same name, a lifetime within the declaration and 400 days.
                let clamped = SetCookie::parse(kept).unwrap();
                assert_eq!(clamped.name, name);
                let limit = policy
                    .declaration(name)
                    .and_then(|d| d.lifetime.seconds())
                    .map(|s| s.min(MAX_BROWSER_LIFETIME_SECS));
                match (clamped.lifetime(NOW), limit) {
                    (Some(t), Some(limit)) => {
                        assert!(u64::try_from(t).is_ok_and(|t| t <= limit), "{kept}");
                    }
                    (t, None) => assert_eq!(t, None, "a session cookie stays one: {kept}"),
                    (None, Some(_)) => {}
                }
            }
        } else {
            let dropped = &filtered.dropped[0];
            assert!(!dropped.decision.allowed);
            assert_eq!(dropped.header, header);
            match dropped.cookie {
                Some(name) => {
                    assert_eq!(Some(name), parsed_name);
                    assert!(!name.is_empty());
                    assert_eq!(dropped.problem, None);
                }
                None => assert!(dropped.problem.is_some()),
            }
        }
    }
}

#[test]
fn set_cookie_never_panics_and_the_filter_keeps_only_allowed_names() {
    let policy = policy();
    let consents = consents();
    let mut rng = Rng::new(run_seed() ^ 0xF17E);
    let mut batch: Vec<String> = Vec::new();
    fuzz("set_cookie", fuzz_gen::HEADER_TOKENS, 6 * 1024, |input| {
        // Half of the inputs are mutated seeds, half are built from tricky pieces.
        let header = if rng.chance(50) {
            text(input)
        } else {
            fuzz_gen::set_cookie_header(&mut rng)
        };
        check_set_cookie(&policy, &consents, &header);
        // Every 32 inputs, filter them together: order kept, each header kept or dropped once.
        batch.push(header);
        if batch.len() == 32 {
            let consent = &consents[1];
            let filtered =
                policy.filter_set_cookies(batch.iter().map(String::as_str), consent, NOW);
            assert_eq!(filtered.kept.len() + filtered.dropped.len(), batch.len());
            let dropped: Vec<&str> = filtered.dropped.iter().map(|d| d.header).collect();
            let mut kept = filtered.kept.iter();
            let mut next_dropped = dropped.iter().peekable();
            for header in &batch {
                if next_dropped
                    .peek()
                    .is_some_and(|d| std::ptr::eq(**d, header.as_str()))
                {
                    next_dropped.next();
                } else {
                    let k = kept.next().expect("a kept header in order");
                    assert_eq!(
                        SetCookie::parse(k).map(|c| c.name),
                        SetCookie::parse(header).map(|c| c.name)
                    );
                }
            }
            batch.clear();
        }
    });
}

/// Pieces of TC strings: segment separators and segment-type prefixes, the first characters of
/// versions 1 and 2, runs of zero and one bits, and bytes outside base64url.
const TC_TOKENS: &[&[u8]] = &[
    b".",
    b"C",
    b"B",
    b"A",
    b"I",
    b"Q",
    b"Y",
    b"g",
    b"AAAA",
    b"____",
    b"///",
    b"-_",
    b"=",
    b"+",
    b" ",
    b"..",
    b"\xc3\xa9",
];

/// Whether `b` may appear in a TC string (base64url or the segment separator).
fn is_tc_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// The ids of a vendor set lie in 1..=max and agree with `contains` and `len`.
fn check_vendor_set(set: VendorSet<'_>, declared_max: bool) {
    let ids: Vec<u16> = set.iter().collect();
    assert_eq!(ids.len(), set.len());
    assert_eq!(ids.is_empty(), set.is_empty());
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ascending");
    assert!(!set.contains(0));
    for &id in &ids {
        assert!(id >= 1 && set.contains(id));
        if declared_max {
            assert!(id <= set.max_vendor_id(), "{id} > {}", set.max_vendor_id());
        }
    }
    if !declared_max {
        assert_eq!(set.max_vendor_id(), ids.last().copied().unwrap_or(0));
    }
}

/// A TC string decodes into values that obey the format, or fails with a typed error that says
/// where; decoding is deterministic.
fn check_tc_string(input: &[u8]) {
    let source = text(input);
    let decoded = TcString::decode(&source);
    assert_eq!(decoded, TcString::decode(&source), "deterministic");
    match decoded {
        Ok(tc) => {
            assert!(source.len() <= MAX_TC_STRING_BYTES);
            assert!(source.bytes().all(is_tc_byte), "{source:?}");
            let core = tc.core();
            assert_eq!(core.version(), 2);
            assert_eq!(core.consent_language().len(), 2);
            assert_eq!(core.publisher_country_code().len(), 2);
            if core.policy_version() >= 4 {
                assert!((3..=6).all(|p| !core.purpose_legitimate_interest(p)));
            }
            assert!(core.purpose_consents().all(|id| (1..=24).contains(&id)));
            check_vendor_set(core.vendor_consents(), true);
            check_vendor_set(core.vendor_legitimate_interests(), true);
            for restriction in core.publisher_restrictions() {
                assert!(restriction.restriction_type().code() <= 2);
                check_vendor_set(restriction.vendors(), false);
            }
            for set in [tc.disclosed_vendors(), tc.allowed_vendors()]
                .into_iter()
                .flatten()
            {
                check_vendor_set(set, true);
            }
            let json: serde_json::Value = serde_json::from_str(&tc.to_json()).unwrap();
            assert_eq!(json["version"], 2);
        }
        Err(e) => {
            assert!(TcErrorKind::ALL.contains(&e.kind()));
            assert!(e.to_string().starts_with(e.code()), "{e}");
            assert_eq!(e.kind() == TcErrorKind::Empty, source.is_empty());
            assert_eq!(
                e.kind() == TcErrorKind::TooLarge,
                source.len() > MAX_TC_STRING_BYTES
            );
            if e.kind() == TcErrorKind::InvalidBase64 {
                let at = e.position().unwrap();
                assert!(!is_tc_byte(source.as_bytes()[at]), "{e}");
                assert!(source.as_bytes()[..at].iter().copied().all(is_tc_byte));
            }
            if let Some(core) = e.partial() {
                assert_eq!(core.version(), 2);
            }
        }
    }
}

#[test]
fn tc_string_never_panics_and_errors_say_where() {
    fuzz("tc_string", TC_TOKENS, 4 * 1024, check_tc_string);
}

/// Pieces of the banners' cookie values: escapes (good, truncated, of control bytes and of
/// bytes that are not UTF-8), JSON and object-literal punctuation, their words, base64.
const SOURCE_TOKENS: &[&[u8]] = &[
    b"%",
    b"%2",
    b"%7B",
    b"%7D",
    b"%22",
    b"%2C",
    b"%3A",
    b"%27",
    b"%3D",
    b"%00",
    b"%FF",
    b"%C3%A9",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b"!",
    b"/",
    b"+",
    b"==",
    b"true",
    b"false",
    b"null",
    b"wait",
    b"yes",
    b"no",
    b"allow",
    b"deny",
    b"1",
    b"0",
    b"-1",
    b"\\u0000",
    b"\"$$completed\":true",
    b"action:yes",
    b"method:%27implied%27",
    b"AwaitingReconsent=true",
    b"OptanonAlertBoxClosed=2025-01-01T00:00:00.000Z; ",
    b"\"enabled\":[",
    b"\"disabled\":[",
    b"eyJ",
    b"[[[[[[[[[[[[[[[[[[",
];

/// The policy of a format's vector file, `tests/vectors/consent-sources/<format>.json`, whose
/// cases are the seeds of the `consent_source` corpus.
fn source_policy(format: &str) -> Policy {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../../tests/vectors/consent-sources/{format}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    Policy::from_json(&file["policy"].to_string()).unwrap()
}

/// Everything a key could be read from: the header as sent, percent-decoded (`+` kept and as a
/// space) and each of its values base64-decoded (lossily: this only has to contain the truth).
fn haystack(header: &str) -> String {
    use base64::Engine as _;
    let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let decoded = lossy(&percent_encoding::percent_decode_str(header).collect::<Vec<u8>>());
    let mut hay = format!("{header}\n{decoded}\n{}", decoded.replace('+', " "));
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    for pair in parse_cookie_header(header) {
        let value = lossy(&percent_encoding::percent_decode_str(pair.value).collect::<Vec<u8>>());
        if let Ok(bytes) = engine.decode(value.as_bytes()) {
            hay.push('\n');
            hay.push_str(&lossy(&bytes));
        }
    }
    hay
}

/// A `Cookie` header read through a policy's consent sources: no panic, the same consent twice,
/// one of the five problems and then no choice, the deciding source named, `necessary`
/// granted, and a granted purpose only when the value names every key mapped to it (a TC
/// string: when it decodes with consent for every mapped purpose).
fn check_source(policy: &Policy, input: &[u8]) {
    let header = text(input);
    let consent = policy.consent_from_cookie_header(&header);
    assert_eq!(
        consent,
        policy.consent_from_cookie_header(&header),
        "deterministic"
    );
    if let Some(problem) = consent.problem() {
        assert!(PROBLEM_CODES.contains(&problem.code()), "{problem:?}");
        assert_eq!(consent.choices().count(), 0);
    }
    let Some(decided) = consent.source() else {
        assert_eq!(consent.problem(), Some(Problem::Absent));
        assert_eq!(consent.choices().count(), 0);
        return;
    };
    let source = &policy.consent_sources()[decided.index];
    assert_eq!(source.format(), decided.format);
    assert_eq!(
        policy.consent_state("necessary", &consent, NOW),
        Some(ConsentState::Granted)
    );
    let mut hay: Option<String> = None;
    for (purpose, keys) in source.purposes() {
        let state = policy.consent_state(purpose.as_str(), &consent, NOW);
        for name in ["_ga", "ads_uid", "prefs"] {
            let d = policy.decide(name, &consent, NOW);
            if d.purpose == Some(purpose.as_str()) {
                assert_eq!(d.allowed, state == Some(ConsentState::Granted), "{name}");
            }
        }
        if state != Some(ConsentState::Granted) {
            continue;
        }
        assert!(consent.choice(purpose.as_str()).is_some());
        if source.format() == SourceFormat::Tcf {
            let value = parse_cookie_header(&header)
                .find(|p| p.name == source.cookie())
                .map(|p| p.value)
                .unwrap();
            let tc = TcString::decode(value).unwrap();
            for key in keys {
                assert!(tc.core().purpose_consent(key.parse().unwrap()), "{key}");
            }
            continue;
        }
        let hay = hay.get_or_insert_with(|| haystack(&header));
        for key in keys {
            let key = key.strip_prefix("vendor:").unwrap_or(key);
            for part in key.split('/') {
                assert!(
                    hay.contains(part),
                    "{purpose} granted without `{part}` in {header:?}"
                );
            }
        }
    }
}

/// One test per format: each replays its seeds of `fuzz/corpus/consent_source/` (a file's
/// first line names its format, the rest is a `Cookie` header), then `run_cases()` mutations of
/// them, against the policy of its vector file.
macro_rules! source_fuzz {
    ($($test:ident: $format:literal,)*) => {$(
        #[test]
        fn $test() {
            fuzz_source($format);
        }
    )*};
}

fn fuzz_source(format: &str) {
    let policy = source_policy(format);
    let seeds: Vec<Vec<u8>> = corpus("consent_source")
        .into_iter()
        .filter_map(|file| {
            let newline = file.iter().position(|b| *b == b'\n')?;
            (&file[..newline] == format.as_bytes()).then(|| file[newline + 1..].to_vec())
        })
        .collect();
    assert!(!seeds.is_empty(), "no seed for {format}");
    let seed = run_seed();
    let cases = run_cases();
    println!(
        "fuzz consent_source {format}: seed {seed} (FUZZ_SEED={seed} replays), {cases} generated inputs"
    );
    let run_one = |case: &str, input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| check_source(&policy, input))).is_err() {
            panic!(
                "fuzz consent_source {format}: {case} failed (FUZZ_SEED={seed}); input: {:?}",
                String::from_utf8_lossy(input)
            );
        }
    };
    for (i, input) in seeds.iter().enumerate() {
        run_one(&format!("seed {i}"), input);
    }
    let mut rng = Rng::new(seed);
    for i in 0..cases {
        let input = mutate(&mut rng, &seeds, SOURCE_TOKENS, 6 * 1024);
        run_one(&format!("generated input {i}"), &input);
    }
}

source_fuzz! {
    source_cookie_charter: "cookie-charter",
    source_tcf: "tcf",
    source_tarteaucitron: "tarteaucitron",
    source_klaro: "klaro",
    source_cookieconsent: "cookieconsent",
    source_cookiebot: "cookiebot",
    source_onetrust: "onetrust",
    source_didomi: "didomi",
    source_cookieyes: "cookieyes",
    source_complianz: "complianz",
    source_wp_consent: "wp_consent",
    source_axeptio: "axeptio",
    source_borlabs: "borlabs",
    source_iubenda: "iubenda",
}
