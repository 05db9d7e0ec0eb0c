"""The Python API of spec §8: types, values, errors."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import cookie_charter
from cookie_charter import Consent, Decision, Policy, PolicyError, _native

POLICY_TOML = """
[site]
name = "Example"
url = "https://www.example.com"
revision = 2
consent_cookie = "consent"

[purposes.marketing]
label = "Marketing"

[[cookies]]
name = "consent"
provider = "Example"
service = "Consent banner"
purpose = "necessary"
description = "Remembers your choice"
lifetime = "6 months"

[[cookies]]
name = "_ga*"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"

[[cookies]]
name = "_ad_*"
provider = "Ads Inc."
service = "Advertising"
purpose = "marketing"
description = "Tracks you"
lifetime = "13 months"
domain = "ads.example.net"
"""

NOW = 1_700_000_000


@pytest.fixture(scope="module")
def policy() -> Policy:
    return Policy.from_toml(POLICY_TOML)


def test_decide_returns_the_rule_and_state(policy: Policy) -> None:
    consent = Consent({"statistics": "granted", "marketing": "denied"}, revision=2, at=NOW)
    d = policy.decide("_ga_X1", consent, NOW)
    assert (d.allowed, d.rule, d.purpose, d.consent_state) == (
        True,
        "consent",
        "statistics",
        "granted",
    )
    ad = policy.decide("_ad_id", consent, NOW)
    assert (ad.allowed, ad.rule, ad.consent_state) == (False, "third_party", "denied")
    unknown = policy.decide("nope", consent, NOW)
    assert unknown == Decision(False, "undeclared")
    assert unknown.purpose is None and unknown.consent_state is None


def test_now_defaults_to_the_current_time(policy: Policy) -> None:
    fresh = Consent({"statistics": "granted"}, revision=2)
    assert abs(fresh.at - time.time()) < 60
    assert policy.decide("_ga", fresh).allowed
    # A consent dated far in the future is malformed at the current time.
    future = Consent({"statistics": "granted"}, revision=2, at=int(time.time()) + 10 * 86_400)
    assert future.problem_at() == "malformed"
    assert not policy.decide("_ga", future).allowed


def test_decision_is_immutable_hashable_and_readable(policy: Policy) -> None:
    consent = Consent.from_cookie("v=1&rev=2&at=1700000000&statistics=1")
    d = policy.decide("_ga", consent, NOW)
    with pytest.raises(AttributeError):
        d.allowed = False  # type: ignore[misc]
    same = Decision(True, "consent", "statistics", "granted")
    assert d == same and hash(d) == hash(same)
    assert d != Decision(False, "consent", "statistics", "granted")
    assert len({d, same, policy.decide("x", consent, NOW)}) == 2
    assert repr(d) == (
        "Decision(allowed=True, rule='consent', purpose='statistics', consent_state='granted')"
    )
    assert eval(repr(d), {"Decision": Decision}) == d
    assert d.to_dict() == {
        "allowed": True,
        "rule": "consent",
        "purpose": "statistics",
        "consent_state": "granted",
    }
    assert (d == "not a decision") is False
    with pytest.raises(PolicyError) as raised:
        Decision(True, "no_such_rule")
    assert raised.value.code == "invalid_argument"
    with pytest.raises(PolicyError):
        Decision(True, "consent", "statistics", "maybe")


def test_consent_from_a_mapping_and_the_cookie() -> None:
    consent = Consent({"statistics": "granted", "marketing": "denied"}, revision=3, at=NOW)
    assert consent.choices == {"marketing": "denied", "statistics": "granted"}
    assert consent.get("statistics") == "granted" and consent.get("social") is None
    assert consent.problem is None
    cookie = consent.to_cookie()
    assert cookie == f"v=1&rev=3&at={NOW}&marketing=0&statistics=1"
    again = Consent.from_cookie(cookie)
    assert again == consent and hash(again) == hash(consent)
    assert (again.revision, again.at) == (3, NOW)
    assert "statistics" in repr(consent)
    with pytest.raises(AttributeError):
        consent.revision = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (None, "absent"),
        ("", "absent"),
        ("v=2&rev=1&at=1", "unknown_version"),
        ("v=1&rev=1&at=1&a=1&a=0", "duplicate_key"),
        ("v=1&rev=1&at=1&statistics=yes", "malformed"),
        ("garbage", "malformed"),
        ("v=1&rev=1&at=1&" + "a=1&" * 1100, "oversized"),
    ],
)
def test_unusable_cookies_give_no_consent_and_a_problem(value: str | None, problem: str) -> None:
    consent = Consent.from_cookie(value)
    assert consent.problem == problem
    assert consent.problem_message
    assert consent.choices == {}
    assert consent.to_cookie() == ""


def test_consent_rejects_bad_values() -> None:
    with pytest.raises(PolicyError) as raised:
        Consent({"statistics": "yes"})
    assert raised.value.code == "invalid_consent"
    with pytest.raises(PolicyError) as raised:
        Consent({"Not An Id": "granted"})
    assert raised.value.code == "invalid_purpose_id"


@pytest.mark.parametrize(
    "call",
    [
        lambda p, c: p.decide(42, c),
        lambda p, c: p.decide("a", "v=1&rev=1&at=1"),
        lambda p, c: p.decide("a", c, "now"),
        lambda p, c: p.decide_many("abc", c),
        lambda p, c: p.decide_many([1, 2], c),
        lambda p, c: p.decide_many(None, c),
        lambda p, c: p.filter_set_cookies("a=1", c),
        lambda p, c: p.filter_set_cookies([b"a=1"], c),
        lambda p, c: p.purge(["a=1"], c),
        lambda p, c: p.purposes_to_ask(None),
        lambda p, c: p.render_charter(1),
        lambda p, c: Consent(["statistics"]),
        lambda p, c: Consent({"statistics": True}),
        lambda p, c: Consent({1: "granted"}),
        lambda p, c: Consent({}, revision="1"),
        lambda p, c: Consent.from_cookie(b"v=1"),
        lambda p, c: Policy.from_toml(b"[site]"),
        lambda p, c: Policy.from_json(None),
        lambda p, c: Policy.load(3.5),
    ],
)
def test_wrong_types_raise_type_error(policy: Policy, call) -> None:  # type: ignore[no-untyped-def]
    consent = Consent.from_cookie(None)
    with pytest.raises(TypeError):
        call(policy, consent)


def test_policy_error_carries_code_field_and_location() -> None:
    text = POLICY_TOML.replace('purpose = "marketing"', 'purpose = "ads"')
    with pytest.raises(PolicyError) as raised:
        Policy.from_toml(text)
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.code == "unknown_purpose"
    assert error.field == "cookies[2].purpose"
    line = text.splitlines().index('purpose = "ads"') + 1
    assert (error.line, error.column) == (line, 11)
    assert "`ads`" in error.message
    assert str(error).startswith(f"line {line}, column 11: cookies[2].purpose: ")
    with pytest.raises(PolicyError) as raised:
        Policy.from_json("{")
    assert raised.value.code == "syntax"


def test_load_reads_toml_and_json(tmp_path: Path, policy: Policy) -> None:
    toml_file = tmp_path / "policy.toml"
    toml_file.write_text(POLICY_TOML, encoding="utf-8")
    assert Policy.load(toml_file).consent_cookie == "consent"
    assert Policy.load(str(toml_file)).revision == 2
    import tomllib

    json_file = tmp_path / "policy.json"
    json_file.write_text(json.dumps(tomllib.loads(POLICY_TOML)), encoding="utf-8")
    loaded = Policy.load(json_file)
    assert loaded.purposes == policy.purposes
    assert [p.id for p in loaded.purposes] == ["necessary", "statistics", "marketing"]
    # The format is told by the extension, in any case.
    upper = tmp_path / "POLICY.JSON"
    upper.write_text(json_file.read_text(encoding="utf-8"), encoding="utf-8")
    assert Policy.load(upper).purposes == loaded.purposes
    with pytest.raises(FileNotFoundError):
        Policy.load(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[site", encoding="utf-8")
    with pytest.raises(PolicyError) as raised:
        Policy.load(bad)
    assert raised.value.code == "syntax"


def test_a_rust_panic_becomes_a_policy_error() -> None:
    with pytest.raises(PolicyError) as raised:
        _native._raise_panic_for_tests()  # type: ignore[attr-defined]  # test builds only
    assert raised.value.code == "panic"
    assert type(raised.value) is PolicyError
    # The interpreter is fine afterwards.
    assert Consent.from_cookie(None).problem == "absent"


def test_purposes_to_ask_and_states(policy: Policy) -> None:
    none = Consent.from_cookie(None)
    assert sorted(policy.purposes_to_ask(none, NOW)) == ["marketing", "statistics"]
    answered = Consent({"statistics": "denied", "marketing": "granted"}, revision=2, at=NOW)
    assert policy.purposes_to_ask(answered, NOW) == []
    old = Consent({"statistics": "denied", "marketing": "granted"}, revision=1, at=NOW)
    assert sorted(policy.purposes_to_ask(old, NOW)) == ["marketing", "statistics"]
    assert policy.consent_state("marketing", old, NOW) == "stale"
    assert policy.consent_state("necessary", none, NOW) == "granted"
    assert policy.consent_state("nope", none, NOW) is None


def test_filter_set_cookies_keeps_allowed_headers_unchanged(policy: Policy) -> None:
    consent = Consent({"statistics": "granted"}, revision=2, at=NOW)
    headers = [
        "consent=v%3D1; Path=/; Max-Age=100",
        "_ad_id=1; Domain=example.com",
        "_ga=GA1.2.3; Path=/",
        "tracker=1",
        "=nameless",
        "bad\x01=1",
    ]
    result = policy.filter_set_cookies(headers, consent, NOW)
    assert result.kept == [headers[0], headers[2]]
    dropped = {(d.header, d.cookie, d.decision.rule, d.problem) for d in result.dropped}
    assert dropped == {
        (headers[1], "_ad_id", "third_party", None),
        (headers[3], "tracker", "undeclared", None),
        (headers[4], None, "undeclared", "nameless"),
        (headers[5], None, "undeclared", "control_character"),
    }
    assert "DroppedCookie(" in repr(result.dropped[0])


def test_purge_deletes_withdrawn_cookies(policy: Policy) -> None:
    consent = Consent({"statistics": "denied"}, revision=2, at=NOW)
    purged = policy.purge("consent=x; _ga=1; _ga=2; other=3", consent, NOW)
    assert [p.cookie for p in purged] == ["_ga", "other"]
    ga = purged[0]
    assert ga.decision == Decision(False, "consent", "statistics", "denied")
    assert ga.headers and all("_ga=;" in h and "Max-Age=0" in h for h in ga.headers)
    assert policy.purge(None, consent, NOW) == []
    assert policy.purge("", consent, NOW) == []


def test_consent_from_cookie_header(policy: Policy) -> None:
    value = "v=1&rev=2&at=1700000000&statistics=1"
    consent = policy.consent_from_cookie_header(f"a=1; consent={value}; b=2")
    assert consent.get("statistics") == "granted"
    # The same value twice counts once; copies that disagree fail closed.
    assert policy.consent_from_cookie_header(f"consent={value}; consent={value}").to_cookie() == consent.to_cookie()
    split = policy.consent_from_cookie_header(f"consent={value}; consent=v=1&rev=2&at=1&statistics=0")
    assert split.problem == "malformed" and split.get("statistics") is None
    assert policy.consent_from_cookie_header(None).problem == "absent"
    assert policy.consent_from_cookie_header("consent=junk").problem == "malformed"


def test_render_charter(example_policy_path: Path) -> None:
    policy = Policy.load(example_policy_path)
    fr = policy.render_charter()
    assert policy.languages[0] == "fr" and fr == policy.render_charter("fr")
    assert "Nom du prestataire" in fr and "sessionid" in fr
    en = policy.render_charter("en", "html")
    assert en.lstrip().startswith("<") and "Provider" in en
    with pytest.raises(PolicyError) as raised:
        policy.render_charter("fr", "pdf")
    assert raised.value.code == "invalid_argument"


def test_render_charter_defaults_to_the_first_language() -> None:
    english_first = Policy.from_toml(
        POLICY_TOML.replace('consent_cookie = "consent"', 'consent_cookie = "consent"\nlanguages = ["en", "fr"]')
        .replace('label = "Marketing"', 'label = { en = "Marketing", fr = "Publicité" }')
    )
    assert english_first.languages == ["en", "fr"]
    page = english_first.render_charter()
    assert page == english_first.render_charter("en") != english_first.render_charter("fr")
    assert "Provider" in page and "Nom du prestataire" not in page
    assert english_first.render_charter(format="html") == english_first.render_charter("en", "html")
    # A language the policy does not declare still renders the first one, with a note.
    assert "Provider" in english_first.render_charter("de")


BILINGUAL = """
[site]
name = "Exemple"
url = "https://www.example.fr"
revision = 3
consent_cookie = "consent"
languages = ["fr", "en"]

