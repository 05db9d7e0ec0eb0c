//! Property tests of the invariants of spec §3, the consent cookie codec of §5 and the name
//! matching of §4, on random policies written as TOML and JSON text.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::collections::BTreeMap;

use cookie_charter::{
    CNIL_MAX_STATISTICS_LIFETIME, Choice, Consent, ConsentState, Decision, Party, Policy, Profile,
    Rule, Signal,
};
use proptest::prelude::*;

const CASES: u32 = 10_000;
const NOW: u64 = 1_700_000_000;
const DAY: u64 = 86_400;

/// The purposes random policies and consents draw from; `videos` is never declared.
const POOL: [&str; 6] = [
    "necessary",
    "statistics",
    "preferences",
    "marketing",
    "social",
    "videos",
];
/// The purposes a policy may declare beyond the two built-in ones.
const DECLARABLE: [&str; 3] = ["preferences", "marketing", "social"];
const LIFETIMES: [&str; 6] = [
    "session",
    "1 day",
    "13 months",
    "390 days",
    "391 days",
    "2 years",
];
const MAX_AGES: [&str; 4] = ["1 day", "30 days", "6 months", "1 year"];

/// How a random cookie declaration says its party.
#[derive(Debug, Clone, Copy)]
enum PartyDecl {
    Omitted,
    First,
    Third,
    FirstDomain,
    ThirdDomain,
}

#[derive(Debug, Clone)]
struct CookieSpec {
    name: String,
    purpose: &'static str,
    party: PartyDecl,
    anonymous: bool,
    lifetime: &'static str,
}

#[derive(Debug, Clone)]
struct PolicySpec {
    revision: u64,
    cnil: bool,
    max_age: Option<&'static str>,
    /// Declared purposes and their optional revision.
    purposes: Vec<(&'static str, Option<u64>)>,
    cookies: Vec<CookieSpec>,
}

impl PolicySpec {
    fn toml(&self) -> String {
        let mut out = format!(
            "[site]\nname = \"Random\"\nurl = \"https://www.example.org\"\nrevision = {}\n\
             consent_cookie = \"consent\"\nprofile = \"{}\"\n",
            self.revision,
            if self.cnil { "cnil" } else { "charter" }
        );
        if let Some(age) = self.max_age {
            out += &format!("consent_max_age = \"{age}\"\n");
        }
        for (id, revision) in &self.purposes {
            out += &format!("\n[purposes.{id}]\nlabel = \"{id}\"\n");
            if let Some(r) = revision {
                out += &format!("revision = {r}\n");
            }
        }
        for c in &self.cookies {
            out += &format!(
                "\n[[cookies]]\nname = \"{}\"\nprovider = \"P\"\nservice = \"S\"\n\
                 purpose = \"{}\"\ndescription = \"D\"\nlifetime = \"{}\"\n",
                c.name, c.purpose, c.lifetime
            );
            out += match c.party {
                PartyDecl::Omitted => "",
                PartyDecl::First => "party = \"first\"\n",
                PartyDecl::Third => "party = \"third\"\n",
                PartyDecl::FirstDomain => "domain = \".cdn.example.org\"\n",
                PartyDecl::ThirdDomain => "domain = \"ads.example.net\"\n",
            };
            if c.anonymous {
                out += "anonymous = true\n";
            }
        }
        out
    }

    fn json(&self) -> String {
        let mut site = serde_json::json!({
            "name": "Random",
            "url": "https://www.example.org",
            "revision": self.revision,
            "consent_cookie": "consent",
            "profile": if self.cnil { "cnil" } else { "charter" },
        });
        if let Some(age) = self.max_age {
            site["consent_max_age"] = age.into();
        }
        let mut purposes = serde_json::Map::new();
        for (id, revision) in &self.purposes {
            let mut p = serde_json::json!({ "label": id });
            if let Some(r) = revision {
                p["revision"] = (*r).into();
            }
            purposes.insert((*id).to_owned(), p);
        }
        let cookies: Vec<_> = self
            .cookies
            .iter()
            .map(|c| {
                let mut v = serde_json::json!({
                    "name": c.name, "provider": "P", "service": "S", "purpose": c.purpose,
                    "description": "D", "lifetime": c.lifetime,
                });
                match c.party {
                    PartyDecl::Omitted => {}
                    PartyDecl::First => v["party"] = "first".into(),
                    PartyDecl::Third => v["party"] = "third".into(),
                    PartyDecl::FirstDomain => v["domain"] = ".cdn.example.org".into(),
                    PartyDecl::ThirdDomain => v["domain"] = "ads.example.net".into(),
                }
                if c.anonymous {
                    v["anonymous"] = true.into();
                }
                v
            })
            .collect();
        serde_json::json!({ "site": site, "purposes": purposes, "cookies": cookies }).to_string()
    }

