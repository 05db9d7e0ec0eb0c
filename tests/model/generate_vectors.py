"""Writes the shared vector corpus, tests/vectors/, from the readable tables below.

The expected results of `decide` cases are computed by the independent model
(charter_model.py); some rows also state what the spec says in words (`expect`), and the
generator stops if the model disagrees with them. The expected errors of load-error vectors are
written by hand, from the spec and the error conventions, never computed.

    python3 tests/model/generate_vectors.py          # (re)write the corpus
    python3 tests/model/generate_vectors.py --check  # fail if the committed corpus differs

tests/vectors/tcf/ is written by tcf_vectors.py, from the IAB TCF conformance data.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import charter_model as model
import tcf_vectors
from charter_model import DAY, MONTH, YEAR

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
NOW = 1_700_000_000

# -- building blocks ---------------------------------------------------------------------------


def cookie(name: str, purpose: str, lifetime: str = "1 year", **extra) -> dict:
    return {
        "name": name,
        "provider": "Example",
        "service": f"Service of {name}",
        "purpose": purpose,
        "description": f"What {name} is for",
        "lifetime": lifetime,
        **extra,
    }


def policy(
    cookies: list[dict],
    purposes: dict | None = None,
    *,
    revision: int = 1,
    profile: str | None = None,
    max_age: str | None = None,
    url: str = "https://www.example.org",
) -> dict:
    site: dict = {
        "name": "Example",
        "url": url,
        "revision": revision,
        "consent_cookie": "consent",
    }
    if profile is not None:
        site["profile"] = profile
    if max_age is not None:
        site["consent_max_age"] = max_age
    doc: dict = {"site": site}
    if purposes:
        doc["purposes"] = {
            pid: {"label": pid.capitalize(), **extra} for pid, extra in purposes.items()
        }
    doc["cookies"] = [cookie("consent", "necessary", "6 months"), *cookies]
    return doc


def consent(at: int = NOW - 100, rev: int = 1, **choices: int) -> str:
    value = f"v=1&rev={rev}&at={at}"
    for purpose, choice in choices.items():
        value += f"&{purpose}={choice}"
    return value


class File:
    """One vector file: a policy and its cases."""

    def __init__(self, group: str, name: str, description: str, policy_doc=None, toml=None):
        self.path = VECTORS / group / f"{name}.json"
        self.description = description
        self.policy_doc = policy_doc
        self.toml = toml
        if toml is not None:
            self.model = model.Policy.from_toml(toml)
        else:
            self.model = model.Policy.from_json(json.dumps(policy_doc))
        self.cases: list[dict] = []

    def decide(
        self,
        description: str,
        value: str | None,
        names: list[str],
        *,
        now: int = NOW,
        ask: bool = True,
        expect: dict | None = None,
        problem: str | None | bool = False,
        gpc: bool = False,
        tc_string: str | None = None,
        tc_error: str | None = None,
        mode: bool = False,
    ) -> None:
        """Adds a case; `expect` maps names to (rule, allowed, state) as the spec says them.

        `gpc`: the request carries Sec-GPC: 1. `tc_string`: the consent is this TC string
        (decoded by the model's own decoder), or must be refused with `tc_error`. `mode`: add
        the expected Consent Mode state."""
        if tc_string is not None:
            case = {"kind": "decide", "description": description, "tc_string": tc_string}
            if gpc:
                case["gpc"] = True
            case["now"] = now
            if tc_error is not None:
                case["tc_error"] = tc_error
                self.cases.append(case)
                return
            c = self.model.consent_from_tc(tcf_vectors.decode(tc_string))
            c.gpc = gpc
            self._finish(case, c, names, now, ask, expect, mode)
            return
        c = model.parse_consent(value)
        c.gpc = gpc
        case = {"kind": "decide", "description": description, "consent": value}
        if gpc:
            case["gpc"] = True
        case["now"] = now
        if problem is not False and c.problem_at(now) != problem:
            sys.exit(f"{self.path}: {description}: model problem {c.problem_at(now)}, "
                     f"table {problem}")
        self._finish(case, c, names, now, ask, expect, mode)

    def _finish(self, case: dict, c, names: list[str], now: int, ask: bool,
                expect: dict | None, mode: bool) -> None:
        description = case["description"]
        decisions = [self.model.decide(n, c, now) for n in names]
        for d in decisions:
            if expect and d["cookie"] in expect:
                want = expect[d["cookie"]]
                got = (d["rule"], d["allowed"], d["consent_state"])
                if got != tuple(want):
                    sys.exit(f"{self.path}: {description}: {d['cookie']}: model {got}, table {want}")
        case["problem"] = c.problem_at(now)
        case["decisions"] = decisions
        if ask:
            case["purposes_to_ask"] = self.model.purposes_to_ask(c, now)
        if mode:
            case["consent_mode"] = self.model.consent_mode(c, now)
        self.cases.append(case)

    def document(self) -> dict:
        doc: dict = {"description": self.description}
        if self.toml is not None:
            doc["policy_toml"] = self.toml
        else:
            doc["policy"] = self.policy_doc
        doc["cases"] = self.cases
        return doc


FILES: list[File] = []


def new_file(*args, **kwargs) -> File:
    f = File(*args, **kwargs)
    FILES.append(f)
    return f


# -- the policies ------------------------------------------------------------------------------

PURPOSES = {
    "statistics": {},
    "preferences": {},
    "marketing": {},
    "social": {},
}

INVENTORY = [
    cookie("sessionid", "necessary", "session"),
    cookie("csrf_*", "necessary", "1 year", domain="static.cdn-example.net"),
    cookie("_pk_id.*", "statistics", "13 months", anonymous=True),
    cookie("_pk_ses.*", "statistics", "30 minutes", anonymous=True),
    cookie("stats_long", "statistics", "25 months", anonymous=True),
    cookie("cdn_stats", "statistics", "1 day", anonymous=True, party="third"),
    cookie("_ga", "statistics", "2 years", domain=".example.org"),
    cookie("_ga_*", "statistics", "2 years"),
    cookie("lang", "preferences", "1 year"),
    cookie("theme", "preferences", "session", path="/"),
    cookie("_fbp", "marketing", "3 months", domain=".facebook.com"),
    cookie("IDE", "marketing", "13 months", domain=".doubleclick.net", party="third"),
    cookie("ads_*", "marketing", "30 days"),
    cookie("tw_*", "social", "1 year", party="third"),
]

NAMES = [
    "consent",
    "sessionid",
    "csrf_token",
    "_pk_id.1.abcd",
    "_pk_ses.1.abcd",
    "stats_long",
    "cdn_stats",
    "_ga",
    "_ga_XYZ123",
    "lang",
    "theme",
    "_fbp",
    "IDE",
    "ads_campaign",
    "tw_widget",
    "unknown",
    "SESSIONID",
]

ALL_GRANTED = dict(statistics=1, preferences=1, marketing=1, social=1)
ALL_DENIED = dict(statistics=0, preferences=0, marketing=0, social=0)

# Consents for the inventory, each with what a few cookies must give (rule, allowed, state).
INVENTORY_CONSENTS = [
    (
        "no consent cookie",
        None,
        {
            "sessionid": ("necessary", True, "granted"),
            "_pk_id.1.abcd": ("anonymous_statistics", True, "unset"),
            "_ga": ("consent", False, "unset"),
            "_fbp": ("third_party", False, "unset"),
            "unknown": ("undeclared", False, None),
        },
    ),
    (
        "everything granted",
        consent(**ALL_GRANTED),
        {
            "_ga": ("consent", True, "granted"),
            "IDE": ("third_party", True, "granted"),
            "cdn_stats": ("third_party", True, "granted"),
            "SESSIONID": ("undeclared", False, None),
        },
    ),
    (
        "everything denied",
        consent(**ALL_DENIED),
        {
            "csrf_token": ("necessary", True, "granted"),
            "_pk_ses.1.abcd": ("anonymous_statistics", True, "denied"),
            "lang": ("consent", False, "denied"),
            "tw_widget": ("third_party", False, "denied"),
        },
    ),
    ("nothing chosen yet, a valid cookie", consent(), {"theme": ("consent", False, "unset")}),
    (
        "statistics only",
        consent(statistics=1),
        {"_ga_XYZ123": ("consent", True, "granted"), "ads_campaign": ("consent", False, "unset")},
    ),
    (
        "marketing only",
        consent(marketing=1),
        {"_fbp": ("third_party", True, "granted"), "_ga": ("consent", False, "unset")},
    ),
    ("preferences granted, marketing denied", consent(preferences=1, marketing=0), None),
    ("social granted, statistics denied", consent(social=1, statistics=0), None),
    ("necessary sent as denied changes nothing", consent(necessary=0, statistics=1), None),
    ("necessary sent as granted", consent(necessary=1), None),
    ("a purpose the policy does not declare is ignored", consent(videos=1, statistics=1), None),
    (
        "a consent for a later revision than the site's",
        consent(rev=9, **ALL_GRANTED),
        {"_ga": ("consent", True, "granted")},
    ),
    (
        "a malformed cookie gives no consent",
        "v=1&rev=1&statistics=1",
        {"_ga": ("consent", False, "unset"), "sessionid": ("necessary", True, "granted")},
    ),
    ("consent given one second ago", consent(at=NOW - 1, **ALL_GRANTED), None),
    ("consent given at this very second", consent(at=NOW, **ALL_GRANTED), None),
    ("consent dated a day ahead (clock skew)", consent(at=NOW + DAY, **ALL_GRANTED), None),
    (
        "consent dated more than a day ahead",
        consent(at=NOW + DAY + 1, **ALL_GRANTED),
        {"_ga": ("consent", False, "unset")},
    ),
    ("consent of 5 months ago", consent(at=NOW - 5 * MONTH, **ALL_GRANTED), None),
    ("consent of exactly 6 months ago", consent(at=NOW - 6 * MONTH, **ALL_GRANTED), None),
    ("consent of 6 months and 1 second ago", consent(at=NOW - 6 * MONTH - 1, **ALL_GRANTED), None),
    ("consent of 2 years ago, denied", consent(at=NOW - 2 * YEAR, **ALL_DENIED), None),
    ("consent given at time 0", consent(at=0, **ALL_GRANTED), None),
]


def inventory_files() -> None:
    for profile in ("charter", "cnil"):
        f = new_file(
            "rules",
            f"inventory-{profile}",
            f"Every rule on one inventory, profile `{profile}`: necessary (first and third "
            "party), third party before the statistics exemption, anonymous statistics, consent, "
            "undeclared names; every consent state.",
            policy(INVENTORY, PURPOSES, profile=profile),
        )
        for description, value, expect in INVENTORY_CONSENTS:
            f.decide(description, value, NAMES, expect=expect if profile == "charter" else None)
    # What the cnil profile changes, said in words.
    cnil = FILES[-1]
    cnil.decide(
        "cnil: the 25-month anonymous cookie needs consent",
        None,
        ["stats_long", "_pk_id.1.abcd", "_pk_ses.1.abcd"],
        expect={
            "stats_long": ("consent", False, "unset"),
            "_pk_id.1.abcd": ("anonymous_statistics", True, "unset"),
            "_pk_ses.1.abcd": ("anonymous_statistics", True, "unset"),
        },
    )
    cnil.decide(
        "cnil: an old consent is expired for every purpose, necessary aside",
        consent(at=NOW - 7 * MONTH, **ALL_GRANTED),
        NAMES,
        expect={
            "_ga": ("consent", False, "expired"),
            "IDE": ("third_party", False, "expired"),
            "_pk_id.1.abcd": ("anonymous_statistics", True, "expired"),
            "sessionid": ("necessary", True, "granted"),
        },
    )


def states_file() -> None:
    """Each consent state under each rule that reports it."""
    doc = policy(
        [
            cookie("need", "necessary"),
            cookie("third", "marketing", party="third"),
            cookie("anon", "statistics", "6 months", anonymous=True),
            cookie("first_stats", "statistics"),
            cookie("first_ads", "marketing"),
        ],
        {"statistics": {"revision": 2}, "marketing": {"revision": 2}},
        revision=2,
        profile="cnil",
        max_age="6 months",
    )
    f = new_file(
        "states",
        "every-state",
        "Each consent state (granted, denied, unset, expired, stale) under each rule; `denied`, "
        "`unset`, `expired` and `stale` all deny, and `necessary` always reports `granted`.",
        doc,
    )
    names = ["need", "third", "anon", "first_stats", "first_ads"]
    table = [
        ("granted", consent(rev=2, statistics=1, marketing=1), True),
        ("denied", consent(rev=2, statistics=0, marketing=0), False),
        ("unset: valid cookie, no choice", consent(rev=2), False),
        ("unset: no cookie", None, False),
        ("expired", consent(rev=2, at=NOW - 6 * MONTH - 1, statistics=1, marketing=1), False),
        ("stale granted", consent(rev=1, statistics=1, marketing=1), False),
        ("stale denied", consent(rev=1, statistics=0, marketing=0), False),
        ("expired wins over stale", consent(rev=1, at=NOW - YEAR, statistics=1, marketing=1), False),
        ("expired with no choice", consent(rev=2, at=NOW - YEAR), False),
    ]
    for description, value, allowed in table:
        state = description.split(":")[0].split(" ")[0]
        expect = {
            "need": ("necessary", True, "granted"),
            "third": ("third_party", allowed, state),
            "anon": ("anonymous_statistics", True, state),
            "first_stats": ("consent", allowed, state),
            "first_ads": ("consent", allowed, state),
        }
        f.decide(description, value, names, expect=expect)


def cnil_exemption_files() -> None:
    lifetimes = [
        ("session", "session"),
        ("30 minutes", "30 minutes"),
        ("30 days", "30 days"),
        ("1 year", "1 year"),
        ("13 months", "13 months"),
        ("390 days", "390 days"),
        ("391 days", "391 days"),
        ("56 weeks", "56 weeks"),
        ("14 months", "14 months"),
        ("2 years", "2 years"),
        ("33696000 seconds", "33696000 seconds"),
        ("33696001 seconds", "33696001 seconds"),
    ]
    cookies = [
        cookie(f"anon_{i}", "statistics", lifetime, anonymous=True)
        for i, (_, lifetime) in enumerate(lifetimes)
    ]
    cookies.append(cookie("named_stats", "statistics", "1 day", anonymous=False))
    names = [c["name"] for c in cookies]
    for profile in ("charter", "cnil"):
        f = new_file(
            "profiles",
            f"exemption-{profile}",
            f"The anonymous statistics exemption under `{profile}`: "
            + (
                "any lifetime."
                if profile == "charter"
                else "only a declared lifetime of at most 13 months (390 days; session included)."
            ),
            policy(cookies, {"statistics": {}}, profile=profile),
        )
        for description, value in [
            ("no consent cookie", None),
            ("statistics denied", consent(statistics=0)),
            ("statistics granted", consent(statistics=1)),
        ]:
            expect = None
            if profile == "cnil" and value is None:
                expect = {
                    "anon_0": ("anonymous_statistics", True, "unset"),
                    "anon_5": ("anonymous_statistics", True, "unset"),
                    "anon_6": ("consent", False, "unset"),
                    "anon_10": ("anonymous_statistics", True, "unset"),
                    "anon_11": ("consent", False, "unset"),
                    "named_stats": ("consent", False, "unset"),
                }
            f.decide(description, value, names, expect=expect)


def cnil_expiry_files() -> None:
    names = ["pref", "ads", "need"]
    cookies = [
        cookie("pref", "preferences"),
        cookie("ads", "marketing", domain="ads.example.com"),
        cookie("need", "necessary"),
    ]
    purposes = {"preferences": {}, "marketing": {}}
    for profile, max_age, limit in [
        ("cnil", None, 180 * DAY),
        ("cnil", "30 days", 30 * DAY),
        ("cnil", "1 year", YEAR),
        ("cnil", "12 hours", 12 * 3600),
        ("cnil", "13 months", 13 * MONTH),
        ("charter", None, None),
        ("charter", "30 days", None),
    ]:
        label = max_age.replace(" ", "-") if max_age else "default"
        f = new_file(
            "profiles",
            f"expiry-{profile}-{label}",
            f"Consent expiry under `{profile}` with consent_max_age {max_age or 'absent'}"
            + (
                f": a consent older than {limit} seconds is `expired`."
                if limit
                else ": consents never expire under `charter`."
            ),
            policy(cookies, purposes, profile=profile, max_age=max_age),
        )
        ages = [0, 1, DAY, 29 * DAY, 30 * DAY, 30 * DAY + 1, 6 * MONTH, 6 * MONTH + 1, YEAR,
                YEAR + 1, 13 * MONTH, 13 * MONTH + 1, 10 * YEAR, NOW]
        for age in ages:
            for choice in (1, 0):
                value = consent(at=NOW - age, preferences=choice, marketing=choice)
                expect = None
                if limit is not None:
                    state = "expired" if age > limit else ("granted" if choice else "denied")
                    expect = {
                        "pref": ("consent", state == "granted", state),
                        "ads": ("third_party", state == "granted", state),
                        "need": ("necessary", True, "granted"),
                    }
                f.decide(
                    f"consent {'granted' if choice else 'denied'} {age} seconds ago",
                    value,
                    names,
                    expect=expect,
                )
        f.decide("no consent cookie is unset, not expired", None, names,
                 expect={"pref": ("consent", False, "unset")})
        f.decide("expiry is measured from `at`, a day ahead is not expired",
                 consent(at=NOW + DAY, preferences=1, marketing=1), names)


def staleness_file() -> None:
    purposes = {
        "statistics": {"revision": 1},
        "preferences": {"revision": 3},
        "marketing": {"revision": 5},
        "social": {},
    }
    cookies = [
        cookie("stats", "statistics"),
        cookie("pref", "preferences"),
        cookie("ads", "marketing"),
        cookie("share", "social", party="third"),
        cookie("anon", "statistics", anonymous=True),
    ]
    names = ["stats", "pref", "ads", "share", "anon"]
    f = new_file(
        "staleness",
        "per-purpose-revisions",
        "Site revision 5; purposes last changed at revisions 1 (statistics), 3 (preferences), "
        "5 (marketing) and 5 by default (social): a consent is `stale` only for the purposes "
        "whose revision is above the consent's `rev`.",
        policy(cookies, purposes, revision=5),
    )
    for rev in range(0, 8):
        for choice in (1, 0):
            f.decide(
                f"consent rev {rev}, all {'granted' if choice else 'denied'}",
                consent(rev=rev, statistics=choice, preferences=choice, marketing=choice,
                        social=choice),
                names,
            )
    f.decide("rev 3, only marketing chosen: the others are unset, not stale",
             consent(rev=3, marketing=1), names,
             expect={"ads": ("consent", False, "stale"), "stats": ("consent", False, "unset")})
    f.decide("rev 2, statistics granted: statistics is current", consent(rev=2, statistics=1),
             names, expect={"stats": ("consent", True, "granted")})
    f.decide("rev 4, preferences granted: current", consent(rev=4, preferences=1), names,
             expect={"pref": ("consent", True, "granted")})
    f.decide("rev 2, preferences granted: stale", consent(rev=2, preferences=1), names,
             expect={"pref": ("consent", False, "stale")})
    f.decide("rev 18446744073709551615 is the largest revision", consent(rev=2**64 - 1, social=1),
             names, expect={"share": ("third_party", True, "granted")})
    g = new_file(
        "staleness",
        "site-revision-bump",
        "A site revision bump with no purpose revision re-asks every purpose.",
        policy([cookie("stats", "statistics"), cookie("pref", "preferences")],
               {"preferences": {}}, revision=2),
    )
    for rev in (0, 1, 2, 3):
        g.decide(f"consent for revision {rev}", consent(rev=rev, statistics=1, preferences=0),
                 ["stats", "pref"])


MATCHING_TOML = """\
[site]
name = "Matching"
url = "https://shop.example.com"
consent_cookie = "consent"

[purposes.preferences]
label = "Preferences"

[purposes.marketing]
label = "Marketing"

[[cookies]]
name = "consent"
provider = "Shop"
service = "Banner"
purpose = "necessary"
description = "Your choice"
lifetime = "6 months"

[[cookies]]
name = "_ga"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Exact name"
lifetime = "13 months"

[[cookies]]
name = "_ga*"
provider = "Google"
service = "Analytics"
purpose = "preferences"
description = "Prefix pattern, 3 literal characters"
lifetime = "1 day"

[[cookies]]
name = "_ga_*"
provider = "Google"
service = "Analytics"
purpose = "marketing"
description = "Longer prefix pattern, 4 literal characters"
lifetime = "1 day"

[[cookies]]
name = "*"
provider = "Anyone"
service = "Catch-all"
purpose = "marketing"
description = "Matches every name, the empty one included"
lifetime = "1 day"

[[cookies]]
name = "*_session"
provider = "Shop"
service = "Sessions"
purpose = "necessary"
description = "Suffix pattern"
lifetime = "session"

[[cookies]]
name = "ab*ba"
provider = "Shop"
service = "Palindromes"
purpose = "preferences"
description = "Prefix and suffix; the star may match nothing"
lifetime = "1 day"

[[cookies]]
name = "pref.*.x"
provider = "Shop"
service = "Preferences"
purpose = "preferences"
description = "Prefix and suffix with dots"
lifetime = "1 day"

[[cookies]]
name = "pref.*"
provider = "Shop"
service = "Preferences"
purpose = "statistics"
description = "Shorter than pref.*.x"
lifetime = "1 day"

[[cookies]]
name = "x_session"
provider = "Shop"
service = "Exact beats the suffix pattern"
purpose = "marketing"
description = "Exact"
lifetime = "1 day"

[[cookies]]
name = "tracker*"
provider = "Ads"
service = "Third-party trackers"
purpose = "marketing"
description = "Third party by declaration"
lifetime = "1 day"
party = "third"
"""

MATCHING_NAMES = [
    ("_ga", "statistics"),  # exact beats `_ga*`, `_ga_*` and `*`
    ("_gab", "preferences"),  # `_ga*` (3) beats `*` (0)
    ("_ga_", "marketing"),  # `_ga_*` with the empty run
    ("_ga_XYZ", "marketing"),  # `_ga_*` (4) beats `_ga*` (3)
    ("_g", "marketing"),  # only `*`
    ("", "marketing"),  # `*` matches the empty name
    ("anything", "marketing"),
    ("x_session", "marketing"),  # exact beats `*_session`
    ("y_session", "necessary"),  # `*_session` (8) beats `*`
    ("_session", "necessary"),  # `*_session` with the empty run
    ("session", "marketing"),
    ("abba", "preferences"),  # `ab*ba` with the empty run
    ("abxyba", "preferences"),
    ("aba", "marketing"),  # the literals cannot share the middle `b`
    ("abab", "marketing"),
    ("pref.a.x", "preferences"),  # `pref.*.x` (7) beats `pref.*` (5)
    ("pref..x", "preferences"),
    ("pref.x", "statistics"),  # too short for `pref.*.x`
    ("pref.", "statistics"),
    ("pref", "marketing"),
    ("trackerX", "marketing"),
    ("tracker", "marketing"),
    ("_GA", "marketing"),  # case-sensitive
    ("_ga*", "preferences"),  # a star in a name is a plain character, matched by `_ga*`
    ("*", "marketing"),
    ("ab*ba", "preferences"),
    ("consent", "necessary"),
]


def matching_file() -> None:
    f = new_file(
        "matching",
        "specificity",
        "Name matching: an exact name beats every pattern; among patterns the one with the most "
        "literal characters wins; `*` matches any run, the empty one included; matching is "
        "case-sensitive.",
        toml=MATCHING_TOML,
    )
    names = [n for n, _ in MATCHING_NAMES]
    for n, purpose in MATCHING_NAMES:
        d = f.model.decide(n, model.Consent(), NOW)
        if d["purpose"] != purpose:
            sys.exit(f"matching table: {n!r} gives {d['purpose']}, table says {purpose}")
    for description, value in [
        ("no consent cookie", None),
        ("everything granted", consent(statistics=1, preferences=1, marketing=1)),
        ("marketing denied", consent(statistics=1, preferences=1, marketing=0)),
    ]:
        f.decide(description, value, names)
    for n, _ in MATCHING_NAMES:
        f.decide(f"the name {n!r} alone", consent(marketing=1), [n], ask=False)


UNDECLARED_NAMES = [
    "",
    " ",
    "SESSIONID",
    "Sessionid",
    "sessionid ",
    " sessionid",
    "sessionid\t",
    "session",
    "sessionid2",
    "_g",
    "_pk_id",
    "_pk_id.",  # matches `_pk_id.*` with the empty run: declared
    "s\u00e9ssion",
    "sessionid\u0000",
    "sessionid\r\n",
    "consent=1",
    "a" * 300,
    "ads",
    "ads-campaign",
    "\u2603",
    "*",
    "csrf*",
    "_ga_*",  # matches the pattern `_ga_*` as a name: declared
]


def undeclared_file() -> None:
    f = new_file(
        "rules",
        "undeclared-names",
        "Names no declaration matches are denied by rule `undeclared`, with null purpose and "
        "state: near misses, case differences, spaces, control characters, non-ASCII, long names.",
        policy(INVENTORY, PURPOSES),
    )
    for description, value in [
        ("no consent cookie", None),
        ("everything granted", consent(**ALL_GRANTED)),
    ]:
        f.decide(description, value, UNDECLARED_NAMES)
    for n in UNDECLARED_NAMES:
        f.decide(f"the name {n[:40]!r} with everything granted", consent(**ALL_GRANTED), [n],
                 ask=False)


# Hostile and malformed consent values: (description, value, expected problem).
BIG = "v=1&rev=1&at=1699999900&" + "&".join(f"p{i}=1" for i in range(900))
HOSTILE = [
    ("absent", None, "absent"),
    ("empty value", "", "absent"),
    ("valid, minimal", "v=1&rev=1&at=1699999900", None),
    ("valid, keys in another order", "statistics=1&at=1699999900&rev=1&v=1", None),
    ("valid, 4096 bytes exactly", None, None),
    ("oversized: 4097 bytes", None, "oversized"),
    ("oversized: well-formed but huge", BIG, "oversized"),
    ("oversized: garbage", "\u00e9" * 2049, "oversized"),
    ("duplicate purpose, same value", "v=1&rev=1&at=1699999900&statistics=1&statistics=1",
     "duplicate_key"),
    ("duplicate purpose, other value", "v=1&rev=1&at=1699999900&statistics=1&statistics=0",
     "duplicate_key"),
    ("duplicate v", "v=1&v=1&rev=1&at=1699999900", "duplicate_key"),
    ("duplicate rev", "v=1&rev=1&rev=2&at=1699999900", "duplicate_key"),
    ("duplicate at", "v=1&rev=1&at=1699999900&at=1699999900", "duplicate_key"),
    ("version 2", "v=2&rev=1&at=1699999900&statistics=1", "unknown_version"),
    ("version 0", "v=0&rev=1&at=1699999900&statistics=1", "unknown_version"),
    ("version 10", "v=10&rev=1&at=1699999900&statistics=1", "unknown_version"),
    ("version beyond 64 bits", "v=99999999999999999999999&rev=1&at=1699999900",
     "unknown_version"),
    ("version 2 alone: its layout may differ", "v=2", "unknown_version"),
    ("version 2 with another layout", "v=2&consent=all", "unknown_version"),
    ("version not a number", "v=one&rev=1&at=1699999900", "malformed"),
    ("version negative", "v=-1&rev=1&at=1699999900", "malformed"),
    ("version empty", "v=&rev=1&at=1699999900", "malformed"),
    ("version missing", "rev=1&at=1699999900&statistics=1", "malformed"),
    ("rev missing", "v=1&at=1699999900&statistics=1", "malformed"),
    ("at missing", "v=1&rev=1&statistics=1", "malformed"),
    ("rev negative", "v=1&rev=-1&at=1699999900", "malformed"),
    ("rev with a plus sign", "v=1&rev=+1&at=1699999900", "malformed"),
    ("rev beyond 64 bits", "v=1&rev=18446744073709551616&at=1699999900", "malformed"),
    ("rev decimal", "v=1&rev=1.0&at=1699999900", "malformed"),
    ("rev hexadecimal", "v=1&rev=0x1&at=1699999900", "malformed"),
    ("rev with exponent", "v=1&rev=1e3&at=1699999900", "malformed"),
    ("rev empty", "v=1&rev=&at=1699999900", "malformed"),
    ("rev with a space", "v=1&rev= 1&at=1699999900", "malformed"),
    ("at negative", "v=1&rev=1&at=-1", "malformed"),
    ("at decimal", "v=1&rev=1&at=1699999900.5", "malformed"),
    ("at huge", "v=1&rev=1&at=99999999999999999999", "malformed"),
    ("at largest 64-bit", "v=1&rev=1&at=18446744073709551615", "malformed"),
    ("at one day ahead is accepted", f"v=1&rev=1&at={NOW + DAY}&statistics=1", None),
    ("at one day and one second ahead", f"v=1&rev=1&at={NOW + DAY + 1}&statistics=1",
     "malformed"),
    ("at a year ahead", f"v=1&rev=1&at={NOW + YEAR}&statistics=1", "malformed"),
    ("at zero", "v=1&rev=1&at=0&statistics=1", None),
    ("rev zero", "v=1&rev=0&at=1699999900&statistics=1", None),
    ("purpose value 2", "v=1&rev=1&at=1699999900&statistics=2", "malformed"),
    ("purpose value yes", "v=1&rev=1&at=1699999900&statistics=yes", "malformed"),
    ("purpose value true", "v=1&rev=1&at=1699999900&statistics=true", "malformed"),
    ("purpose value granted", "v=1&rev=1&at=1699999900&statistics=granted", "malformed"),
    ("purpose value empty", "v=1&rev=1&at=1699999900&statistics=", "malformed"),
    ("purpose value 01", "v=1&rev=1&at=1699999900&statistics=01", "malformed"),
    ("purpose value -1", "v=1&rev=1&at=1699999900&statistics=-1", "malformed"),
    ("purpose value with a space", "v=1&rev=1&at=1699999900&statistics=1 ", "malformed"),
    ("purpose value 1=1", "v=1&rev=1&at=1699999900&statistics=1=1", "malformed"),
    ("unknown purpose with a bad value", "v=1&rev=1&at=1699999900&videos=maybe", "malformed"),
    ("unknown purpose is ignored", "v=1&rev=1&at=1699999900&videos=1&statistics=1", None),
    ("key not a purpose id: capital", "v=1&rev=1&at=1699999900&Statistics=1", "malformed"),
    ("key not a purpose id: digit first", "v=1&rev=1&at=1699999900&1stats=1", "malformed"),
    ("key not a purpose id: 33 characters", f"v=1&rev=1&at=1699999900&{'a' * 33}=1",
     "malformed"),
    ("key of 32 characters is a purpose id", f"v=1&rev=1&at=1699999900&{'a' * 32}=1", None),
    ("percent-encoded value", "v=1&rev=1&at=1699999900&statistics=%31", "malformed"),
    ("percent-encoded key", "v=1&rev=1&at=1699999900&%73tatistics=1", "malformed"),
    ("percent-encoded separator", "v=1%26rev=1%26at=1699999900", "malformed"),
    ("plus for a space", "v=1&rev=1&at=1699999900&statistics=+1", "malformed"),
    ("empty part in the middle", "v=1&&rev=1&at=1699999900", "malformed"),
    ("trailing ampersand", "v=1&rev=1&at=1699999900&", "malformed"),
    ("leading ampersand", "&v=1&rev=1&at=1699999900", "malformed"),
    ("a part without =", "v=1&rev=1&at=1699999900&statistics", "malformed"),
    ("only ampersands", "&&&", "malformed"),
    ("only =", "=", "malformed"),
    ("semicolons instead of ampersands", "v=1;rev=1;at=1699999900", "malformed"),
    ("whole cookie header", "consent=v=1&rev=1&at=1699999900", "malformed"),
    ("quoted value", '"v=1&rev=1&at=1699999900"', "malformed"),
    ("leading space", " v=1&rev=1&at=1699999900", "malformed"),
    ("newline at the end", "v=1&rev=1&at=1699999900&statistics=1\n", "malformed"),
    ("NUL byte in a value", "v=1&rev=1&at=1699999900&statistics=1\u0000", "malformed"),
    ("tab in a key", "v=1&rev=1&at=1699999900&stat\tistics=1", "malformed"),
    ("CRLF injection", "v=1&rev=1&at=1699999900\r\nSet-Cookie: x=1", "malformed"),
    ("DEL character", "v=1&rev=1&at=1699999900&\u007f=1", "malformed"),
    ("non-ASCII key", "v=1&rev=1&at=1699999900&statistiqu\u00e9s=1", "malformed"),
    ("non-ASCII digits", "v=1&rev=\u0661&at=1699999900", "malformed"),
    ("fullwidth digits", "v=\uff11&rev=1&at=1699999900", "malformed"),
    ("JSON instead", '{"v":1,"rev":1,"at":1699999900}', "malformed"),
    ("base64 garbage", "dj0xJnJldj0xJmF0PTE2OTk5OTk5MDA=", "malformed"),
    ("uppercase V", "V=1&rev=1&at=1699999900", "malformed"),
]


def well_formed(size: int) -> str:
    """A valid consent value of exactly `size` bytes: many distinct purposes."""
    value = "v=1&rev=1&at=1699999900&statistics=1"
    i = 0
    while size - len(value) >= 27:
        value += f"&k{i:019d}=1"
        i += 1
    value += "&" + "z" * (size - len(value) - 3) + "=1"
    assert len(value) == size
    return value


def hostile_file() -> None:
    f = new_file(
        "consent-cookie",
        "hostile-values",
        "Malformed and hostile consent cookie values: each gives no consent (every purpose "
        "`unset`, `necessary` still `granted`) and a problem code; valid edge cases give none.",
        policy(
            [
                cookie("stats", "statistics"),
                cookie("ads", "marketing", party="third"),
                cookie("need", "necessary"),
                cookie("anon", "statistics", "30 days", anonymous=True),
            ],
            {"statistics": {}, "marketing": {}},
        ),
    )
    names = ["stats", "ads", "need", "anon"]
    for description, value, problem in HOSTILE:
        if description == "oversized: 4097 bytes":
            value = well_formed(4097)
        if description == "valid, 4096 bytes exactly":
            value = well_formed(4096)
        f.decide(description, value, names, problem=problem)


def purposes_to_ask_file() -> None:
    doc = policy(
        [
            cookie("anon", "statistics", anonymous=True),  # exempt: statistics needs no banner
            cookie("pref", "preferences"),
            cookie("ads", "marketing", domain="ads.example.net"),
            cookie("need", "necessary"),
            cookie("unused_need", "functional", party="third"),
        ],
        {
            "statistics": {},
            "preferences": {"revision": 2},
            "marketing": {},
            "social": {},  # declared, but no cookie: never asked
            "functional": {"revision": 1},
        },
        revision=3,
        profile="cnil",
    )
    f = new_file(
        "purposes-to-ask",
        "banner",
        "purposes_to_ask: the purposes, `necessary` aside, whose state is unset, stale or "
        "expired and that have at least one cookie needing consent (an exempt statistics cookie "
        "does not; a purpose with no cookie is never asked).",
        doc,
    )
    names = ["anon", "pref", "ads", "need", "unused_need"]
    table = [
        ("no consent cookie: ask all", None, ["functional", "marketing", "preferences"]),
        ("malformed: ask all", "v=1&rev=3", ["functional", "marketing", "preferences"]),
        ("all answered, current", consent(rev=3, preferences=1, marketing=0, functional=0), []),
        ("all granted", consent(rev=3, preferences=1, marketing=1, functional=1), []),
        ("marketing missing", consent(rev=3, preferences=1, functional=1), ["marketing"]),
        ("rev 2: marketing stale", consent(rev=2, preferences=1, marketing=1, functional=1),
         ["marketing"]),
        ("rev 1: preferences and marketing stale",
         consent(rev=1, preferences=0, marketing=0, functional=0), ["marketing", "preferences"]),
        ("expired: ask all", consent(rev=3, at=NOW - YEAR, preferences=1, marketing=1,
                                     functional=1), ["functional", "marketing", "preferences"]),
        ("statistics never asked (exempt)", consent(rev=3, preferences=1, marketing=1,
                                                    functional=1, statistics=0), []),
        ("social never asked (no cookie)", consent(rev=3, preferences=1, marketing=0,
                                                   functional=0), []),
        ("from the future: ask all", consent(rev=3, at=NOW + 2 * DAY, preferences=1,
                                             marketing=1, functional=1),
         ["functional", "marketing", "preferences"]),
    ]
    for description, value, want in table:
        c = model.parse_consent(value)
        got = f.model.purposes_to_ask(c, NOW)
        if got != want:
            sys.exit(f"purposes_to_ask table: {description}: model {got}, table {want}")
        f.decide(description, value, names)
    g = new_file(
        "purposes-to-ask",
        "charter-statistics",
        "purposes_to_ask under `charter`: a built-in `statistics` with a cookie needing consent "
        "is asked even though the policy does not declare it; exempt cookies alone need no banner.",
        policy([cookie("_ga", "statistics"), cookie("_pk", "statistics", anonymous=True)]),
    )
    g.decide("no consent cookie", None, ["_ga", "_pk"])
    g.decide("statistics denied", consent(statistics=0), ["_ga", "_pk"])
    h = new_file(
        "purposes-to-ask",
        "no-banner",
        "A policy whose cookies are all necessary or exempt needs no banner.",
        policy([cookie("_pk", "statistics", "13 months", anonymous=True),
                cookie("sid", "necessary")], profile="cnil"),
    )
    h.decide("no consent cookie", None, ["_pk", "sid", "other"])
    h.decide("expired consent", consent(at=NOW - YEAR, statistics=0), ["_pk", "sid", "other"])


def example_file() -> None:
    toml = (ROOT / "examples" / "epn-agglo" / "policy.toml").read_text(encoding="utf-8")
    f = new_file(
        "example",
        "epn-agglo",
        "The seed charter (examples/epn-agglo/policy.toml): four necessary cookies, always "
        "allowed; anything else is undeclared.",
        toml=toml,
    )
    names = ["sessionid", "django_language", "csrftoken", "cookies_preferences", "_ga",
             "_pk_id.1.abcd", "SESSIONID"]
    for description, value in [
        ("no consent cookie", None),
        ("statistics granted", consent(statistics=1)),
        ("everything denied", consent(statistics=0, marketing=0)),
        ("malformed consent", "v=1&rev=one&at=1"),
    ]:
        f.decide(description, value, names)


# -- signals: GPC, Consent Mode, TC strings -----------------------------------------------------


def gpc_file() -> None:
    doc = policy(
        [
            cookie("_ga", "statistics"),
            cookie("_pk", "statistics", "13 months", anonymous=True),
            cookie("lang", "preferences"),
            cookie("_fbp", "marketing", domain=".facebook.net"),
            cookie("ad_first", "marketing"),
            cookie("share", "social", party="third"),
            cookie("yt", "videos", domain=".youtube.com"),
            cookie("promo", "advertising"),
        ],
        {
            "statistics": {},
            "preferences": {},
            "marketing": {"revision": 2},
            "social": {"gpc": True, "revision": 1},
            "videos": {"revision": 1},
            "advertising": {"gpc": False},
        },
        revision=2,
        profile="cnil",
    )
    f = new_file(
        "signals",
        "gpc",
        "Global Privacy Control (Sec-GPC: 1): never consent; where the visitor has no valid "
        "choice (unset, stale, expired), it refuses the purposes the policy marks as covered "
        "(`gpc`, by default those mapped to an advertising Consent Mode signal), reported as "
        "`gpc_denied`, and the banner does not ask them; an explicit choice wins.",
        doc,
    )
    names = ["_ga", "_pk", "lang", "_fbp", "ad_first", "share", "yt", "promo", "consent"]
    gpc_denied = {"_fbp": ("third_party", False, "gpc_denied"),
                  "ad_first": ("consent", False, "gpc_denied"),
                  "share": ("third_party", False, "gpc_denied")}
    f.decide("no consent cookie, no GPC", None, names, mode=True)
    f.decide("no consent cookie, GPC: marketing and social refused", None, names, gpc=True,
             mode=True, expect={**gpc_denied, "_ga": ("consent", False, "unset"),
                                "promo": ("consent", False, "unset"),
                                "yt": ("third_party", False, "unset")})
    f.decide("malformed consent, GPC", "v=1&rev=2", names, gpc=True, mode=True,
             expect=gpc_denied)
    f.decide("explicit grants win over GPC",
             consent(rev=2, marketing=1, social=1, statistics=1), names, gpc=True, mode=True,
             expect={"_fbp": ("third_party", True, "granted"),
                     "share": ("third_party", True, "granted")})
    f.decide("explicit refusals are reported as denied, not gpc_denied",
             consent(rev=2, marketing=0, social=0), names, gpc=True, mode=True,
             expect={"_fbp": ("third_party", False, "denied"),
                     "share": ("third_party", False, "denied")})
    f.decide("stale marketing choice (rev 1): GPC refuses it; social's choice is current",
             consent(rev=1, marketing=1, social=1, videos=1), names, gpc=True, mode=True,
             expect={"_fbp": ("third_party", False, "gpc_denied"),
                     "share": ("third_party", True, "granted"),
                     "yt": ("third_party", True, "granted")})
    f.decide("expired consent: GPC refuses the covered purposes, the others are expired",
             consent(rev=2, at=NOW - YEAR, marketing=1, social=1, statistics=1), names,
             gpc=True, mode=True,
             expect={"_fbp": ("third_party", False, "gpc_denied"),
                     "_ga": ("consent", False, "expired")})
    f.decide("some choices, GPC for the rest", consent(rev=2, statistics=1, preferences=0),
             names, gpc=True, mode=True)
    f.decide("the same choices without GPC", consent(rev=2, statistics=1, preferences=0),
             names, mode=True)


def consent_mode_file() -> None:
    doc = policy(
        [
            cookie("_ga", "statistics"),
            cookie("lang", "preferences"),
            cookie("_fbp", "marketing", domain=".facebook.net"),
            cookie("share", "social", party="third"),
            cookie("yt", "videos", domain=".youtube.com"),
        ],
        {
            "statistics": {},
            "preferences": {"consent_mode": ["functionality_storage"]},
            "marketing": {},
            "social": {"consent_mode": ["ad_user_data", "personalization_storage"]},
            "videos": {"consent_mode": []},
        },
    )
    f = new_file(
        "signals",
        "consent-mode",
        "Google Consent Mode v2: a signal is granted when at least one purpose maps to it and "
        "every purpose that maps to it is granted; security_storage follows `necessary`. "
        "Defaults: statistics -> analytics_storage, marketing -> the three ad signals, "
        "preferences -> functionality and personalization storage (here overridden).",
        doc,
    )
    names = ["_ga", "lang", "_fbp", "share", "yt"]
    for description, value in [
        ("no consent: only security_storage", None),
        ("everything granted", consent(statistics=1, preferences=1, marketing=1, social=1,
                                       videos=1)),
        ("marketing granted, social denied: ad_user_data denied", consent(marketing=1,
                                                                          social=0)),
        ("social granted, marketing absent: ad_user_data denied", consent(social=1)),
        ("preferences and statistics granted", consent(statistics=1, preferences=1)),
        ("everything denied", consent(statistics=0, preferences=0, marketing=0, social=0,
                                      videos=0)),
    ]:
        f.decide(description, value, names, mode=True)


def tcf_consent_file() -> None:
    doc = policy(
        [
            cookie("_ga", "statistics"),
            cookie("lang", "preferences"),
            cookie("_fbp", "marketing", domain=".facebook.net"),
            cookie("share", "social", party="third"),
            cookie("yt", "videos", domain=".youtube.com"),
        ],
        {
            "statistics": {"tcf_purposes": [7, 8]},
            "preferences": {"tcf_purposes": [5, 6]},
            "marketing": {"tcf_purposes": [1, 2, 3, 4]},
            "social": {"tcf_purposes": [1]},
            "videos": {},
        },
    )
    f = new_file(
        "signals",
        "tcf-consent",
        "An IAB TCF v2 string as the consent input: a purpose that maps TCF purposes "
        "(`tcf_purposes`) is granted when all of them have consent in the core segment and, "
        "when present, in the publisher-TC segment; otherwise denied. Legitimate interest "
        "never counts; unmapped purposes stay unset. Strings that do not decode, or break the "
        "v2.2 rule on legitimate interest, are refused.",
        doc,
    )
    names = ["_ga", "lang", "_fbp", "share", "yt"]
    # After every string's LastUpdated (the example is from 2025): none is from the future.
    later = 1_800_000_000
    suite = tcf_vectors.SUITE
    iab = json.loads((suite / "v2.2" / "iabconsent.json").read_text(encoding="utf-8"))
    for i, vector in enumerate(iab["valid"]):
        f.decide(f"iabconsent valid[{i}]", None, names, tc_string=vector["consent"], mode=True,
                 now=later)
    for name in ["a", "b", "c"]:
        v = json.loads((suite / "v2" / f"consent_{name}.json").read_text(encoding="utf-8"))
        f.decide(f"gguridi consent_{name}", None, names, tc_string=v["consent"], mode=True, now=later)
    f.decide("the TCF specification's example", None, names, tc_string=tcf_vectors.SPEC_EXAMPLE,
             mode=True, now=later)
    f.decide("iabconsent valid[0] with GPC: the unmapped videos purpose stays unset "
             "(not covered)", None, names, tc_string=iab["valid"][0]["consent"], gpc=True,
             mode=True, now=later)
    for i, vector in enumerate(iab["invalid"]):
        f.decide(f"iabconsent invalid[{i}]: {vector['comment']}", None, names,
                 tc_string=vector["consent"], tc_error="invalid_tc_string",
                 now=later)
    for description, text in [("empty string", ""), ("not base64url", "CO+zTO5O"),
                              ("truncated core segment", "COvzTO5OvzTO5B7ABCENAPCYAKdAAD")]:
        f.decide(description, None, names, tc_string=text, tc_error="invalid_tc_string",
                 now=later)


# -- load errors (expected values written by hand) --------------------------------------------

SITE = """\
[site]
name = "Example"
url = "https://www.example.org"
consent_cookie = "consent"
"""

COOKIE = """\
[[cookies]]
name = "{name}"
provider = "Example"
service = "Example"
purpose = "{purpose}"
description = "Example"
lifetime = "{lifetime}"
"""

JSON_SITE = '{\n  "site": {"name": "E", "url": "https://e.example", "consent_cookie": "c"},\n'
JSON_COOKIE = (
    '    {{"name": "{name}", "provider": "E", "service": "S", "purpose": "{purpose}", '
    '"description": "D", "lifetime": "1 day"}}'
)

LOAD_ERRORS: list[tuple[str, str, dict, dict]] = [
    # (name, description, {"policy_toml"|"policy_json": text}, error)
    (
        "syntax-toml",
        "TOML that does not parse: the error points at the unexpected character",
        {"policy_toml": SITE + "revision = @\n"},
        {"code": "syntax", "field": None, "line": 5, "column": 12},
    ),
    (
        "syntax-json",
        "JSON that does not parse: the error points at the unexpected character",
        {"policy_json": '{\n  "site": @\n}\n'},
        {"code": "syntax", "field": None, "line": 2, "column": 11},
    ),
    (
        "too-large-text",
        "a label longer than the text limit (8 KiB)",
        {"policy_toml": SITE + '\n[purposes.ads]\nlabel = "' + "x" * 8193 + '"\n'},
        {"code": "too_large", "field": "purposes.ads.label", "line": 7, "column": 9},
    ),
    (
        "too-many-purposes",
        "more purposes than the limit (64)",
        {
            "policy_json": '{\n  "site": {"name": "E", "url": "https://e.example", '
            '"consent_cookie": "c"},\n  "purposes": {'
            + ", ".join(f'"p{i}": {{"label": "P"}}' for i in range(70))
            + "}\n}\n"
        },
        {"code": "too_many", "field": "purposes", "line": 3, "column": 15},
    ),
    (
        "too-deep",
        "nesting deeper than 16 levels (the document itself is level 1)",
        {"policy_json": '{"site": {"name": ' + "[" * 40 + "]" * 40 + "}}"},
        {"code": "too_deep", "field": None, "line": 1, "column": 33},
    ),
    (
        "unknown-field-site",
        "a field [site] does not know",
        {"policy_toml": SITE + 'colour = "red"\n'},
        {"code": "unknown_field", "field": "site.colour", "line": 5, "column": 1},
    ),
    (
        "unknown-field-cookie",
        "a field a cookie declaration does not know",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="a", purpose="necessary",
                                                      lifetime="1 day") + "secure = true\n"},
        {"code": "unknown_field", "field": "cookies[0].secure", "line": 13, "column": 1},
    ),
    (
        "missing-field-json",
        "a cookie without a lifetime (JSON: the error points at the declaration)",
        {
            "policy_json": '{\n  "site": {"name": "E", "url": "https://e.example", '
            '"consent_cookie": "c"},\n  "cookies": [\n    {"name": "c", "provider": "E", '
            '"service": "S", "purpose": "necessary", "description": "D"}\n  ]\n}\n'
        },
        {"code": "missing_field", "field": "cookies[0].lifetime", "line": 4, "column": 5},
    ),
    (
        "missing-field-site-url",
        "a site without a URL (JSON)",
        {"policy_json": '{"site": {"name": "E", "consent_cookie": "c"}}'},
        {"code": "missing_field", "field": "site.url", "line": 1, "column": 10},
    ),
    (
        "unknown-purpose-json",
        "a cookie whose purpose the policy does not declare (JSON)",
        {
            "policy_json": JSON_SITE + '  "cookies": [\n'
            + JSON_COOKIE.format(name="c", purpose="ads") + "\n  ]\n}\n"
        },
        {"code": "unknown_purpose", "field": "cookies[0].purpose", "line": 4, "column": 63},
    ),
    (
        "duplicate-cookie-json",
        "the same name declared twice (JSON): the second declaration's name is reported",
        {
            "policy_json": JSON_SITE + '  "cookies": [\n'
            + JSON_COOKIE.format(name="c", purpose="necessary") + ",\n"
            + JSON_COOKIE.format(name="c", purpose="necessary") + "\n  ]\n}\n"
        },
        {"code": "duplicate_cookie", "field": "cookies[1].name", "line": 5, "column": 14},
    ),
    (
        "invalid-type",
        "a revision given as a string",
        {"policy_toml": SITE + 'revision = "2"\n'},
        {"code": "invalid_type", "field": "site.revision", "line": 5, "column": 12},
    ),
    (
        "invalid-value-profile",
        "a profile other than charter or cnil",
        {"policy_toml": SITE + 'profile = "gdpr"\n'},
        {"code": "invalid_value", "field": "site.profile", "line": 5, "column": 11},
    ),
    (
        "invalid-value-revision",
        "a site revision of 0",
        {"policy_toml": SITE + "revision = 0\n"},
        {"code": "invalid_value", "field": "site.revision", "line": 5, "column": 12},
    ),
    (
        "unknown-purpose",
        "a cookie whose purpose the policy does not declare",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="_ad", purpose="ads", lifetime="1 day")},
        {"code": "unknown_purpose", "field": "cookies[0].purpose", "line": 10, "column": 11},
    ),
    (
        "duplicate-cookie",
        "the same name declared twice: the second declaration's name is reported",
        {
            "policy_toml": SITE + "\n"
            + COOKIE.format(name="sid", purpose="necessary", lifetime="1 day") + "\n"
            + COOKIE.format(name="sid", purpose="necessary", lifetime="2 days")
        },
        {"code": "duplicate_cookie", "field": "cookies[1].name", "line": 15, "column": 8},
    ),
    (
        "invalid-name-two-stars",
        "a pattern with two `*`",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="_ga_*_*", purpose="necessary",
                                                      lifetime="1 day")},
        {"code": "invalid_name", "field": "cookies[0].name", "line": 7, "column": 8},
    ),
    (
        "invalid-name-space",
        "a cookie name with a space",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="my cookie", purpose="necessary",
                                                      lifetime="1 day")},
        {"code": "invalid_name", "field": "cookies[0].name", "line": 7, "column": 8},
    ),
    (
        "ambiguous-patterns",
        "two patterns of equal specificity that can match the same name (`ab`)",
        {
            "policy_toml": SITE + "\n"
            + COOKIE.format(name="a*", purpose="necessary", lifetime="1 day") + "\n"
            + COOKIE.format(name="*b", purpose="necessary", lifetime="1 day")
        },
        {"code": "ambiguous_patterns", "field": "cookies[1].name", "line": 15, "column": 8},
    ),
    (
        "anonymous-not-statistics",
        "`anonymous` on a marketing cookie",
        {
            "policy_toml": SITE + '\n[purposes.marketing]\nlabel = "Marketing"\n\n'
            + COOKIE.format(name="_ad", purpose="marketing", lifetime="1 day")
            + "anonymous = true\n"
        },
        {"code": "anonymous_not_statistics", "field": "cookies[0].anonymous", "line": 16,
         "column": 13},
    ),
    (
        "invalid-lifetime",
        "a lifetime that cannot be read",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="sid", purpose="necessary",
                                                      lifetime="forever")},
        {"code": "invalid_lifetime", "field": "cookies[0].lifetime", "line": 12, "column": 12},
    ),
    (
        "missing-label",
        "a purpose label without the text of a declared language",
        {
            "policy_toml": SITE + 'languages = ["fr", "en"]\n\n[purposes.marketing]\n'
            'label = { fr = "Publicité" }\n'
        },
        {"code": "missing_label", "field": "purposes.marketing.label", "line": 8, "column": 9},
    ),
    (
        "invalid-purpose-id",
        "a purpose id with a capital letter",
        {"policy_toml": SITE + '\n[purposes.Marketing]\nlabel = "Marketing"\n'},
        {"code": "invalid_purpose_id", "field": "purposes.Marketing", "line": 6, "column": 11},
    ),
    (
        "invalid-domain-url",
        "a site URL that is not a URL",
        {"policy_toml": '[site]\nname = "Example"\nurl = "not a url"\nconsent_cookie = "c"\n'},
        {"code": "invalid_domain", "field": "site.url", "line": 3, "column": 7},
    ),
    (
        "invalid-domain-public-suffix",
        "a cookie domain that is a public suffix",
        {"policy_toml": SITE + "\n" + COOKIE.format(name="sid", purpose="necessary",
                                                      lifetime="1 day") + 'domain = "com"\n'},
        {"code": "invalid_domain", "field": "cookies[0].domain", "line": 13, "column": 10},
    ),
]


def load_error_documents() -> dict[Path, dict]:
    out = {}
    for name, description, text, error in LOAD_ERRORS:
        out[VECTORS / "load-errors" / f"{name}.json"] = {
            "description": description,
            **text,
            "error": error,
        }
    return out


# -- writing -----------------------------------------------------------------------------------


def build() -> dict[Path, str]:
    FILES.clear()
    inventory_files()
    undeclared_file()
    states_file()
    cnil_exemption_files()
    cnil_expiry_files()
    staleness_file()
    matching_file()
    hostile_file()
    purposes_to_ask_file()
    example_file()
    gpc_file()
    consent_mode_file()
    tcf_consent_file()
    docs = {f.path: f.document() for f in FILES}
    docs.update(load_error_documents())
    return {path: dump(doc) + "\n" for path, doc in docs.items()}


def dump(value, indent: str = "") -> str:
    """JSON, indented, with each decision on one line."""
    if isinstance(value, dict) and "cookie" in value and "rule" in value:
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {dump(v, inner)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
        return "[\n" + ",\n".join(inner + dump(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, ensure_ascii=False)


def main() -> int:
    outputs = build()
    outputs.update(tcf_vectors.outputs())
    cases = sum(len(f.cases) for f in FILES)
    decisions = sum(len(c.get("decisions", [])) for f in FILES for c in f.cases)
    existing = set(VECTORS.rglob("*.json"))
    if "--check" in sys.argv:
        stale = [p for p, text in outputs.items()
                 if not p.exists() or p.read_text(encoding="utf-8") != text]
        extra = [p for p in existing - set(outputs) if _is_generated(p)]
        for p in stale + extra:
            print(f"differs from the generator: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale or extra else 0
    for path, text in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"{len(FILES)} decide files, {cases} cases, {decisions} decisions; "
          f"{len(LOAD_ERRORS)} load errors")
    return 0


GENERATED_GROUPS = {"rules", "states", "profiles", "staleness", "matching", "consent-cookie",
                    "purposes-to-ask", "example", "load-errors", "tcf", "signals"}


def _is_generated(path: Path) -> bool:
    return path.relative_to(VECTORS).parts[0] in GENERATED_GROUPS


if __name__ == "__main__":
    sys.exit(main())
