"""`Policy.request_consent`, `Policy.respond` and `Response`: the response path every middleware
takes, as Python calls it (arguments, types, errors); the shared vectors check the answers
(test_vectors.py, test_respond_middleware.py)."""

from __future__ import annotations

from typing import Any

import pytest

from cookie_charter import Consent, Policy, PolicyError, Response
from test_api import NOW, POLICY_TOML

POLICY = Policy.from_toml(POLICY_TOML)
GRANTED = Consent({"statistics": "granted", "marketing": "denied"}, revision=2, at=NOW)
HELD = f"consent={GRANTED.to_cookie()}; _ga=1; tracker=2"


def test_request_consent_reads_cookie_fields_and_gpc() -> None:
    consent = POLICY.request_consent(HELD)
    assert consent == GRANTED and not consent.gpc
    # Several fields are one header; any Sec-GPC value of exactly 1 counts (str or bytes).
    split = POLICY.request_consent(["_ga=1", f"consent={GRANTED.to_cookie()}"], [b"0", "1"])
    assert split == GRANTED.with_gpc(True)
    assert POLICY.request_consent(HELD, "0, 1").gpc
    assert POLICY.request_consent().problem == "absent"
    assert POLICY.request_consent(None, None) == POLICY.request_consent([], [])
    # Keywords, as the middleware's documentation names them.
    assert POLICY.request_consent(cookie_header=HELD, sec_gpc="1").gpc


def test_respond_filters_and_purges_with_the_request_consent() -> None:
    response = POLICY.respond(["_ga=2; Path=/", "_ad_x=1", "tracker=3"], cookie_header=HELD, now=NOW)
    assert isinstance(response, Response)
    assert response.consent == GRANTED
    kept, deletions = response.set_cookies[:1], response.set_cookies[1:]
    assert kept == ["_ga=2; Path=/"]
    assert [(d.header, d.cookie, d.decision.rule) for d in response.dropped] == [
        ("_ad_x=1", "_ad_x", "third_party"),
        ("tracker=3", "tracker", "undeclared"),
    ]
    assert [p.cookie for p in response.purged] == ["tracker"]
    assert deletions == response.purged[0].headers
    assert not response.unchanged
    assert "set_cookies=" in repr(response)


def test_respond_is_unchanged_when_every_value_passes_and_nothing_is_purged() -> None:
    response = POLICY.respond(["_ga=2"], cookie_header=f"consent={GRANTED.to_cookie()}", now=NOW)
    assert response.unchanged and response.set_cookies == ["_ga=2"]
    assert response.dropped == [] and response.purged == []
    # Without a Cookie header, or with purge off, nothing is purged.
    assert POLICY.respond([], now=NOW).purged == []
    assert POLICY.respond([], cookie_header="tracker=1", purge=False, now=NOW).unchanged


def test_what_the_handler_did_chooses_the_consent() -> None:
    withdrawn = Consent({"statistics": "denied"}, revision=2, at=NOW)
    replaced = POLICY.respond(["_ga=2"], cookie_header=HELD, handled=withdrawn, now=NOW)
    assert replaced.consent == withdrawn
    assert replaced.set_cookies[0].startswith("_ga=;") and replaced.dropped[0].cookie == "_ga"
    # The request's GPC applies to the replacement.
    assert POLICY.respond([], sec_gpc="1", handled=withdrawn, now=NOW).consent.gpc
    # Something that is not a consent: judged as no consent (fail closed).
    fails = POLICY.respond(["_ga=2"], cookie_header=HELD, handled="not_a_consent", now=NOW)
    assert fails.consent.problem == "malformed" and fails.consent.choices == {}
    assert [d.cookie for d in fails.dropped] == ["_ga"]
    unchanged = POLICY.respond(["_ga=2"], cookie_header=HELD, handled="unchanged", now=NOW)
    assert unchanged.consent == POLICY.respond(["_ga=2"], cookie_header=HELD, now=NOW).consent


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"handled": None}, TypeError),
        ({"handled": 1}, TypeError),
        ({"handled": "UNCHANGED"}, PolicyError),
        ({"cookie_header": b"a=1"}, TypeError),
        ({"cookie_header": ["a=1", 2]}, TypeError),
        ({"sec_gpc": 1}, TypeError),
        ({"purge": "yes"}, TypeError),
        ({"now": -1}, OverflowError),
    ],
)
def test_respond_refuses_bad_arguments(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error) as raised:
        POLICY.respond(["_ga=1"], **kwargs)
    if error is PolicyError:
        assert raised.value.code == "invalid_argument"  # type: ignore[attr-defined]
        assert raised.value.field == "handled"  # type: ignore[attr-defined]
        assert "`UNCHANGED`" in str(raised.value)
    with pytest.raises(TypeError):
        POLICY.respond("_ga=1")  # type: ignore[arg-type]  # one str is not a list of values
    with pytest.raises(TypeError):
        POLICY.respond([], HELD)  # type: ignore[misc]  # the request is given by keyword


def test_the_signature_shows_its_defaults() -> None:
    import inspect

    parameters = inspect.signature(Policy.respond).parameters
    assert parameters["handled"].default == "unchanged"
    assert parameters["purge"].default is True
    assert inspect.signature(Policy.request_consent).parameters["sec_gpc"].default is None