    /// Names to decide: one or two instances of each declaration, and some that miss.
    fn names(&self) -> Vec<String> {
        let mut names = vec![
            "consent".to_owned(),
            "unknown".to_owned(),
            String::new(),
            "C0".to_owned(),
        ];
        for c in &self.cookies {
            names.push(c.name.replace('*', ""));
            names.push(c.name.replace('*', "zz"));
        }
        names
    }
}

/// A random declaration; `index` makes names unique, and patterns of different declarations
/// differ in their number of literal characters, so no policy is ambiguous.
fn cookie_spec(
    index: usize,
    kind: u8,
    purpose: &'static str,
    party: PartyDecl,
    anonymous: bool,
    lifetime: &'static str,
) -> CookieSpec {
    let fill = "_".repeat(8 + index);
    let name = match kind {
        0 => format!("c{index}"),
        1 => format!("p{index}{fill}*"),
        2 => format!("*{fill}s{index}"),
        _ => format!("m{index}*{fill}"),
    };
    CookieSpec {
        name,
        purpose,
        party,
        anonymous: anonymous && purpose == "statistics",
        lifetime,
    }
}

fn policy_spec() -> impl Strategy<Value = PolicySpec> {
    let party = prop_oneof![
        Just(PartyDecl::Omitted),
        Just(PartyDecl::First),
        Just(PartyDecl::Third),
        Just(PartyDecl::FirstDomain),
        Just(PartyDecl::ThirdDomain),
    ];
    let cookie = (
        0u8..4,
        0usize..5,
        party,
        any::<bool>(),
        prop::sample::select(LIFETIMES.to_vec()),
    );
    (
        1u64..=4,
        any::<bool>(),
        prop::option::of(prop::sample::select(MAX_AGES.to_vec())),
        prop::collection::vec((any::<bool>(), 0u64..=4), 4),
        prop::collection::vec(cookie, 0..=6),
    )
        .prop_map(|(revision, cnil, max_age, declared, cookies)| {
            let mut purposes = Vec::new();
            for (i, (declare, rev)) in declared.iter().enumerate() {
                let id = if i == 0 {
                    "statistics"
                } else {
                    DECLARABLE[i - 1]
                };
                if *declare {
                    purposes.push((id, (*rev > 0).then(|| (*rev).min(revision))));
                }
            }
            let mut usable = vec!["necessary", "statistics"];
            usable.extend(
                purposes
                    .iter()
                    .map(|(id, _)| *id)
                    .filter(|id| *id != "statistics"),
            );
            let cookies = cookies
                .into_iter()
                .enumerate()
                .map(|(i, (kind, purpose, party, anonymous, lifetime))| {
                    let purpose = usable[purpose % usable.len()];
                    cookie_spec(i, kind, purpose, party, anonymous, lifetime)
                })
                .collect();
            PolicySpec {
                revision,
                cnil,
                max_age,
                purposes,
                cookies,
            }
        })
}

/// A consent's raw parts: revision, age (negative: dated after now), a choice per pool purpose
/// (`None`: absent), and whether the cookie was unusable.
#[derive(Debug, Clone)]
struct ConsentSpec {
    revision: u64,
    age: i64,
    choices: Vec<Option<bool>>,
    broken: bool,
    gpc: bool,
}

impl ConsentSpec {
    fn consent(&self) -> Consent {
        if self.broken {
            return Consent::from_cookie("v=1&rev=1").with_gpc(self.gpc);
        }
        let at = NOW.saturating_add_signed(-self.age);
        let mut c = Consent::new(self.revision, at);
        for (purpose, choice) in POOL.iter().zip(&self.choices) {
            if let Some(granted) = choice {
                let choice = if *granted {
                    Choice::Granted
                } else {
                    Choice::Denied
                };
                c = c.with(purpose, choice).unwrap();
            }
        }
        c.with_gpc(self.gpc)
    }
}

fn choices() -> impl Strategy<Value = Vec<Option<bool>>> {
    prop::collection::vec(prop::option::of(any::<bool>()), POOL.len())
}

fn consent_spec() -> impl Strategy<Value = ConsentSpec> {
    (
        0u64..=6,
        prop_oneof![
            -3 * DAY as i64..3 * 365 * DAY as i64,
            Just(0),
            Just(180 * DAY as i64),
            Just(180 * DAY as i64 + 1),
        ],
        choices(),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.3),
    )
        .prop_map(|(revision, age, choices, broken, gpc)| ConsentSpec {
            revision,
            age,
            choices,
            broken,
            gpc,
        })
}