[purposes.marketing]
label = { en = "Advertising", fr = "Publicité" }
description = { fr = "Mesurer les publicités." }
revision = 2

[purposes.empty]
label = { fr = "Vide", en = "Empty" }

[[cookies]]
name = "consent"
provider = "Exemple"
service = "Bandeau"
purpose = "necessary"
description = "Votre choix"
lifetime = "6 months"

[[cookies]]
name = "_pk_id.*"
provider = "Matomo"
service = "Audience"
purpose = "statistics"
description = "Mesure anonyme"
lifetime = "13 months"
anonymous = true

[[cookies]]
name = "_fbp"
provider = "Meta"
service = "Pixel"
purpose = "marketing"
description = "Publicité"
lifetime = "3 months"
domain = ".facebook.com"

[[cookies]]
name = "ads_*"
provider = "Régie"
service = "Publicité"
purpose = "marketing"
description = "Publicité"
lifetime = "1 month"
"""


def test_purposes_show_what_a_banner_needs() -> None:
    policy = Policy.from_toml(BILINGUAL)
    purposes = policy.purposes
    assert [p.id for p in purposes] == ["necessary", "statistics", "marketing", "empty"]
    necessary, statistics, marketing, empty = purposes
    # Labels in the policy's language order, whatever the file's order.
    assert list(marketing.label.items()) == [("fr", "Publicité"), ("en", "Advertising")]
    assert list(necessary.label) == ["fr", "en"] and necessary.description is None
    assert marketing.description == {"fr": "Mesurer les publicités."}
    assert (marketing.revision, necessary.revision) == (2, 3)
    assert marketing.cookies == ["_fbp", "ads_*"] and necessary.cookies == ["consent"]
    # Only consent-needing cookies make a banner ask: anonymous statistics are exempt.
    assert [p.needs_consent for p in purposes] == [False, False, True, False]
    assert statistics.cookies == ["_pk_id.*"] and empty.cookies == []
    assert [p.id for p in purposes if p.needs_consent] == sorted(
        policy.purposes_to_ask(Consent.from_cookie(None), NOW)
    )
    # Frozen values: equal when equal, fresh containers on each read.
    assert policy.purposes == purposes and hash(policy.purposes[2]) == hash(marketing)
    assert marketing != empty
    with pytest.raises(AttributeError):
        marketing.revision = 5  # type: ignore[misc]
    marketing.label["fr"] = "changed"
    marketing.cookies.append("x")
    assert marketing.label["fr"] == "Publicité" and marketing.cookies == ["_fbp", "ads_*"]
    assert repr(marketing) == (
        "Purpose(id='marketing', label={'fr': 'Publicité', 'en': 'Advertising'}, revision=2, "
        "needs_consent=True, cookies=['_fbp', 'ads_*'])"
    )


def test_reprs_and_messages_quote_as_python_does() -> None:
    # Python's repr quoting (single quotes), not Rust's Debug (double quotes).
    policy = Policy.from_toml(POLICY_TOML)
    assert repr(policy) == "<Policy site='https://www.example.com' revision=2 purposes=3 cookies=3>"
    assert repr(Consent.from_cookie(None)) == "<Consent problem='absent'>"
    assert repr(Consent.from_cookie("junk").with_gpc(True)) == "<Consent problem='malformed' gpc=True>"
    consent = Consent({"statistics": "granted"}, revision=2, at=NOW)
    assert repr(consent) == f"Consent({{'statistics': 'granted'}}, revision=2, at={NOW})"
    assert eval(repr(consent), {"Consent": Consent}) == consent
    filtered = policy.filter_set_cookies(['x"\\=1'], consent, NOW)
    assert repr(filtered.dropped[0]).startswith("DroppedCookie(header='x\"\\\\=1', cookie='x\"\\\\'")
    with pytest.raises(TypeError, match="^a choice must be the str 'granted' or 'denied', not bool$"):
        Consent({"statistics": True})
    with pytest.raises(TypeError, match="'granted' or 'denied', not list"):
        Consent(["statistics"])
    with pytest.raises(TypeError, match="'unchanged' or 'not_a_consent', not NoneType"):
        policy.respond([], handled=None)  # type: ignore[arg-type]
    warning_policy = Policy.from_toml(POLICY_TOML.replace('lifetime = "13 months"\ndomain', 'lifetime = "14 months"\ndomain'))
    for warning in warning_policy.warnings:
        assert repr(warning).startswith("PolicyWarning(code='")


def test_consent_from_cookie_header_docstring_says_disagreeing_copies_fail_closed() -> None:
    doc = Policy.consent_from_cookie_header.__doc__ or ""
    assert "first one sent" not in doc and "fail" in doc


def test_the_package_re_exports_the_native_module() -> None:
    for name in cookie_charter.__all__:
        assert getattr(cookie_charter, name) is getattr(_native, name)
    assert cookie_charter.__version__
    assert Policy.__module__ == "cookie_charter"


class _Index:
    """Not an int, but one through `__index__`: `now` takes it the way it always did."""

    def __init__(self, value: int) -> None:
        self.value = value

    def __index__(self) -> int:
        return self.value


def test_now_gives_the_same_decisions_and_errors_whatever_int_it_is(policy: Policy) -> None:
    # An exact int is read as a C long where it fits (the fast way), anything else as an
    # unsigned 64-bit int: the same value, so the same decision, and the same errors.
    consent = Consent({"marketing": "granted"}, revision=2, at=NOW)
    day = 86_400
    values = [0, 1, 2**30 - 1, 2**30, NOW - 1, NOW, NOW + 1, NOW + 390 * day, NOW + 400 * day,
              2**62, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1]
    states = set()
    for value in values:
        expected = policy.decide("_ad_x", consent, _Index(value))
        assert policy.decide("_ad_x", consent, value) is expected, value
        assert policy.decide_many(["_ad_x"], consent, value) == [expected], value
        assert policy.consent_state("marketing", consent, value) == expected.consent_state
        states.add(expected.consent_state)
    assert len(states) > 1  # the values give different answers: a misread one would show
    assert policy.decide("_ad_x", consent, True) is policy.decide("_ad_x", consent, 1)

    class Int(int):
        pass

    assert policy.decide("_ad_x", consent, Int(NOW)) is policy.decide("_ad_x", consent, NOW)
    for bad, error in [(-1, OverflowError), (-(2**63), OverflowError), (-(2**64), OverflowError),
                       (2**64, OverflowError), (10**30, OverflowError), (1.0, TypeError),
                       ("1", TypeError), (_Index(-1), OverflowError)]:
        with pytest.raises(error) as fast:
            policy.decide("_ad_x", consent, bad)
        with pytest.raises(error) as reference:
            policy.decide("_ad_x", consent, _Index(bad) if isinstance(bad, int) else bad)
        assert str(fast.value) == str(reference.value), bad


def test_hostile_values_give_typed_errors_or_decisions(policy: Policy) -> None:
    consent = Consent.from_cookie(None)
    # Any str is a name: control characters, NUL, non-ASCII and huge names are undeclared.
    for name in ["\x00", "a\r\nb", "é", "x" * 100_000, ""]:
        assert policy.decide(name, consent, NOW).rule == "undeclared"
    with pytest.raises(UnicodeEncodeError):  # a lone surrogate is not text
        policy.decide("\ud800", consent, NOW)
    with pytest.raises(OverflowError):
        policy.decide("_ga", consent, -1)
    with pytest.raises(OverflowError):
        Consent({}, revision=-1)
    assert Consent.from_cookie("\x00" * 10_000).problem == "oversized"
    result = policy.filter_set_cookies(["_ga=1\r\nSet-Cookie: x=1", "\ud7ff=1"], consent, NOW)
    assert result.kept == []
    for purged in policy.purge("a\x01=1; _ga=1;;=;\t", consent, NOW):
        assert all("\r" not in h and "\n" not in h for h in purged.headers)
