"""Hypothesis strategies: random policies (as JSON documents), consents and cookie names."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

NOW = 1_700_000_000
DAY = 86_400
EXTRA_PURPOSES = ["preferences", "marketing", "social"]
LIFETIMES = ["session", "30 minutes", "30 days", "6 months", "13 months", "14 months", "2 years"]
# First-party domains of the site `www.example.com`, and third-party ones (simple two-label
# registrable domains, as the model's party derivation expects).
FIRST_DOMAINS = ["example.com", ".example.com", "www.example.com", "static.example.com"]
THIRD_DOMAINS = ["ads.example.net", ".tracker.org", "cdn.other.com"]
NAME_CHARS = "abcdefgxyz_.-AB01"

names_text = st.text(alphabet=NAME_CHARS, min_size=1, max_size=6)


@st.composite
def cookie_names(draw: st.DrawFn) -> str:
    """A cookie name, or a pattern with one `*`."""
    name = draw(names_text)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(name)))
        name = name[:cut] + "*" + name[cut:]
    return name


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A policy document (the JSON structure), usually valid."""
    revision = draw(st.integers(1, 4))
    site: dict[str, Any] = {
        "name": "Example",
        "url": "https://www.example.com",
        "revision": revision,
        "consent_cookie": "consent",
        "profile": draw(st.sampled_from(["charter", "cnil"])),
    }
    if draw(st.booleans()):
        site["consent_max_age"] = draw(st.sampled_from(["30 days", "6 months", "1 year"]))
    extra = draw(st.lists(st.sampled_from(EXTRA_PURPOSES), unique=True, max_size=3))
    purposes: dict[str, Any] = {"statistics": {"label": "Statistics"}}
    for pid in extra:
        purposes[pid] = {"label": pid.title()}
    for pid in purposes:
        if draw(st.booleans()):
            purposes[pid]["revision"] = draw(st.integers(1, revision))
    all_purposes = ["necessary", *purposes]
    cookies: list[dict[str, Any]] = []
    seen: set[str] = set()
    for name in draw(st.lists(cookie_names(), min_size=1, max_size=10)):
        if name in seen:
            continue
        seen.add(name)
        purpose = draw(st.sampled_from(all_purposes))
        cookie: dict[str, Any] = {
            "name": name,
            "provider": "Example",
            "service": "Service",
            "purpose": purpose,
            "description": "What it is for",
            "lifetime": draw(st.sampled_from(LIFETIMES)),
        }
        where = draw(st.sampled_from(["none", "party", "first_domain", "third_domain"]))
        if where == "party":
            cookie["party"] = draw(st.sampled_from(["first", "third"]))
        elif where == "first_domain":
            cookie["domain"] = draw(st.sampled_from(FIRST_DOMAINS))
        elif where == "third_domain":
            cookie["domain"] = draw(st.sampled_from(THIRD_DOMAINS))
        if purpose == "statistics" and draw(st.booleans()):
            cookie["anonymous"] = True
        cookies.append(cookie)
    return {"site": site, "purposes": purposes, "cookies": cookies}


@st.composite
def consent_values(draw: st.DrawFn, purposes: list[str]) -> str | None:
    """A consent cookie value: usually well formed, sometimes absent or garbage."""
    kind = draw(st.sampled_from(["valid", "valid", "valid", "absent", "garbage"]))
    if kind == "absent":
        return draw(st.sampled_from([None, ""]))
    if kind == "garbage":
        return draw(st.text(alphabet="v=1&rev0at;x", max_size=30))
    edges = st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, 10**30])
    rev = draw(st.one_of(st.integers(0, 5), edges))
    at = draw(st.one_of(st.integers(NOW - 800 * DAY, NOW + 2 * DAY), edges, st.just(0)))
    parts = [f"v=1&rev={rev}&at={at}"]
    for pid in draw(st.lists(st.sampled_from([*purposes, "unknown"]), unique=True)):
        parts.append(f"{pid}={draw(st.sampled_from(['0', '1']))}")
    return "&".join(parts)


@st.composite
def names_for(draw: st.DrawFn, doc: dict[str, Any]) -> list[str]:
    """Names to decide: declared names, instances of patterns, and others."""
    out = []
    for cookie in doc["cookies"]:
        name = cookie["name"]
        out.append(name.replace("*", draw(st.text(alphabet=NAME_CHARS, max_size=3))))
    out += draw(st.lists(names_text, max_size=4))
    return draw(st.permutations(out))


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc)