fn load(spec: &PolicySpec) -> Policy {
    let text = spec.toml();
    Policy::from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The rule spec §3 gives a declared cookie, from its declaration alone.
fn expected_rule(policy: &Policy, name: &str) -> Rule {
    let Some(decl) = policy.declaration(name) else {
        return Rule::Undeclared;
    };
    let cnil = policy.site().profile == Profile::Cnil;
    if decl.purpose.as_str() == "necessary" {
        Rule::Necessary
    } else if decl.party == Party::Third {
        Rule::ThirdParty
    } else if decl.purpose.as_str() == "statistics"
        && decl.anonymous
        && (!cnil || decl.lifetime.at_most(CNIL_MAX_STATISTICS_LIFETIME))
    {
        Rule::AnonymousStatistics
    } else {
        Rule::Consent
    }
}

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(CASES)
}

proptest! {
    #![proptest_config(config())]

    /// Necessary ⇒ allowed; undeclared ⇒ denied; third party, not necessary, not granted ⇒
    /// denied; the rule is the first of spec §3 that applies; purpose and state are null only
    /// for `undeclared`, and `necessary` always reports `granted`.
    #[test]
    fn decisions_follow_the_rules(spec in policy_spec(), c in consent_spec()) {
        let policy = load(&spec);
        let consent = c.consent();
        for name in spec.names() {
            let d = policy.decide(&name, &consent, NOW);
            prop_assert_eq!(d.rule, expected_rule(&policy, &name), "{}", name);
            prop_assert_eq!(d.purpose.is_none(), d.rule == Rule::Undeclared);
            prop_assert_eq!(d.consent_state.is_none(), d.rule == Rule::Undeclared);
            match policy.declaration(&name) {
                None => prop_assert!(!d.allowed),
                Some(decl) if decl.purpose.as_str() == "necessary" => {
                    prop_assert!(d.allowed);
                    prop_assert_eq!(d.consent_state, Some(ConsentState::Granted));
                }
                Some(decl) => {
                    prop_assert_eq!(d.purpose, Some(decl.purpose.as_str()));
                    if decl.party == Party::Third
                        && d.consent_state != Some(ConsentState::Granted)
                    {
                        prop_assert!(!d.allowed, "{}: {:?}", name, d);
                    }
                }
            }
        }
    }

    /// `denied`, `unset`, `expired` and `stale` all deny under the rules that ask for consent;
    /// only the exempt rules allow without `granted`.
    #[test]
    fn only_granted_allows(spec in policy_spec(), c in consent_spec()) {
        let policy = load(&spec);
        let consent = c.consent();
        for name in spec.names() {
            let d = policy.decide(&name, &consent, NOW);
            let granted = d.consent_state == Some(ConsentState::Granted);
            match d.rule {
                Rule::ThirdParty | Rule::Consent => prop_assert_eq!(d.allowed, granted),
                Rule::Necessary | Rule::AnonymousStatistics => prop_assert!(d.allowed),
                Rule::Undeclared => prop_assert!(!d.allowed),
            }
        }
    }

    /// The same inputs give the same decision, whether the policy was read from TOML or from
    /// JSON, and whether it is asked once or twice.
    #[test]
    fn decisions_are_deterministic(spec in policy_spec(), c in consent_spec()) {
        let from_toml = load(&spec);
        let from_json = Policy::from_json(&spec.json()).unwrap();
        let consent = c.consent();
        for name in spec.names() {
            let first = from_toml.decide(&name, &consent, NOW);
            prop_assert_eq!(first, from_toml.decide(&name, &consent, NOW));
            prop_assert_eq!(first, from_json.decide(&name, &consent, NOW));
            let copy = from_toml.clone();
            prop_assert_eq!(first, copy.decide(&name, &consent, NOW));
        }
        prop_assert_eq!(
            from_toml.purposes_to_ask(&consent, NOW),
            from_json.purposes_to_ask(&consent, NOW)
        );
    }

    /// Changing a purpose from not granted (absent or denied) to granted never turns an allowed
    /// cookie into a denied one.
    #[test]
    fn granting_is_monotonic(
        spec in policy_spec(),
        c in consent_spec(),
        pick in 0usize..POOL.len(),
        lower in prop::option::of(Just(false)),
    ) {
        let policy = load(&spec);
        let mut low = c.clone();
        low.broken = false;
        low.choices[pick] = lower;
        let mut high = low.clone();
        high.choices[pick] = Some(true);
        let (before, after) = (low.consent(), high.consent());
        for name in spec.names() {
            let d0 = policy.decide(&name, &before, NOW);
            let d1 = policy.decide(&name, &after, NOW);
            prop_assert!(!d0.allowed || d1.allowed, "{}: {:?} then {:?}", name, d0, d1);
        }
    }

    /// A cookie's decision depends on the consent for its own purpose only.
    #[test]
    fn decisions_are_local(spec in policy_spec(), c in consent_spec(), others in choices()) {
        let policy = load(&spec);
        let mut c = c;
        c.broken = false;
        let consent = c.consent();
        for (i, purpose) in POOL.iter().enumerate() {
            let mut changed = c.clone();
            changed.choices = others.clone();
            changed.choices[i] = c.choices[i];
            let other = changed.consent();
            for name in spec.names() {
                let d: Decision<'_> = policy.decide(&name, &consent, NOW);
                if d.purpose.is_none_or(|p| p == *purpose) {
                    prop_assert_eq!(d, policy.decide(&name, &other, NOW), "{}", name);
                }
            }
        }
    }

    /// `purposes_to_ask` lists exactly the purposes, `necessary` aside, whose state is unset,
    /// stale or expired and that have a cookie whose rule asks for consent.
    #[test]
    fn purposes_to_ask_matches_the_states(spec in policy_spec(), c in consent_spec()) {
        let policy = load(&spec);
        let consent = c.consent();
        let asked: Vec<&str> =
            policy.purposes_to_ask(&consent, NOW).into_iter().map(|p| p.as_str()).collect();
        let mut needs: BTreeMap<&str, bool> = BTreeMap::new();
        for cookie in policy.cookies() {
            let rule = expected_rule(&policy, &cookie.name);
            let entry = needs.entry(cookie.purpose.as_str()).or_default();
            *entry |= matches!(rule, Rule::ThirdParty | Rule::Consent);
        }
        for purpose in policy.purposes() {
            let id = purpose.id.as_str();
            let state = policy.consent_state(id, &consent, NOW).unwrap();
            let want = id != "necessary"
                && needs.get(id).copied().unwrap_or(false)
                && matches!(
                    state,
                    ConsentState::Unset | ConsentState::Stale | ConsentState::Expired
                );
            prop_assert_eq!(asked.contains(&id), want, "{} is {:?}", id, state);
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// GPC never grants: with the signal, a cookie is allowed only if it is allowed without it,
    /// and a state changes only from a missing valid choice (`unset`, `stale`, `expired`) to
    /// `gpc_denied`, for a purpose the policy marks as covered; an explicit choice wins.
    #[test]
    fn gpc_only_refuses_what_was_not_chosen(spec in policy_spec(), c in consent_spec()) {
        let policy = load(&spec);
        let without = c.consent().with_gpc(false);
        let with = without.clone().with_gpc(true);
        for name in spec.names() {
            let d0 = policy.decide(&name, &without, NOW);
            let d1 = policy.decide(&name, &with, NOW);
            prop_assert!(!d1.allowed || d0.allowed, "{}: {:?} then {:?}", name, d0, d1);
            prop_assert_eq!(d0.rule, d1.rule);
            if d0.consent_state != d1.consent_state {
                let purpose = policy.purpose(d0.purpose.unwrap()).unwrap();
                prop_assert!(purpose.gpc, "{}", name);
                prop_assert_eq!(d1.consent_state, Some(ConsentState::GpcDenied));
                prop_assert!(matches!(
                    d0.consent_state,
                    Some(ConsentState::Unset | ConsentState::Stale | ConsentState::Expired)
                ));
            }
        }
        for purpose in policy.purposes() {
            let state = policy.consent_state(purpose.id.as_str(), &with, NOW).unwrap();
            prop_assert_eq!(
                state == ConsentState::GpcDenied,
                purpose.gpc
                    && matches!(
                        policy.consent_state(purpose.id.as_str(), &without, NOW).unwrap(),
                        ConsentState::Unset | ConsentState::Stale | ConsentState::Expired
                    )
            );
        }
        let asked = policy.purposes_to_ask(&with, NOW);
        prop_assert!(asked.iter().all(|id| !policy.purpose(id.as_str()).unwrap().gpc));
    }

    /// A Consent Mode signal is granted exactly when some purpose maps to it and every purpose
    /// that maps to it is `granted`.
    #[test]
    fn consent_mode_follows_the_states(spec in policy_spec(), c in consent_spec()) {
        let policy = load(&spec);
        let consent = c.consent();
        let mode = policy.consent_mode(&consent, NOW);
        for signal in Signal::ALL {
            let mapping: Vec<ConsentState> = policy
                .purposes()
                .iter()
                .filter(|p| p.consent_mode.contains(signal))
                .map(|p| policy.consent_state(p.id.as_str(), &consent, NOW).unwrap())
                .collect();
            let want = !mapping.is_empty() && mapping.iter().all(|s| *s == ConsentState::Granted);
            prop_assert_eq!(mode.get(signal) == Choice::Granted, want, "{}", signal);
        }
        prop_assert_eq!(mode.get(Signal::SecurityStorage), Choice::Granted);
    }
}

/// A purpose id: `[a-z][a-z0-9_-]{0,31}`.
/// Valid purpose ids: the grammar of spec §2 less the consent cookie's own keys.
fn purpose_id() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_-]{0,31}".prop_filter("reserved by the consent cookie", |id| {
        !cookie_charter::RESERVED_IDS.contains(&id.as_str())
    })
}

