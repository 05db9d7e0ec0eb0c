"""The shared vector corpus (tests/vectors/): the binding must give exactly Rust's results.

Case files (`decide`, `filter`, `purge`, `respond`, with a policy), TC-string files (`tcf/`:
`tc_decode` cases, without a policy) and load errors (`load-errors/`); an unknown case kind fails.
The `respond` cases also run through the WSGI and ASGI middleware (test_respond_middleware.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cookie_charter import Consent, Policy, PolicyError, TcString, TcStringError
from conftest import ROOT

VECTORS = ROOT / "tests" / "vectors"
FILES = sorted(VECTORS.rglob("*.json"))


def _group(path: Path) -> str:
    return path.relative_to(VECTORS).parts[0]


ERROR_FILES = [f for f in FILES if _group(f) == "load-errors"]
TC_FILES = [f for f in FILES if _group(f) == "tcf"]
CASE_FILES = [f for f in FILES if _group(f) not in ("load-errors", "tcf")]

# The core segment's fields that `TcString` exposes as properties.
TC_PROPERTIES = (
    "version", "created", "last_updated", "cmp_id", "cmp_version", "consent_screen",
    "consent_language", "vendor_list_version", "policy_version", "is_service_specific",
    "use_non_standard_texts", "special_feature_opt_ins", "purpose_consents",
    "purpose_legitimate_interests", "purpose_one_treatment", "publisher_country_code",
)


def test_the_corpus_is_there() -> None:
    assert FILES, f"no vector file under {VECTORS}"
    assert CASE_FILES and ERROR_FILES


def _id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def load_policy(doc: dict[str, Any]) -> Policy:
    has_json = "policy" in doc
    has_toml = "policy_toml" in doc
    assert has_json != has_toml, "a case file has exactly one of `policy` and `policy_toml`"
    if has_json:
        return Policy.from_json(json.dumps(doc["policy"]))
    return Policy.from_toml(doc["policy_toml"])


def decision_dict(cookie: str | None, decision: Any) -> dict[str, Any]:
    return {"cookie": cookie, **decision.to_dict()}


def case_consent(policy: Policy, case: dict[str, Any]) -> Consent | None:
    """The consent of a `decide` case: its cookie, or its TC string; None when the TC string
    must be refused (`tc_error`), which is checked here."""
    if "tc_string" in case:
        assert "consent" not in case, "a case has `consent` or `tc_string`, not both"
        if "tc_error" in case:
            with pytest.raises(TcStringError) as raised:
                policy.consent_from_tc_string(case["tc_string"])
            assert raised.value.code == case["tc_error"]
            assert isinstance(raised.value, PolicyError)
            return None
        consent = policy.consent_from_tc_string(case["tc_string"])
    else:
        assert "tc_error" not in case, "`tc_error` comes only with `tc_string`"
        consent = Consent.from_cookie(case["consent"])
    gpc = case.get("gpc", False)
    assert isinstance(gpc, bool)
    return consent.with_gpc(gpc)


def run_decide(policy: Policy | None, case: dict[str, Any]) -> None:
    assert policy is not None, "a `decide` case needs a policy"
    consent = case_consent(policy, case)
    if consent is None:
        assert "decisions" not in case, "a case with `tc_error` has no decisions"
        return
    now = case["now"]
    assert consent.problem_at(now) == case["problem"]
    expected = case["decisions"]
    for want in expected:
        got = policy.decide(want["cookie"], consent, now)
        assert decision_dict(want["cookie"], got) == want
    # The batch call gives the same decisions, in order.
    names = [want["cookie"] for want in expected]
    batch = policy.decide_many(names, consent, now)
    assert [decision_dict(n, d) for n, d in zip(names, batch)] == expected
    if "purposes_to_ask" in case:
        assert sorted(policy.purposes_to_ask(consent, now)) == sorted(case["purposes_to_ask"])
    if "consent_mode" in case:
        mode = policy.consent_mode(consent, now)
        assert mode == case["consent_mode"]
        # Google's order, whatever the order of the file.
        assert list(mode) == list(SIGNALS)


SIGNALS = ("ad_storage", "ad_user_data", "ad_personalization", "analytics_storage",
           "functionality_storage", "personalization_storage", "security_storage")


def run_filter(policy: Policy | None, case: dict[str, Any]) -> None:
    assert policy is not None, "a `filter` case needs a policy"
    consent = Consent.from_cookie(case["consent"])
    result = policy.filter_set_cookies(case["set_cookies"], consent, case["now"])
    assert result.kept == case["kept"]
    got = [
        {"header": d.header, **decision_dict(d.cookie, d.decision)} for d in result.dropped
    ]
    want = [
        {key: entry.get(key) for key in ("header", "cookie", "allowed", "rule", "purpose", "consent_state")}
        for entry in case["dropped"]
    ]
    assert got == want


def run_purge(policy: Policy | None, case: dict[str, Any]) -> None:
    assert policy is not None, "a `purge` case needs a policy"
    consent = Consent.from_cookie(case["consent"])
    purged = policy.purge(case["cookie_header"], consent, case["now"])
    got = [{"cookie": p.cookie, "headers": p.headers} for p in purged]
    want = [{"cookie": e["cookie"], "headers": e["headers"]} for e in case["purged"]]
    assert got == want
    for entry, p in zip(case["purged"], purged):
        for key in ("allowed", "rule", "purpose", "consent_state"):
            if key in entry:
                assert getattr(p.decision, key) == entry[key]


def respond_handled(case: dict[str, Any]) -> Consent | str:
    """The `handled` argument of `Policy.respond` for a `respond` case."""
    handled = case["handled"]
    if isinstance(handled, dict):
        assert list(handled) == ["replaced"], f"unknown handled {handled!r}"
        return Consent.from_cookie(handled["replaced"])
    assert handled in ("unchanged", "not_a_consent"), f"unknown handled {handled!r}"
    return str(handled)


def dropped_dicts(dropped: Any) -> list[dict[str, Any]]:
    """`DroppedCookie` objects as the vector files write them."""
    return [{"header": d.header, **decision_dict(d.cookie, d.decision)} for d in dropped]


def expected_dropped(case: dict[str, Any]) -> list[dict[str, Any]]:
    keys = ("header", "cookie", "allowed", "rule", "purpose", "consent_state")
    return [{key: entry.get(key) for key in keys} for entry in case["dropped"]]


def run_respond(policy: Policy | None, case: dict[str, Any]) -> None:
    assert policy is not None, "a `respond` case needs a policy"
    now = case["now"]
    response = policy.respond(
        case["set_cookies"],
        cookie_header=case["cookie"],
        sec_gpc=case["sec_gpc"],
        handled=respond_handled(case),
        purge=case["purge"],
        now=now,
    )
    assert response.consent.problem_at(now) == case["consent_problem"]
    assert response.consent.gpc is case["gpc"]
    if "consent_source" in case:
        source = response.consent.source
        want = case["consent_source"]
        assert source == (None if want is None else (want["index"], want["format"]))
    assert response.set_cookies == case["send"]
    assert dropped_dicts(response.dropped) == expected_dropped(case)
    # The deletions are the purged cookies' headers, after the kept values.
    deletions = [h for p in response.purged for h in p.headers]
    assert response.set_cookies[len(response.set_cookies) - len(deletions):] == deletions
    assert response.unchanged is (response.set_cookies == case["set_cookies"] and not deletions)
    # What a middleware gives handlers when the request arrives is what judges an unchanged one.
    if case["handled"] == "unchanged":
        assert policy.request_consent(case["cookie"], case["sec_gpc"]) == response.consent


def subset_differences(want: Any, got: Any, path: str = "$") -> list[str]:
    """Where `got` differs from `want` on the keys `want` has, recursively (lists compared item
    by item, and by length)."""
    if isinstance(want, dict) and isinstance(got, dict):
        out = []
        for key, value in want.items():
            if key not in got:
                out.append(f"{path}.{key}: missing")
            else:
                out += subset_differences(value, got[key], f"{path}.{key}")
        return out
    if isinstance(want, list) and isinstance(got, list) and len(want) == len(got):
        return [d for i, (w, g) in enumerate(zip(want, got))
                for d in subset_differences(w, g, f"{path}[{i}]")]
    # bool is an int in Python: compare the types too.
    if type(want) is type(got) and want == got:
        return []
    return [f"{path}: expected {json.dumps(want)[:200]}, got {json.dumps(got)[:200]}"]


def run_tc_decode(policy: Policy | None, case: dict[str, Any]) -> None:
    assert policy is None, "a `tc_decode` file has no policy"
    text = case["tc_string"]
    assert ("expected" in case) != ("error" in case), "exactly one of `expected` and `error`"
    if "error" in case:
        with pytest.raises(TcStringError) as raised:
            TcString.decode(text)
        error = raised.value
        assert (error.code, error.reason) == ("invalid_tc_string", case["error"]), str(error)
        assert str(error).startswith(case["error"])
        return
    tc = TcString.decode(text)
    as_dict = tc.to_dict()
    assert as_dict == json.loads(tc.to_json())
    differences = subset_differences(case["expected"], as_dict)
    assert not differences, "; ".join(differences)
    # The properties are the canonical fields, and the vendor lookups agree with the sets.
    for name in TC_PROPERTIES:
        assert getattr(tc, name) == as_dict[name], name
    for key, lookup in (("vendor_consents", tc.vendor_consent),
                        ("vendor_legitimate_interests", tc.vendor_legitimate_interest)):
        vendors = set(as_dict[key]["vendors"])
        top = max(vendors, default=0) + 2
        assert {v for v in range(top) if lookup(v)} == vendors, key


RUNNERS = {"decide": run_decide, "filter": run_filter, "purge": run_purge,
           "respond": run_respond, "tc_decode": run_tc_decode}


def run_file(path: Path, policy: Policy | None, doc: dict[str, Any]) -> None:
    assert doc["cases"], f"{path} has no case"
    for index, case in enumerate(doc["cases"]):
        kind = case.get("kind")
        runner = RUNNERS.get(kind)
        assert runner is not None, f"{path} case {index}: unknown kind {kind!r}"
        try:
            runner(policy, case)
        except AssertionError as failure:
            label = case.get("description") or case.get("name")
            raise AssertionError(f"case {index} ({label}): {failure}") from None


@pytest.mark.parametrize("path", CASE_FILES, ids=_id)
def test_case_file(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    run_file(path, load_policy(doc), doc)


@pytest.mark.parametrize("path", TC_FILES, ids=_id)
def test_tc_file(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert "policy" not in doc and "policy_toml" not in doc, "a `tcf/` file has no policy"
    run_file(path, None, doc)


@pytest.mark.parametrize("path", ERROR_FILES, ids=_id)
def test_load_error_file(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    with pytest.raises(PolicyError) as raised:
        if "policy_json" in doc:
            Policy.from_json(doc["policy_json"])
        else:
            Policy.from_toml(doc["policy_toml"])
    error = raised.value
    want = doc["error"]
    assert isinstance(error, ValueError)
    assert {
        "code": error.code,
        "field": error.field,
        "line": error.line,
        "column": error.column,
    } == {key: want.get(key) for key in ("code", "field", "line", "column")}
