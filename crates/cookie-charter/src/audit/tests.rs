//! Unit and property tests of the auditor.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use proptest::prelude::*;

use super::*;
use crate::consent::{Choice, ConsentState};
use crate::decision::Rule;
use crate::party::Party;
use crate::policy::Policy;

const NOW: u64 = 1_700_000_000;

const POLICY: &str = r#"
[site]
name = "Shop"
url = "http://www.shop.localhost"
consent_cookie = "consent"
PROFILE

[purposes.statistics]
label = "Statistics"

[purposes.marketing]
label = "Marketing"

[purposes.preferences]
label = "Preferences"

[[cookies]]
name = "consent"
provider = "Shop"
service = "Banner"
purpose = "necessary"
description = "Your choice"
lifetime = "6 months"

[[cookies]]
name = "_stats"
provider = "Shop"
service = "Audience"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"

[[cookies]]
name = "_ad_*"
provider = "Ads"
service = "Ads"
purpose = "marketing"
description = "Ads"
lifetime = "30 days"
domain = "ads.localhost"

[[cookies]]
name = "lang"
provider = "Shop"
service = "Language"
purpose = "necessary"
description = "Language"
lifetime = "1 year"
domain = "www.shop.localhost"
path = "/docs"

[[cookies]]
name = "anon"
provider = "Shop"
service = "Audience"
purpose = "statistics"
description = "Anonymous"
lifetime = "2 years"
anonymous = true
"#;

fn policy() -> Policy {
    Policy::from_toml(&POLICY.replace("PROFILE", "")).unwrap()
}

fn cookie(name: &str, domain: &str, path: &str, party: Party) -> ObservedCookie {
    ObservedCookie {
        name: name.to_owned(),
        value_len: 3,
        domain: domain.to_owned(),
        host_only: true,
        path: path.to_owned(),
        partition_key: None,
        party,
        write: None,
        stored: None,
    }
}

fn written(mut c: ObservedCookie, lifetime: Expiry, after_withdrawal: bool) -> ObservedCookie {
    c.write = Some(CookieWrite {
        writer: Writer::Http {
            response_url: "http://www.shop.localhost/".to_owned(),
        },
        line: format!("{}=abc", c.name),
        lifetime,
        after_withdrawal,
    });
    c
}

fn seen(scenario: &str, after_withdrawal: bool, subject: Subject) -> Observation {
    Observation {
        scenario: scenario.to_owned(),
        after_withdrawal,
        page: "http://www.shop.localhost/".to_owned(),
        time_ms: NOW * 1000,
        subject,
    }
}

fn codes(judged: &Judged) -> Vec<(String, bool, String, &'static str)> {
    judged
        .findings
        .iter()
        .map(|f| {
            (
                f.scenario.clone(),
                f.after_withdrawal,
                f.name.clone(),
                f.code.as_str(),
            )
        })
        .collect()
}

#[test]
fn scenarios_are_built_from_the_policy() {
    let policy = policy();
    let scenarios = policy.audit_scenarios(NOW);
    let ids: Vec<_> = scenarios.iter().map(|s| s.id.as_str()).collect();
    // `preferences` has no cookie: no scenario of its own. `statistics` needs consent for `_stats`.
    assert_eq!(
        ids,
        [
            "none",
            "refuse_all",
            "accept_all",
            "only_statistics",
            "only_marketing",
            "withdraw"
        ]
    );
    let by_id = |id: &str| scenarios.iter().find(|s| s.id == id).unwrap();
    assert_eq!(by_id("none").consent_cookie(), None);
    assert_eq!(
        by_id("refuse_all").consent_cookie().unwrap(),
        format!("v=1&rev=1&at={NOW}&marketing=0&preferences=0&statistics=0")
    );
    let only = by_id("only_marketing");
    assert_eq!(only.consent.choice("marketing"), Some(Choice::Granted));
    assert_eq!(only.consent.choice("statistics"), Some(Choice::Denied));
    let withdraw = by_id("withdraw");
    assert_eq!(
        withdraw.consent_in(false).choice("statistics"),
        Some(Choice::Granted)
    );
    assert_eq!(
        withdraw.consent_in(true).choice("statistics"),
        Some(Choice::Denied)
    );
    assert_eq!(
        by_id("accept_all").consent_in(true),
        &by_id("accept_all").consent
    );
    assert!(policy.audit_scenario("only_preferences", NOW).is_none());
    for s in &scenarios {
        for state in [false, true] {
            let decision = policy.decide("_stats", s.consent_in(state), s.at);
            let granted = s.consent_in(state).choice("statistics") == Some(Choice::Granted);
            assert_eq!(decision.allowed, granted, "{} {state}", s.id);
        }
    }
}

