"""Timed-loop benchmark of the Python binding (not run by the tests).

    bindings/python/.venv/bin/python bindings/python/benches/bench_decide.py

Compares, on the inventory of the Rust benchmark (62 declarations, 12 patterns, 74 mixed query
names; crates/cookie-charter/benches/support/inventory.rs):
- `policy.decide` per call, and `policy.decide_many` per cookie;
- a plain Python engine of the same charter: a dict of exact names, a scan of the patterns
  keeping the longest, and ifs on purpose, party and consent;
- `policy.filter_set_cookies` on 10 headers against `http.cookies.SimpleCookie` parsing the same
  10 headers (parsing only: it decides nothing).
Both engines' decisions are checked equal before timing. Medians of several runs.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from http.cookies import SimpleCookie

from cookie_charter import Consent, Policy

PURPOSES = ["preferences", "marketing", "social", "support"]
NECESSARY = ["sessionid", "csrftoken", "django_language", "cookies_preferences", "cart",
             "checkout_step", "XSRF-TOKEN", "JSESSIONID", "PHPSESSID", "load_balancer"]
ANON_STATS = ["_pk_ses.1", "_pk_ref.1", "matomo_session", "stats_visit", "stats_uid"]
STATS = ["_ga", "_gid", "_gat", "__utma", "__utmb", "__utmz", "_hjid", "_clck", "_clsk"]
PREFS = ["theme", "font_size", "locale_pref", "dark_mode", "layout", "tz", "currency"]
MARKETING = ["_fbp", "_fbc", "IDE", "test_cookie", "NID", "_gcl_au", "MUID", "ANONCHK",
             "personalization_id", "guest_id", "li_sugr", "bcookie", "lidc", "UserMatchHistory"]
SOCIAL = ["VISITOR_INFO1_LIVE", "YSC", "twid", "ct0"]
SUPPORT = ["intercom-id", "intercom-session", "crisp-client"]
PATTERNS = [
    ("_ga_*", "statistics", False, False),
    ("_pk_id.*", "statistics", False, True),
    ("_hjSession_*", "statistics", False, False),
    ("_hjSessionUser_*", "statistics", False, False),
    ("AMP_*", "marketing", True, False),
    ("_uetsid*", "marketing", True, False),
    ("ab_test_*", "preferences", False, False),
    ("wp-settings-*", "necessary", False, False),
    ("wordpress_logged_in_*", "necessary", False, False),
    ("intercom-device-id-*", "support", True, False),
    ("*_consent_mode", "necessary", False, False),
    ("yt-player-*", "social", True, False),
]


def declarations() -> list[tuple[str, str, bool, bool]]:
    out = [(n, "necessary", False, False) for n in NECESSARY]
    out += [(n, "statistics", False, True) for n in ANON_STATS]
    out += [(n, "statistics", False, False) for n in STATS]
    out += [(n, "preferences", False, False) for n in PREFS]
    out += [(n, "marketing", True, False) for n in MARKETING]
    out += [(n, "social", True, False) for n in SOCIAL]
    out += [(n, "support", True, False) for n in SUPPORT]
    return out + PATTERNS


def policy_toml() -> str:
    s = ('[site]\nname = "Bench"\nurl = "https://www.example.com"\n'
         'consent_cookie = "cookies_preferences"\n')
    for p in PURPOSES:
        s += f'[purposes.{p}]\nlabel = "{p}"\n'
    for name, purpose, third, anonymous in declarations():
        s += (f'[[cookies]]\nname = "{name}"\nprovider = "P"\nservice = "S"\n'
              f'purpose = "{purpose}"\ndescription = "D"\nlifetime = "13 months"\n')
        if third:
            s += 'domain = "tracker.example.net"\n'
        if anonymous:
            s += "anonymous = true\n"
    return s


def queries() -> list[str]:
    names = [n for n, *_ in declarations() if "*" not in n]
    names += ["_ga_ABC123XYZ", "_pk_id.1.a1b2", "_hjSession_123456", "_hjSessionUser_123456",
              "AMP_8f3e2a", "_uetsid", "ab_test_checkout", "wp-settings-1",
              "wordpress_logged_in_abcdef", "intercom-device-id-x", "site_consent_mode",
              "yt-player-volume"]
    names += ["unknown", "tracking_id", "_gaX", "foo", "bar_baz", "__Host-x", "a", "sessionid2",
              "_pk", "AMP"]
    return names


class DictEngine:
    """The charter written by hand in plain Python: what a site would do without the library."""

    def __init__(self, revision: int = 1) -> None:
        self.exact: dict[str, tuple[str, bool, bool]] = {}
        self.patterns: list[tuple[str, str, int, str, bool, bool]] = []
        for name, purpose, third, anonymous in declarations():
            if "*" in name:
                prefix, suffix = name.split("*", 1)
                self.patterns.append((prefix, suffix, len(prefix) + len(suffix), purpose, third,
                                      anonymous))
            else:
                self.exact[name] = (purpose, third, anonymous)
        self.revision = revision

    def decide(self, name: str, choices: dict[str, bool], rev: int) -> tuple[bool, str]:
        decl = self.exact.get(name)
        if decl is None:
            best = -1
            for prefix, suffix, length, purpose, third, anonymous in self.patterns:
                if (length > best and len(name) >= length and name.startswith(prefix)
                        and name.endswith(suffix)):
                    best = length
                    decl = (purpose, third, anonymous)
            if decl is None:
                return False, "undeclared"
        purpose, third, anonymous = decl
        if purpose == "necessary":
            return True, "necessary"
        granted = rev >= self.revision and choices.get(purpose) is True
        if third:
            return granted, "third_party"
        if purpose == "statistics" and anonymous:
            return True, "anonymous_statistics"
        return granted, "consent"


def median_ns(run: Callable[[], object], per: int, repeat: int = 7, number: int = 200) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            run()
        times.append((time.perf_counter_ns() - start) / (number * per))
    return statistics.median(times)


def main() -> None:
    policy = Policy.from_toml(policy_toml())
    now = int(time.time())
    value = f"v=1&rev=1&at={now}&statistics=1&marketing=0&preferences=1"
    consent = Consent.from_cookie(value)
    names = queries()
    engine = DictEngine()
    choices = {"statistics": True, "marketing": False, "preferences": True}

    for name in names:
        d = policy.decide(name, consent, now)
        assert (d.allowed, d.rule) == engine.decide(name, choices, 1), name

    decide = policy.decide
    by_call = median_ns(lambda: [decide(n, consent, now) for n in names], len(names))
    loop_only = median_ns(lambda: [None for n in names], len(names))
    batch = median_ns(lambda: policy.decide_many(names, consent, now), len(names))
    py_decide = engine.decide
    plain = median_ns(lambda: [py_decide(n, choices, 1) for n in names], len(names))

    headers = [f"{n}=value{i}; Path=/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax"
               for i, n in enumerate(names[20:30])]

    def simple_cookie() -> None:
        for h in headers:
            SimpleCookie().load(h)

    filt = median_ns(lambda: policy.filter_set_cookies(headers, consent, now), 1, number=2000)
    simple = median_ns(simple_cookie, 1, number=200)

    print(f"names: {len(names)}; declarations: {len(declarations())}")
    print(f"policy.decide (per call, list comprehension): {by_call:7.0f} ns")
    print(f"  of which the comprehension itself:           {loop_only:7.0f} ns")
    print(f"policy.decide_many (per cookie):              {batch:7.0f} ns")
    print(f"plain Python dict + ifs (per call):           {plain:7.0f} ns")
    print(f"  decide vs plain Python: {plain / by_call:.1f}x faster; "
          f"decide_many: {plain / batch:.1f}x")
    print(f"filter_set_cookies, 10 headers:               {filt / 1000:7.2f} us")
    print(f"SimpleCookie parsing the same 10 headers:     {simple / 1000:7.2f} us "
          f"({simple / filt:.0f}x slower)")


if __name__ == "__main__":
    main()
