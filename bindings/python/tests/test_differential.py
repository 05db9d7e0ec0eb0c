"""Differential test: the binding (the Rust core) against the independent Python model of spec
§3–5 in tests/model/charter_model.py, on random policies, consents and names."""

from __future__ import annotations

import sys
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cookie_charter import Consent, Policy, PolicyError
from conftest import ROOT
from strategies import NOW, consent_values, dumps, names_for, policies

sys.path.insert(0, str(ROOT / "tests" / "model"))
import charter_model  # noqa: E402  (the shared model, used as it is)


def load_both(doc: dict[str, Any]) -> tuple[Policy, Any]:
    text = dumps(doc)
    try:
        policy = Policy.from_json(text)
    except PolicyError as error:
        # Random patterns can collide; the model does not validate, so skip those policies.
        assume(error.code not in ("ambiguous_patterns", "duplicate_cookie"))
        raise
    return policy, charter_model.Policy.from_json(text)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[dict[str, Any], str | None, int, list[str]]:
    doc = draw(policies())
    consent = draw(consent_values(["necessary", *doc["purposes"]]))
    now = NOW + draw(st.integers(-DAY_RANGE, DAY_RANGE))
    return doc, consent, now, draw(names_for(doc))


DAY_RANGE = 3 * 86_400


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_binding_agrees_with_the_model(
    scenario: tuple[dict[str, Any], str | None, int, list[str]],
) -> None:
    doc, value, now, names = scenario
    policy, model = load_both(doc)
    consent = Consent.from_cookie(value)
    model_consent = charter_model.parse_consent(value)
    assert consent.problem_at(now) == model_consent.problem_at(now)
    for name in names:
        try:
            want = model.decide(name, model_consent, now)
        except ValueError:
            # The model found two equal-length patterns matching this name: the engine must
            # have refused the policy, so this cannot happen for a loaded policy.
            raise AssertionError(f"the engine loaded ambiguous patterns for {name!r}") from None
        got = {"cookie": name, **policy.decide(name, consent, now).to_dict()}
        assert got == want, name
    assert sorted(policy.purposes_to_ask(consent, now)) == model.purposes_to_ask(
        model_consent, now
    )


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_consent_cookie_round_trip_agrees(data: st.DataObject) -> None:
    value = data.draw(consent_values(["necessary", "statistics", "marketing"]))
    consent = Consent.from_cookie(value)
    model_consent = charter_model.parse_consent(value)
    assert consent.problem == model_consent.problem
    if consent.problem is None:
        assert consent.to_cookie() == model_consent.to_cookie()
        assert Consent.from_cookie(consent.to_cookie()) == consent