/// RFC 6265 cookie-octets.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

proptest! {
    #![proptest_config(config())]

    /// `parse(format(c)) == c` for every consent, and the format holds only cookie-octets.
    #[test]
    fn consent_cookie_round_trips(
        revision in any::<u64>(),
        at in any::<u64>(),
        choices in prop::collection::vec((purpose_id(), any::<bool>()), 0..8),
    ) {
        let mut c = Consent::new(revision, at);
        for (purpose, granted) in &choices {
            let choice = if *granted { Choice::Granted } else { Choice::Denied };
            c = c.with(purpose, choice).unwrap();
        }
        let text = c.to_cookie();
        prop_assert!(text.bytes().all(is_cookie_octet), "{}", text);
        let parsed = Consent::from_cookie(&text);
        prop_assert_eq!(parsed, c, "spec §5: parse(format(c)) == c for `{}`", text);
    }

    /// Reading any string never panics, and an unusable value gives no choice at all.
    #[test]
    fn consent_parser_takes_any_string(value in any::<String>(), now in any::<u64>()) {
        check_parse(&value, now)?;
    }

    /// Reading arbitrary bytes (made into a string), padded around the size limit, never
    /// panics.
    #[test]
    fn consent_parser_takes_any_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        pad in prop_oneof![Just(0usize), 3_700usize..4_200],
    ) {
        let mut value = String::from_utf8_lossy(&bytes).into_owned();
        value.push_str(&"&a=1".repeat(pad / 4));
        check_parse(&value, NOW)?;
    }

    /// Values close to the format reach every branch of the parser.
    #[test]
    fn consent_parser_takes_near_misses(
        value in "((v|rev|at|statistics|Ads|[a-z]{1,3})(=(-?[0-9]{0,21}|[a-z%+ ]{0,3}))?&?){0,8}",
        now in any::<u64>(),
    ) {
        check_parse(&value, now)?;
    }
}

