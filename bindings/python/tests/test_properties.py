"""Property tests of spec §3's invariants, through the binding, on random policies."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cookie_charter import Consent, Decision, Policy, PolicyError
from strategies import NOW, dumps, names_for, policies

RULES = {"undeclared", "necessary", "third_party", "anonymous_statistics", "consent"}
STATES = {"granted", "denied", "unset", "expired", "stale", "gpc_denied"}


def load(doc: dict[str, Any]) -> Policy:
    try:
        return Policy.from_json(dumps(doc))
    except PolicyError as error:
        assume(error.code not in ("ambiguous_patterns", "duplicate_cookie"))
        raise


@st.composite
def structured(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, str], int, int, int, list[str]]:
    doc = draw(policies())
    purposes = ["necessary", *doc["purposes"]]
    choices = {
        p: draw(st.sampled_from(["granted", "denied"]))
        for p in draw(st.lists(st.sampled_from(purposes), unique=True))
    }
    revision = draw(st.integers(0, 5))
    at = NOW - draw(st.integers(0, 800 * 86_400))
    return doc, choices, revision, at, NOW, draw(names_for(doc))


SETTINGS = settings(max_examples=250, deadline=None)


@SETTINGS
@given(structured())
def test_rules_and_fail_closed(case: Any) -> None:
    doc, choices, revision, at, now, names = case
    policy = load(doc)
    consent = Consent(choices, revision=revision, at=at)
    declared = {c["name"] for c in doc["cookies"]}
    for name in names:
        d = policy.decide(name, consent, now)
        assert d.rule in RULES
        # Same inputs, same decision.
        assert policy.decide(name, consent, now) == d
        if d.rule == "undeclared":
            assert not d.allowed and d.purpose is None and d.consent_state is None
            assert name not in declared
            continue
        assert d.purpose in ["necessary", *doc["purposes"]]
        assert d.consent_state in STATES
        if d.purpose == "necessary":
            assert d.allowed and d.rule == "necessary" and d.consent_state == "granted"
        if d.rule == "third_party" and d.consent_state != "granted":
            assert not d.allowed
        if d.rule in ("third_party", "consent"):
            # denied, unset, expired and stale all deny.
            assert d.allowed == (d.consent_state == "granted")
        if d.rule == "anonymous_statistics":
            assert d.allowed and d.purpose == "statistics"


@SETTINGS
@given(structured(), st.data())
def test_monotonic(case: Any, data: st.DataObject) -> None:
    doc, choices, revision, at, now, names = case
    policy = load(doc)
    purpose = data.draw(st.sampled_from(["necessary", *doc["purposes"]]))
    assume(choices.get(purpose) != "granted")
    before = Consent(choices, revision=revision, at=at)
    after = Consent({**choices, purpose: "granted"}, revision=revision, at=at)
    for name in names:
        if policy.decide(name, before, now).allowed:
            assert policy.decide(name, after, now).allowed, name


@SETTINGS
@given(structured(), st.data())
def test_locality(case: Any, data: st.DataObject) -> None:
    doc, choices, revision, at, now, names = case
    policy = load(doc)
    consent = Consent(choices, revision=revision, at=at)
    for name in names:
        d = policy.decide(name, consent, now)
        others = [p for p in ["necessary", *doc["purposes"]] if p != d.purpose]
        changed = dict(choices)
        for p in data.draw(st.lists(st.sampled_from(others), unique=True)) if others else []:
            changed[p] = data.draw(st.sampled_from(["granted", "denied", "absent"]))
            if changed[p] == "absent":
                del changed[p]
        other = Consent(changed, revision=revision, at=at)
        assert policy.decide(name, other, now) == d, name


@SETTINGS
@given(structured())
def test_batch_equals_single(case: Any) -> None:
    doc, choices, revision, at, now, names = case
    policy = load(doc)
    consent = Consent(choices, revision=revision, at=at)
    assert policy.decide_many(names, consent, now) == [
        policy.decide(n, consent, now) for n in names
    ]
    assert all(isinstance(d, Decision) for d in policy.decide_many(names, consent, now))