#[test]
fn judges_every_code() {
    let policy = policy();
    let scenarios = policy.audit_scenarios(NOW);
    let first = |n: &str, d: &str, p: &str| cookie(n, d, p, Party::First);
    let observations = vec![
        seen(
            "none",
            false,
            Subject::Cookie(first("mystery", "www.shop.localhost", "/")),
        ),
        seen(
            "none",
            false,
            Subject::Cookie(first("_stats", "www.shop.localhost", "/")),
        ),
        seen(
            "accept_all",
            false,
            Subject::Cookie(written(
                first("_stats", "www.shop.localhost", "/"),
                Expiry::Seconds(2 * 365 * 86_400),
                false,
            )),
        ),
        seen(
            "accept_all",
            false,
            Subject::Cookie(cookie("_ad_x", "shop.localhost", "/", Party::First)),
        ),
        seen(
            "none",
            false,
            Subject::Cookie(first("lang", "shop.localhost", "/")),
        ),
        // Purged in time: a deletion observed is no presence.
        seen(
            "withdraw",
            true,
            Subject::Cookie(written(
                first("_stats", "www.shop.localhost", "/"),
                Expiry::Seconds(0),
                true,
            )),
        ),
        // Left over from before the withdrawal, and one written again after it.
        seen(
            "withdraw",
            true,
            Subject::Cookie(first("_ad_1", "ads.localhost", "/")),
        ),
        seen(
            "withdraw",
            true,
            Subject::Cookie(written(
                cookie("_ad_2", "ads.localhost", "/", Party::Third),
                Expiry::Seconds(60),
                true,
            )),
        ),
        seen(
            "refuse_all",
            false,
            Subject::Storage(ObservedStorage {
                area: StorageArea::Local,
                origin: "http://www.shop.localhost".to_owned(),
                frame: "http://www.shop.localhost/".to_owned(),
                key: "_stats".to_owned(),
                value_len: 1,
                party: Party::First,
                written_after_withdrawal: false,
            }),
        ),
        seen(
            "none",
            false,
            Subject::Request(ObservedRequest {
                url: "http://ads.localhost/pixel".to_owned(),
                host: "ads.localhost".to_owned(),
                resource_type: Some("Image".to_owned()),
            }),
        ),
        seen(
            "nowhere",
            false,
            Subject::Cookie(first("_stats", "www.shop.localhost", "/")),
        ),
    ];
    let judged = audit(&policy, &scenarios, &observations);
    assert_eq!(judged.unjudged, 1);
    let expected: Vec<(String, bool, String, &str)> = [
        ("none", false, "_stats", "without_consent"),
        ("none", false, "lang", "wrong_domain"),
        ("none", false, "lang", "wrong_path"),
        ("none", false, "mystery", "undeclared"),
        ("refuse_all", false, "_stats", "without_consent"),
        ("accept_all", false, "_ad_x", "wrong_party"),
        ("accept_all", false, "_ad_x", "wrong_domain"),
        ("accept_all", false, "_stats", "lifetime_over_declared"),
        ("withdraw", true, "_ad_1", "not_purged"),
        ("withdraw", true, "_ad_1", "wrong_party"),
        ("withdraw", true, "_ad_2", "without_consent"),
    ]
    .into_iter()
    .map(|(s, w, n, c)| (s.to_owned(), w, n.to_owned(), c))
    .collect();
    assert_eq!(codes(&judged), expected);
    let stats = &judged.findings[0];
    assert_eq!(stats.rule, Rule::Consent);
    assert_eq!(stats.purpose.as_deref(), Some("statistics"));
    assert_eq!(stats.consent_state, Some(ConsentState::Unset));
    assert_eq!(
        stats.message,
        "cookie `_stats` (statistics) is present although the consent does not allow it (rule consent, consent unset)"
    );
    let storage = &judged.findings[4];
    assert!(matches!(storage.evidence.subject, Subject::Storage(_)));
    assert_eq!(storage.consent_state, Some(ConsentState::Denied));
    let lifetime = &judged.findings[7];
    assert_eq!(lifetime.declared.as_deref(), Some("13 months"));
    assert_eq!(lifetime.observed.as_deref(), Some("2 years"));
    assert_eq!(lifetime.severity(), Severity::Medium);
}

