//! A realistic cookie inventory for benchmarks: 62 declarations, 12 of them patterns, and a
//! stream of names that hit exact names, hit patterns and miss.

use std::fmt::Write;

/// Purposes used by the inventory, after the built-ins.
pub const PURPOSES: [&str; 4] = ["preferences", "marketing", "social", "support"];

/// `(name, purpose, third party, anonymous)` for each declaration.
pub fn declarations() -> Vec<(String, &'static str, bool, bool)> {
    let mut out = Vec::new();
    for name in [
        "sessionid",
        "csrftoken",
        "django_language",
        "cookies_preferences",
        "cart",
        "checkout_step",
        "XSRF-TOKEN",
        "JSESSIONID",
        "PHPSESSID",
        "load_balancer",
    ] {
        out.push((name.to_owned(), "necessary", false, false));
    }
    for name in [
        "_pk_ses.1",
        "_pk_ref.1",
        "matomo_session",
        "stats_visit",
        "stats_uid",
    ] {
        out.push((name.to_owned(), "statistics", false, true));
    }
    for name in [
        "_ga", "_gid", "_gat", "__utma", "__utmb", "__utmz", "_hjid", "_clck", "_clsk",
    ] {
        out.push((name.to_owned(), "statistics", false, false));
    }
    for name in [
        "theme",
        "font_size",
        "locale_pref",
        "dark_mode",
        "layout",
        "tz",
        "currency",
    ] {
        out.push((name.to_owned(), "preferences", false, false));
    }
    for name in [
        "_fbp",
        "_fbc",
        "IDE",
        "test_cookie",
        "NID",
        "_gcl_au",
        "MUID",
        "ANONCHK",
        "personalization_id",
        "guest_id",
        "li_sugr",
        "bcookie",
        "lidc",
        "UserMatchHistory",
    ] {
        out.push((name.to_owned(), "marketing", true, false));
    }
    for name in ["VISITOR_INFO1_LIVE", "YSC", "twid", "ct0"] {
        out.push((name.to_owned(), "social", true, false));
    }
    for name in ["intercom-id", "intercom-session", "crisp-client"] {
        out.push((name.to_owned(), "support", true, false));
    }
    for (pattern, purpose, third, anonymous) in [
        ("_ga_*", "statistics", false, false),
        ("_pk_id.*", "statistics", false, true),
        ("_hjSession_*", "statistics", false, false),
        ("_hjSessionUser_*", "statistics", false, false),
        ("AMP_*", "marketing", true, false),
        ("_uetsid*", "marketing", true, false),
        ("ab_test_*", "preferences", false, false),
        ("wp-settings-*", "necessary", false, false),
        ("wordpress_logged_in_*", "necessary", false, false),
        ("intercom-device-id-*", "support", true, false),
        ("*_consent_mode", "necessary", false, false),
        ("yt-player-*", "social", true, false),
    ] {
        out.push((pattern.to_owned(), purpose, third, anonymous));
    }
    out
}

/// The inventory as a policy file.
pub fn policy_toml() -> String {
    let mut s = String::from(
        "[site]\nname = \"Bench\"\nurl = \"https://www.example.com\"\nconsent_cookie = \"cookies_preferences\"\n",
    );
    for p in PURPOSES {
        let _ = writeln!(s, "[purposes.{p}]\nlabel = \"{p}\"");
    }
    for (name, purpose, third, anonymous) in declarations() {
        let _ = write!(
            s,
            "[[cookies]]\nname = \"{name}\"\nprovider = \"P\"\nservice = \"S\"\npurpose = \"{purpose}\"\ndescription = \"D\"\nlifetime = \"13 months\"\n"
        );
        if third {
            s.push_str("domain = \"tracker.example.net\"\n");
        }
        if anonymous {
            s.push_str("anonymous = true\n");
        }
    }
    s
}

/// Names seen on requests: exact hits, pattern hits and misses, mixed.
pub fn queries() -> Vec<String> {
    let mut names: Vec<String> = declarations()
        .into_iter()
        .filter(|(n, ..)| !n.contains('*'))
        .map(|(n, ..)| n)
        .collect();
    names.extend(
        [
            "_ga_ABC123XYZ",
            "_pk_id.1.a1b2",
            "_hjSession_123456",
            "_hjSessionUser_123456",
            "AMP_8f3e2a",
            "_uetsid",
            "ab_test_checkout",
            "wp-settings-1",
            "wordpress_logged_in_abcdef",
            "intercom-device-id-x",
            "site_consent_mode",
            "yt-player-volume",
        ]
        .map(String::from),
    );
    names.extend(
        [
            "unknown",
            "tracking_id",
            "_gaX",
            "foo",
            "bar_baz",
            "__Host-x",
            "a",
            "sessionid2",
            "_pk",
            "AMP",
        ]
        .map(String::from),
    );
    names
}