fn check_parse(value: &str, now: u64) -> Result<(), TestCaseError> {
    let c = Consent::from_cookie(value);
    if c.problem().is_some() {
        prop_assert_eq!(c.choices().count(), 0);
        prop_assert_eq!(c.to_cookie(), "");
    } else {
        prop_assert_eq!(Consent::from_cookie(&c.to_cookie()), c.clone());
    }
    let _ = c.problem_at(now);
    prop_assert_eq!(c.is_usable(now), c.problem_at(now).is_none());
    Ok(())
}

/// Whether `pattern` (one `*`) matches `name`, the star standing for any run, even empty.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    pattern.split_once('*').is_some_and(|(prefix, suffix)| {
        name.len() >= prefix.len() + suffix.len()
            && name.starts_with(prefix)
            && name.ends_with(suffix)
    })
}

/// The naive reference matcher: the exact name, else the matching pattern with the most
/// literal characters (the first one, if several tie).
fn naive_match<'a>(declared: &'a [String], name: &str) -> Option<&'a str> {
    if let Some(exact) = declared.iter().find(|d| !d.contains('*') && *d == name) {
        return Some(exact);
    }
    let mut best: Option<&String> = None;
    for d in declared.iter().filter(|d| pattern_matches(d, name)) {
        if best.is_none_or(|b| d.len() > b.len()) {
            best = Some(d);
        }
    }
    best.map(String::as_str)
}