#[test]
fn lifetimes_against_13_months() {
    let cnil = Policy::from_toml(&POLICY.replace("PROFILE", "profile = \"cnil\"")).unwrap();
    let charter = policy();
    let two_years = Expiry::Seconds(2 * 365 * 86_400);
    let observations = [
        seen(
            "accept_all",
            false,
            Subject::Cookie(written(
                cookie("anon", "www.shop.localhost", "/", Party::First),
                two_years,
                false,
            )),
        ),
        seen(
            "accept_all",
            false,
            Subject::Cookie(written(
                cookie("consent", "www.shop.localhost", "/", Party::First),
                two_years,
                false,
            )),
        ),
    ];
    let of = |p: &Policy| codes(&audit(p, &p.audit_scenarios(NOW), &observations));
    let charter_codes: Vec<_> = of(&charter).into_iter().map(|c| (c.2, c.3)).collect();
    assert_eq!(
        charter_codes,
        [
            ("consent".to_owned(), "lifetime_over_declared"),
            ("consent".to_owned(), "lifetime_over_13_months"),
        ]
    );
    let cnil_codes: Vec<_> = of(&cnil).into_iter().map(|c| (c.2, c.3)).collect();
    assert_eq!(
        cnil_codes,
        [
            // Under `cnil`, a 2-year anonymous cookie is not exempt: it needs consent, which
            // accept_all gives; it still lives too long.
            ("anon".to_owned(), "lifetime_over_13_months"),
            ("consent".to_owned(), "lifetime_over_declared"),
            ("consent".to_owned(), "lifetime_over_13_months"),
        ]
    );
    // The tolerance: a lifetime read from an `Expires` date a few seconds late is no finding.
    let late = Expiry::Seconds(
        i64::try_from(13 * crate::lifetime::MONTH + LIFETIME_TOLERANCE_SECS).unwrap(),
    );
    let ok = [seen(
        "accept_all",
        false,
        Subject::Cookie(written(
            cookie("_stats", "www.shop.localhost", "/", Party::First),
            late,
            false,
        )),
    )];
    assert!(
        audit(&charter, &charter.audit_scenarios(NOW), &ok)
            .findings
            .is_empty()
    );
    // The collector's own consent cookie is not judged for its lifetime.
    let mut mine = written(
        cookie("consent", "www.shop.localhost", "/", Party::First),
        two_years,
        false,
    );
    if let Some(w) = mine.write.as_mut() {
        w.writer = Writer::Collector;
    }
    let mine = [seen("accept_all", false, Subject::Cookie(mine))];
    assert!(
        audit(&charter, &charter.audit_scenarios(NOW), &mine)
            .findings
            .is_empty()
    );
}

#[test]
fn repeated_observations_are_counted_once() {
    let policy = policy();
    let scenarios = policy.audit_scenarios(NOW);
    let one = seen(
        "none",
        false,
        Subject::Cookie(cookie("x", "www.shop.localhost", "/", Party::First)),
    );
    let mut other_page = one.clone();
    other_page.page = "http://www.shop.localhost/2".to_owned();
    let judged = audit(&policy, &scenarios, &[one.clone(), other_page, one.clone()]);
    assert_eq!(judged.findings.len(), 1);
    assert_eq!(judged.findings[0].occurrences, 3);
    assert_eq!(judged.findings[0].evidence, one);
    assert_eq!(Code::parse("wrong_path"), Some(Code::WrongPath));
    assert!(
        Code::ALL
            .iter()
            .all(|c| Code::parse(c.as_str()) == Some(*c))
    );
    assert_eq!(Severity::parse("high"), Some(Severity::High));
    assert!(Severity::Low < Severity::High);
}

const NAMES: [&str; 7] = [
    "consent", "_stats", "_ad_1", "_ad_", "lang", "anon", "other",
];

fn any_observation() -> impl Strategy<Value = Observation> {
    let scenario = prop::sample::select(vec![
        "none",
        "refuse_all",
        "accept_all",
        "only_statistics",
        "only_marketing",
        "withdraw",
    ]);
    (
        scenario,
        any::<bool>(),
        prop::sample::select(NAMES.to_vec()),
        prop::sample::select(vec![
            "www.shop.localhost",
            "shop.localhost",
            "ads.localhost",
        ]),
        prop::sample::select(vec!["/", "/docs", "/docs/a"]),
        any::<bool>(),
        prop::option::of((-10i64..100_000_000, any::<bool>())),
        any::<bool>(),
    )
        .prop_map(
            |(scenario, after, name, domain, path, third, write, storage)| {
                let party = if third { Party::Third } else { Party::First };
                let subject = if storage {
                    Subject::Storage(ObservedStorage {
                        area: StorageArea::Local,
                        origin: format!("http://{domain}"),
                        frame: format!("http://{domain}/"),
                        key: name.to_owned(),
                        value_len: 1,
                        party,
                        written_after_withdrawal: write.is_some_and(|w| w.1),
                    })
                } else {
                    let c = cookie(name, domain, path, party);
                    Subject::Cookie(match write {
                        Some((secs, w_after)) => written(c, Expiry::Seconds(secs), w_after),
                        None => c,
                    })
                };
                seen(scenario, after && scenario == "withdraw", subject)
            },
        )
}

