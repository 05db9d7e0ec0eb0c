"""An independent executable model of the cookie-charter spec (`docs/spec.md`), sections 3 to 5.

It is written from the specification alone, in plain Python (standard library only), so that it
can disagree with the engine when one of them is wrong. It knows only what decisions need: the
site's revision, profile and consent_max_age, the purposes and their revisions, and for each
cookie its name or pattern, purpose, party (declared, or derived from its domain), `anonymous`
and lifetime. It does not validate policies: give it policies the engine accepts.

Party derivation is simplified: a declared `party` wins, otherwise a cookie with a `domain` is
first party when the last two labels of the domain equal those of the site's host. Keep the
domains of model-checked policies simple (no multi-label public suffixes such as `co.uk`).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DAY = 86_400
MONTH = 30 * DAY
YEAR = 365 * DAY
CNIL_EXEMPT_LIFETIME = 13 * MONTH
DEFAULT_CONSENT_MAX_AGE = 6 * MONTH
MAX_CONSENT_BYTES = 4096
MAX_NUMBER = 2**64 - 1  # consent numbers are unsigned 64-bit integers

NECESSARY = "necessary"
STATISTICS = "statistics"

# Google Consent Mode v2 signals, in Google's order, and the defaults of section 10.
SIGNALS = ["ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
           "functionality_storage", "personalization_storage", "security_storage"]
AD_SIGNALS = {"ad_storage", "ad_user_data", "ad_personalization"}
DEFAULT_SIGNALS = {
    NECESSARY: ["security_storage"],
    STATISTICS: ["analytics_storage"],
    "marketing": sorted(AD_SIGNALS),
    "advertising": sorted(AD_SIGNALS),
    "preferences": ["functionality_storage", "personalization_storage"],
}

PURPOSE_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}\Z")
DIGITS = re.compile(r"[0-9]+\Z")

UNITS = {
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": DAY,
    "week": 7 * DAY,
    "month": MONTH,
    "year": YEAR,
}


def parse_lifetime(text: str) -> int | None:
    """Seconds of a lifetime such as `13 months`; None for `session`."""
    words = text.split()
    if words == ["session"]:
        return None
    count, unit = words
    unit = unit[:-1] if unit.endswith("s") else unit
    return int(count) * UNITS[unit]


def last_two_labels(host: str) -> str:
    return ".".join(host.strip(".").lower().split(".")[-2:])


@dataclass
class Cookie:
    name: str
    purpose: str
    third_party: bool
    anonymous: bool
    lifetime: int | None  # seconds; None for a session cookie

    @property
    def prefix(self) -> str:
        return self.name.split("*", 1)[0]

    @property
    def suffix(self) -> str:
        return self.name.split("*", 1)[1]

    def is_pattern(self) -> bool:
        return "*" in self.name

    def matches(self, name: str) -> bool:
        if not self.is_pattern():
            return name == self.name
        p, s = self.prefix, self.suffix
        # `*` stands for any run of characters, the empty run included; the literals cannot
        # share characters of the name.
        return len(name) >= len(p) + len(s) and name.startswith(p) and name.endswith(s)


@dataclass
class Policy:
    revision: int
    cnil: bool
    consent_max_age: int
    # purpose id -> revision, in order: necessary, statistics, then the others
    purposes: dict[str, int]
    cookies: list[Cookie] = field(default_factory=list)
    # purpose id -> its Consent Mode signals, whether GPC covers it, its TCF purposes
    signals: dict[str, list[str]] = field(default_factory=dict)
    gpc: dict[str, bool] = field(default_factory=dict)
    tcf: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, text: str) -> "Policy":
        return cls.from_mapping(tomllib.loads(text))

    @classmethod
    def from_json(cls, text: str) -> "Policy":
        return cls.from_mapping(json.loads(text))

    @classmethod
    def from_mapping(cls, doc: dict) -> "Policy":
        site = doc["site"]
        revision = site.get("revision", 1)
        max_age = site.get("consent_max_age")
        purposes = {NECESSARY: revision, STATISTICS: revision}
        tables = {NECESSARY: {}, STATISTICS: {}}
        for pid, table in doc.get("purposes", {}).items():
            purposes[pid] = table.get("revision", revision)
            tables[pid] = table
        signals = {p: t.get("consent_mode", DEFAULT_SIGNALS.get(p, [])) for p, t in tables.items()}
        gpc = {
            p: t.get("gpc", p != NECESSARY and bool(AD_SIGNALS & set(signals[p])))
            for p, t in tables.items()
        }
        tcf = {p: t.get("tcf_purposes", []) for p, t in tables.items()}
        host = urlsplit(site["url"]).hostname or ""
        cookies = []
        for c in doc.get("cookies", []):
            if "party" in c:
                third = c["party"] == "third"
            elif "domain" in c:
                third = last_two_labels(c["domain"]) != last_two_labels(host)
            else:
                third = False
            cookies.append(
                Cookie(
                    name=c["name"],
                    purpose=c["purpose"],
                    third_party=third,
                    anonymous=c.get("anonymous", False),
                    lifetime=parse_lifetime(c["lifetime"]),
                )
            )
        return cls(
            revision=revision,
            cnil=site.get("profile", "charter") == "cnil",
            consent_max_age=(
                DEFAULT_CONSENT_MAX_AGE if max_age is None else parse_lifetime(max_age)
            ),
            purposes=purposes,
            cookies=cookies,
            signals=signals,
            gpc=gpc,
            tcf=tcf,
        )

    # -- section 4: matching ------------------------------------------------------------------

    def declaration(self, name: str) -> Cookie | None:
        """The exact declaration, else the matching pattern with the most literal characters."""
        for c in self.cookies:
            if not c.is_pattern() and c.name == name:
                return c
        best: Cookie | None = None
        for c in self.cookies:
            if c.is_pattern() and c.matches(name):
                if best is None or len(c.name) > len(best.name):
                    best = c
                elif len(c.name) == len(best.name):
                    raise ValueError(f"ambiguous patterns {c.name!r} and {best.name!r}")
        return best

    # -- section 3 and 5: states and decisions -----------------------------------------------

    def state(self, purpose: str, consent: "Consent", now: int) -> str:
        if purpose == NECESSARY:
            return "granted"  # it cannot be refused
        state = self.choice_state(purpose, consent, now)
        # GPC never grants; it refuses a covered purpose that has no valid choice.
        if consent.gpc and self.gpc.get(purpose, False) and state in ("unset", "stale", "expired"):
            return "gpc_denied"
        return state

    def choice_state(self, purpose: str, consent: "Consent", now: int) -> str:
        if consent.problem_at(now) is not None:
            return "unset"  # no consent at all
        if self.cnil and now - consent.at > self.consent_max_age:
            return "expired"  # for every purpose
        choice = consent.choices.get(purpose)
        if choice is None:
            return "unset"  # never asked
        if consent.rev < self.purposes[purpose]:
            return "stale"
        return "granted" if choice else "denied"

    def exempt(self, cookie: Cookie) -> bool:
        """Rule 4's conditions (the cookie is already known to be first party)."""
        if cookie.purpose != STATISTICS or not cookie.anonymous:
            return False
        if self.cnil:
            return cookie.lifetime is None or cookie.lifetime <= CNIL_EXEMPT_LIFETIME
        return True

    def rule_of(self, cookie: Cookie) -> str:
        if cookie.purpose == NECESSARY:
            return "necessary"
        if cookie.third_party:
            return "third_party"
        if self.exempt(cookie):
            return "anonymous_statistics"
        return "consent"

    def decide(self, name: str, consent: "Consent", now: int) -> dict:
        cookie = self.declaration(name)
        if cookie is None:
            return {
                "cookie": name,
                "allowed": False,
                "rule": "undeclared",
                "purpose": None,
                "consent_state": None,
            }
        state = self.state(cookie.purpose, consent, now)
        rule = self.rule_of(cookie)
        if rule in ("necessary", "anonymous_statistics"):
            allowed = True
        else:
            allowed = state == "granted"
        return {
            "cookie": name,
            "allowed": allowed,
            "rule": rule,
            "purpose": cookie.purpose,
            "consent_state": state,
        }

    def consent_mode(self, consent: "Consent", now: int) -> dict[str, str]:
        """A signal is granted when some purpose maps to it and all that do are granted."""
        out = {}
        for signal in SIGNALS:
            states = [self.state(p, consent, now) for p in self.purposes
                      if signal in self.signals.get(p, [])]
            granted = bool(states) and all(s == "granted" for s in states)
            out[signal] = "granted" if granted else "denied"
        return out

    def consent_from_tc(self, tc: dict) -> "Consent":
        """A decoded TC string (canonical JSON object) as the consent input."""
        core = set(tc["purpose_consents"])
        publisher = tc.get("publisher_tc")
        choices = {}
        for purpose, ids in self.tcf.items():
            if not ids:
                continue
            ok = all(i in core for i in ids)
            if publisher is not None:
                ok = ok and all(i in publisher["purpose_consents"] for i in ids)
            choices[purpose] = ok
        return Consent(rev=self.revision, at=tc["last_updated"] // 10, choices=choices)

    def purposes_to_ask(self, consent: "Consent", now: int) -> list[str]:
        """Sorted: the spec gives the set, not an order."""
        needing = {
            c.purpose for c in self.cookies if self.rule_of(c) in ("third_party", "consent")
        }
        return sorted(
            p
            for p in self.purposes
            if p != NECESSARY
            and p in needing
            and self.state(p, consent, now) in ("unset", "stale", "expired")
        )


# -- section 5: the consent cookie -----------------------------------------------------------


@dataclass
class Consent:
    rev: int = 0
    at: int = 0
    choices: dict[str, bool] = field(default_factory=dict)
    problem: str | None = None
    gpc: bool = False  # the request's Sec-GPC: 1; not part of the cookie

    def problem_at(self, now: int) -> str | None:
        if self.problem is not None:
            return self.problem
        if self.at > now + DAY:
            return "malformed"  # more than one day in the future
        return None

    def to_cookie(self) -> str:
        parts = [f"v=1&rev={self.rev}&at={self.at}"]
        parts += [f"{p}={1 if c else 0}" for p, c in sorted(self.choices.items())]
        return "&".join(parts)


def _number(text: str) -> int | None:
    if not DIGITS.match(text):
        return None
    n = int(text)
    return n if n <= MAX_NUMBER else None


def parse_consent(value: str | None) -> Consent:
    """Reads a consent cookie value; never raises. A bad value gives no consent and a problem."""
    problem = _problem(value)
    if problem is not None:
        return Consent(problem=problem)
    assert value is not None
    pairs = dict(part.split("=", 1) for part in value.split("&"))
    return Consent(
        rev=int(pairs.pop("rev")),
        at=int(pairs.pop("at")),
        choices={k: v == "1" for k, v in pairs.items() if k != "v"},
    )


def _problem(value: str | None) -> str | None:
    if value is None or value == "":
        return "absent"
    if len(value.encode("utf-8")) > MAX_CONSENT_BYTES:
        return "oversized"
    keys: list[str] = []
    values: dict[str, str] = {}
    for part in value.split("&"):
        if "=" not in part:
            return "malformed"  # an empty part, or a key without a value
        key, val = part.split("=", 1)
        keys.append(key)
        values[key] = val
    if len(set(keys)) != len(keys):
        return "duplicate_key"
    # The version comes first: the rest of a value of another version may mean anything.
    if "v" not in values or not DIGITS.match(values["v"]):
        return "malformed"
    if int(values["v"]) != 1:
        return "unknown_version"
    if "rev" not in values or "at" not in values:
        return "malformed"
    if _number(values["rev"]) is None or _number(values["at"]) is None:
        return "malformed"
    for key, val in values.items():
        if key in ("v", "rev", "at"):
            continue
        if not PURPOSE_ID.match(key) or val not in ("0", "1"):
            return "malformed"
    return None
