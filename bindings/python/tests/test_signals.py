"""Global Privacy Control and Google Consent Mode through the binding (docs/signals.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import cookie_charter
from cookie_charter import Consent, Decision, Policy, PolicyError, gpc_enabled
from strategies import NOW, consent_values, dumps, names_for, policies

DAY = 86_400
SIGNALS = [
    "ad_storage",
    "ad_user_data",
    "ad_personalization",
    "analytics_storage",
    "functionality_storage",
    "personalization_storage",
    "security_storage",
]


def cookie(name: str, purpose: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "provider": "Example",
        "service": f"Service of {name}",
        "purpose": purpose,
        "description": f"What {name} is for",
        "lifetime": "6 months",
        **extra,
    }


# marketing is covered by GPC by default (it maps to the ad signals), social explicitly;
# statistics and preferences are not.
POLICY = {
    "site": {
        "name": "Example",
        "url": "https://www.example.org",
        "revision": 2,
        "consent_cookie": "consent",
        "profile": "cnil",
    },
    "purposes": {
        "statistics": {"label": "Statistics"},
        "preferences": {"label": "Preferences"},
        "marketing": {"label": "Marketing", "revision": 2},
        "social": {"label": "Social", "gpc": True, "consent_mode": ["ad_user_data"]},
    },
    "cookies": [
        cookie("consent", "necessary"),
        cookie("_ga", "statistics"),
        cookie("lang", "preferences"),
        cookie("_fbp", "marketing", domain=".facebook.com"),
        cookie("_ad", "marketing"),
        cookie("share", "social", domain=".social.example.net"),
    ],
}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_json(json.dumps(POLICY))


def states(policy: Policy, consent: Consent, now: int = NOW) -> dict[str, str | None]:
    return {p.id: policy.consent_state(p.id, consent, now) for p in policy.purposes}


# -- Consent.gpc -------------------------------------------------------------------------------


def test_consent_carries_the_signal() -> None:
    plain = Consent({"marketing": "denied"}, revision=2, at=NOW)
    assert plain.gpc is False
    with_gpc = Consent({"marketing": "denied"}, revision=2, at=NOW, gpc=True)
    assert with_gpc.gpc is True
    assert plain.with_gpc(True) == with_gpc
    assert with_gpc.with_gpc(False) == plain
    assert plain != with_gpc and hash(plain.with_gpc(True)) == hash(with_gpc)
    # A new object each time; the original is unchanged (immutable).
    assert plain.with_gpc(True) is not plain and plain.gpc is False
    # The signal comes with each request: it is not stored in the cookie.
    assert with_gpc.to_cookie() == plain.to_cookie()
    assert Consent.from_cookie(with_gpc.to_cookie()).gpc is False
    assert repr(with_gpc) == f"Consent({{'marketing': 'denied'}}, revision=2, at={NOW}, gpc=True)"
    assert repr(plain) == f"Consent({{'marketing': 'denied'}}, revision=2, at={NOW})"
    absent = Consent.from_cookie(None).with_gpc(True)
    assert absent.gpc and absent.problem == "absent"
    assert repr(absent) == "<Consent problem='absent' gpc=True>"


def test_gpc_argument_types() -> None:
    with pytest.raises(TypeError):
        Consent(gpc="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Consent(None, revision=1, at=NOW).with_gpc(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Consent({}, 1)  # type: ignore[misc]  # keyword only


# -- gpc_enabled --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    ["1", " 1", "1\t", "\t1 ", b"1", [b"0", b"1"], ["0", " 1 "], ("1",), {"1"}, iter(["x", "1"]),
     "1,1", "0, 1", b"0, 1"],
)
def test_gpc_enabled(values: Any) -> None:
    assert gpc_enabled(values) is True


@pytest.mark.parametrize(
    "values",
    [None, "", b"", [], (), "0", "01", "1.0", "true", "yes", "1;", "0, 0", "1 1", "\x001",
     "1\r\n", " ", b"\xff1", ["0", b"true"], "\ud8001"],
)
def test_gpc_not_enabled(values: Any) -> None:
    assert gpc_enabled(values) is False


@pytest.mark.parametrize("values", [1, 1.0, object(), [1], ["0", None], [["1"]], bytearray(b"1")])
def test_gpc_enabled_refuses_other_types(values: Any) -> None:
    with pytest.raises(TypeError):
        gpc_enabled(values)


def test_gpc_enabled_reads_asgi_header_pairs() -> None:
    headers = [(b"host", b"example.org"), (b"sec-gpc", b"1")]
    assert gpc_enabled(v for k, v in headers if k == b"sec-gpc")
    assert not gpc_enabled(v for k, v in headers[:1] if k == b"sec-gpc")


# -- states and decisions -----------------------------------------------------------------------


def test_gpc_refuses_covered_purposes_without_a_choice(policy: Policy) -> None:
    nothing = Consent.from_cookie(None)
    assert states(policy, nothing) == {
        "necessary": "granted",
        "statistics": "unset",
        "preferences": "unset",
        "marketing": "unset",
        "social": "unset",
    }
    gpc = nothing.with_gpc(True)
    assert states(policy, gpc) == {
        "necessary": "granted",
        "statistics": "unset",
        "preferences": "unset",
        "marketing": "gpc_denied",
        "social": "gpc_denied",
    }
    fbp = policy.decide("_fbp", gpc, NOW)
    assert fbp == Decision(False, "third_party", "marketing", "gpc_denied")
    assert (fbp.allowed, fbp.rule, fbp.consent_state) == (False, "third_party", "gpc_denied")
    assert fbp.to_dict() == {
        "allowed": False,
        "rule": "third_party",
        "purpose": "marketing",
        "consent_state": "gpc_denied",
    }
    assert repr(fbp) == (
        "Decision(allowed=False, rule='third_party', purpose='marketing',"
        " consent_state='gpc_denied')"
    )
    assert policy.decide("_ad", gpc, NOW).consent_state == "gpc_denied"
    assert policy.decide("share", gpc, NOW).consent_state == "gpc_denied"
    assert policy.decide("_ga", gpc, NOW).consent_state == "unset"
    assert policy.decide("consent", gpc, NOW).allowed
    names = ["consent", "_ga", "lang", "_fbp", "_ad", "share", "nope"]
    assert policy.decide_many(names, gpc, NOW) == [policy.decide(n, gpc, NOW) for n in names]


def test_decision_objects_know_the_new_state() -> None:
    d = Decision(False, "consent", "marketing", "gpc_denied")
    assert d.consent_state == "gpc_denied" and not d
    with pytest.raises(PolicyError) as raised:
        Decision(False, "consent", "marketing", "gpc")
    assert raised.value.code == "invalid_argument"


def test_an_explicit_choice_wins(policy: Policy) -> None:
    chose = Consent({"marketing": "granted", "social": "denied"}, revision=2, at=NOW - 10)
    for consent in (chose, chose.with_gpc(True)):
        assert policy.consent_state("marketing", consent, NOW) == "granted"
        assert policy.consent_state("social", consent, NOW) == "denied"
        assert policy.decide("_fbp", consent, NOW).allowed
        assert not policy.decide("share", consent, NOW).allowed


def test_gpc_replaces_stale_and_expired(policy: Policy) -> None:
    # marketing is at revision 2: a choice for revision 1 is stale.
    old = Consent({"marketing": "granted", "statistics": "granted"}, revision=1, at=NOW - 10)
    assert policy.consent_state("marketing", old, NOW) == "stale"
    assert policy.consent_state("marketing", old.with_gpc(True), NOW) == "gpc_denied"
    # statistics is not covered: stale stays stale.
    assert policy.consent_state("statistics", old.with_gpc(True), NOW) == "stale"
    # Profile cnil: a consent older than six months expires.
    aged = Consent({"marketing": "granted", "social": "granted"}, revision=2, at=NOW - 400 * DAY)
    assert states(policy, aged)["marketing"] == "expired"
    assert states(policy, aged.with_gpc(True))["marketing"] == "gpc_denied"
    assert states(policy, aged.with_gpc(True))["social"] == "gpc_denied"
    # An unusable consent (from the future) is no choice either.
    future = Consent({"marketing": "granted"}, revision=2, at=NOW + 10 * DAY, gpc=True)
    assert policy.consent_state("marketing", future, NOW) == "gpc_denied"


def test_purposes_to_ask_leaves_out_what_gpc_answered(policy: Policy) -> None:
    nothing = Consent.from_cookie(None)
    assert sorted(policy.purposes_to_ask(nothing, NOW)) == [
        "marketing", "preferences", "social", "statistics",
    ]
    assert sorted(policy.purposes_to_ask(nothing.with_gpc(True), NOW)) == [
        "preferences", "statistics",
    ]
    chose = Consent({"statistics": "granted", "preferences": "denied"}, revision=2, at=NOW)
    assert policy.purposes_to_ask(chose.with_gpc(True), NOW) == []


def test_headers_follow_gpc(policy: Policy) -> None:
    gpc = Consent({"statistics": "granted"}, revision=2, at=NOW, gpc=True)
    filtered = policy.filter_set_cookies(["_fbp=1; Path=/", "_ga=2; Path=/"], gpc, NOW)
    assert filtered.kept == ["_ga=2; Path=/"]
    assert [d.decision.consent_state for d in filtered.dropped] == ["gpc_denied"]
    purged = policy.purge("_ga=1; _ad=2; lang=3", gpc, NOW)
    assert [(p.cookie, p.decision.consent_state) for p in purged] == [
        ("_ad", "gpc_denied"),
        ("lang", "unset"),
    ]


# -- Google Consent Mode ------------------------------------------------------------------------


def test_consent_mode_without_consent(policy: Policy) -> None:
    mode = policy.consent_mode(Consent.from_cookie(None), NOW)
    assert list(mode) == SIGNALS
    assert mode == {s: ("granted" if s == "security_storage" else "denied") for s in SIGNALS}


def test_consent_mode_follows_the_purposes(policy: Policy) -> None:
    everything = Consent(
        {p: "granted" for p in ("statistics", "preferences", "marketing", "social")},
        revision=2,
        at=NOW,
    )
    assert policy.consent_mode(everything, NOW) == dict.fromkeys(SIGNALS, "granted")
    # ad_user_data needs both marketing and social (both map to it).
    some = Consent({"marketing": "granted", "statistics": "granted"}, revision=2, at=NOW)
    assert policy.consent_mode(some, NOW) == {
        "ad_storage": "granted",
        "ad_user_data": "denied",
        "ad_personalization": "granted",
        "analytics_storage": "granted",
        "functionality_storage": "denied",
        "personalization_storage": "denied",
        "security_storage": "granted",
    }
    # GPC refuses marketing and social when not chosen: the ad signals stay denied.
    stats = Consent({"statistics": "granted"}, revision=2, at=NOW, gpc=True)
    mode = policy.consent_mode(stats, NOW)
    assert mode["analytics_storage"] == "granted"
    assert {mode[s] for s in SIGNALS[:3]} == {"denied"}
    # now defaults to the current time; the result is a new dict each time.
    fresh = Consent({"statistics": "granted"}, revision=2)
    first = policy.consent_mode(fresh)
    assert first["analytics_storage"] == "granted"
    first["analytics_storage"] = "changed"
    assert policy.consent_mode(fresh)["analytics_storage"] == "granted"


def test_gtag_snippets(policy: Policy) -> None:
    consent = Consent({"statistics": "granted"}, revision=2, at=NOW)
    mode = policy.consent_mode(consent, NOW)
    body = json.dumps(mode, separators=(",", ":"))
    update = policy.gtag_consent(consent, "update", NOW)
    assert update == f"gtag('consent', 'update', {body});\n"
    default = policy.gtag_consent(consent, now=NOW)
    assert default == (
        "window.dataLayer = window.dataLayer || [];\n"
        "function gtag(){dataLayer.push(arguments);}\n"
        f"gtag('consent', 'default', {body});\n"
    )
    assert policy.gtag_consent(consent, command="default", now=NOW) == default
    # The snippet's object is the consent mode, in Google's order.
    inner = update[len("gtag('consent', 'update', "):-len(");\n")]
    assert list(json.loads(inner).items()) == list(mode.items())


@pytest.mark.parametrize("command", ["Default", "UPDATE", "", "set", "default ", "<script>"])
def test_gtag_refuses_other_commands(policy: Policy, command: str) -> None:
    consent = Consent.from_cookie(None)
    with pytest.raises(PolicyError) as raised:
        policy.gtag_consent(consent, command, NOW)
    error = raised.value
    assert isinstance(error, ValueError)
    assert (error.code, error.field) == ("invalid_argument", "command")
    assert "default" in error.message and "update" in error.message


def test_signal_argument_types(policy: Policy) -> None:
    with pytest.raises(TypeError):
        policy.consent_mode("v=1&rev=1&at=0", NOW)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.gtag_consent(Consent.from_cookie(None), None)  # type: ignore[arg-type]


def test_the_names_are_exported() -> None:
    for name in ("gpc_enabled", "TcString", "TcStringError"):
        assert name in cookie_charter.__all__
        assert getattr(cookie_charter, name) is getattr(cookie_charter._native, name)


# -- properties ---------------------------------------------------------------------------------


def load(doc: dict[str, Any]) -> Policy:
    try:
        return Policy.from_json(dumps(doc))
    except PolicyError as error:
        assume(error.code not in ("ambiguous_patterns", "duplicate_cookie"))
        raise


@st.composite
def gpc_cases(draw: st.DrawFn) -> tuple[Policy, Consent, list[str], list[str]]:
    doc = draw(policies())
    # Cover some purposes explicitly, uncover others, leave the rest to the default.
    for purpose in doc["purposes"].values():
        flag = draw(st.sampled_from([None, True, False]))
        if flag is not None:
            purpose["gpc"] = flag
    purposes = list(doc["purposes"])
    value = draw(consent_values(purposes))
    return load(doc), Consent.from_cookie(value), draw(names_for(doc)), purposes


SETTINGS = settings(max_examples=250, deadline=None)


@SETTINGS
@given(gpc_cases())
def test_gpc_never_allows_a_denied_cookie(case: Any) -> None:
    policy, consent, names, purposes = case
    gpc = consent.with_gpc(True)
    for name in names:
        without = policy.decide(name, consent, NOW)
        with_gpc = policy.decide(name, gpc, NOW)
        if not without.allowed:
            assert not with_gpc.allowed, name
        assert (with_gpc.rule, with_gpc.purpose) == (without.rule, without.purpose)
        # GPC only replaces the absence of a valid choice, and only with gpc_denied.
        if with_gpc.consent_state != without.consent_state:
            assert without.consent_state in ("unset", "stale", "expired"), name
            assert with_gpc.consent_state == "gpc_denied", name
    asked = set(policy.purposes_to_ask(gpc, NOW))
    assert asked <= set(policy.purposes_to_ask(consent, NOW))
    granted = policy.consent_mode(gpc, NOW)
    for signal, state in policy.consent_mode(consent, NOW).items():
        if state == "denied":
            assert granted[signal] == "denied", signal
    for purpose in purposes:
        if policy.consent_state(purpose, gpc, NOW) == "gpc_denied":
            assert purpose not in asked