proptest! {
    /// The consent findings follow `decide` exactly: `undeclared` for a name no declaration
    /// matches, `without_consent` or `not_purged` for one the scenario's consent denies, in the
    /// phase the observation was made in.
    #[test]
    fn consent_findings_follow_decide(observations in prop::collection::vec(any_observation(), 0..40)) {
        let policy = policy();
        let scenarios = policy.audit_scenarios(NOW);
        let judged = audit(&policy, &scenarios, &observations);
        for o in &observations {
            let (name, deletion) = match &o.subject {
                Subject::Cookie(c) => (c.name.as_str(), matches!(c.lifetime(), Some(Expiry::Seconds(s)) if s <= 0)),
                Subject::Storage(s) => (s.key.as_str(), false),
                Subject::Request(_) => continue,
            };
            let scenario = scenarios.iter().find(|s| s.id == o.scenario).unwrap();
            let decision = policy.decide(name, scenario.consent_in(o.after_withdrawal), scenario.at);
            let has = |code: Code| judged.findings.iter().any(|f| {
                f.code == code && f.name == name && f.scenario == o.scenario && f.after_withdrawal == o.after_withdrawal
            });
            if deletion {
                continue;
            }
            prop_assert_eq!(has(Code::Undeclared), decision.rule == Rule::Undeclared);
            if decision.rule != Rule::Undeclared && !decision.allowed {
                prop_assert!(has(Code::WithoutConsent) || has(Code::NotPurged));
            }
        }
        for f in &judged.findings {
            let scenario = scenarios.iter().find(|s| s.id == f.scenario).unwrap();
            let decision = policy.decide(&f.name, scenario.consent_in(f.after_withdrawal), scenario.at);
            prop_assert_eq!(f.rule, decision.rule);
            if matches!(f.code, Code::WithoutConsent | Code::NotPurged) {
                prop_assert!(!decision.allowed);
            }
            if f.code == Code::NotPurged {
                prop_assert!(f.after_withdrawal);
            }
        }
        let total: u32 = judged.findings.iter().map(|f| f.occurrences).sum();
        prop_assert!(total as usize >= judged.findings.len());
    }

    /// The findings do not depend on the order of the observations (only which one is kept as
    /// evidence does), and repeating every observation doubles the counts, not the findings.
    #[test]
    fn order_and_repetition_do_not_change_findings(
        observations in prop::collection::vec(any_observation(), 0..30),
        seed in any::<u64>(),
    ) {
        let policy = policy();
        let scenarios = policy.audit_scenarios(NOW);
        let summary = |j: &Judged| {
            let mut s: Vec<_> = j.findings.iter().map(|f| {
                let place = match &f.evidence.subject {
                    Subject::Cookie(c) => format!("{} {}", c.domain, c.path),
                    Subject::Storage(s) => s.origin.clone(),
                    Subject::Request(_) => String::new(),
                };
                (f.scenario.clone(), f.after_withdrawal, f.name.clone(), f.code, place, f.occurrences)
            }).collect();
            s.sort();
            s
        };
        let judged = audit(&policy, &scenarios, &observations);
        let mut shuffled = observations.clone();
        // A deterministic shuffle from the seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let j = usize::try_from(state % (i as u64 + 1)).unwrap();
            shuffled.swap(i, j);
        }
        prop_assert_eq!(summary(&judged), summary(&audit(&policy, &scenarios, &shuffled)));
        let doubled: Vec<_> = observations.iter().chain(&observations).cloned().collect();
        let twice = audit(&policy, &scenarios, &doubled);
        prop_assert_eq!(twice.findings.len(), judged.findings.len());
        for (a, b) in judged.findings.iter().zip(&twice.findings) {
            prop_assert_eq!(a.occurrences * 2, b.occurrences);
        }
    }

    /// Granting more never adds consent findings: `accept_all` has none that `refuse_all`
    /// lacks, for the same observations.
    #[test]
    fn accepting_never_adds_consent_findings(observations in prop::collection::vec(any_observation(), 0..30)) {
        let policy = policy();
        let scenarios = policy.audit_scenarios(NOW);
        let as_scenario = |id: &str| -> Vec<Observation> {
            observations.iter().cloned().map(|mut o| { o.scenario = id.to_owned(); o.after_withdrawal = false; o }).collect()
        };
        let consent_names = |id: &str| -> Vec<String> {
            let mut names: Vec<_> = audit(&policy, &scenarios, &as_scenario(id)).findings.into_iter()
                .filter(|f| f.code == Code::WithoutConsent).map(|f| f.name).collect();
            names.dedup();
            names
        };
        let refused = consent_names("refuse_all");
        for name in consent_names("accept_all") {
            prop_assert!(refused.contains(&name));
        }
    }
}