/// Whether two declared patterns of equal length both match `name` (spec §4: a load error).
fn ambiguous_at(declared: &[String], name: &str) -> bool {
    let matching: Vec<&String> = declared
        .iter()
        .filter(|d| pattern_matches(d, name))
        .collect();
    matching
        .iter()
        .enumerate()
        .any(|(i, a)| matching.iter().skip(i + 1).any(|b| a.len() == b.len()))
}

/// Every name over `{a, b}` of at most `max` characters.
fn all_names(max: usize) -> Vec<String> {
    let mut names = vec![String::new()];
    let mut last = vec![String::new()];
    for _ in 0..max {
        let next: Vec<String> = last
            .iter()
            .flat_map(|n| [format!("{n}a"), format!("{n}b")])
            .collect();
        names.extend(next.iter().cloned());
        last = next;
    }
    names
}

fn matcher_policy(declared: &[String]) -> String {
    let mut out = String::from(
        "[site]\nname = \"M\"\nurl = \"https://m.example\"\nconsent_cookie = \"consent\"\n",
    );
    for name in declared {
        out += &format!(
            "\n[[cookies]]\nname = \"{name}\"\nprovider = \"P\"\nservice = \"S\"\n\
             purpose = \"necessary\"\ndescription = \"D\"\nlifetime = \"session\"\n"
        );
    }
    out
}

proptest! {
    #![proptest_config(config())]

    /// The engine's matcher agrees with the naive reference on every short name; the loader
    /// rejects a set exactly when it repeats a name or two patterns of equal length can match
    /// the same name.
    #[test]
    fn matching_agrees_with_the_reference(
        declared in prop::collection::vec("[ab]{1,3}|[ab]{0,2}\\*[ab]{0,2}", 1..7),
    ) {
        let names = all_names(5);
        let text = matcher_policy(&declared);
        let mut unique = declared.clone();
        unique.sort();
        unique.dedup();
        let duplicated = unique.len() != declared.len();
        let ambiguous = names.iter().any(|n| ambiguous_at(&declared, n));
        match Policy::from_toml(&text) {
            Err(e) => {
                match e.code() {
                    "duplicate_cookie" => prop_assert!(duplicated, "{}", e),
                    "ambiguous_patterns" => prop_assert!(ambiguous, "{}", e),
                    other => prop_assert!(false, "unexpected error {}: {}", other, e),
                }
            }
            Ok(policy) => {
                prop_assert!(!duplicated && !ambiguous, "{:?} loaded", declared);
                for name in &names {
                    let want = naive_match(&declared, name);
                    let got = policy.declaration(name).map(|d| d.name.as_str());
                    prop_assert_eq!(got, want, "{:?}", name);
                }
            }
        }
    }
}
