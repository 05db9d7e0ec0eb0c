"""The shared vector corpus (tests/vectors/): the binding must give exactly Rust's results."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cookie_charter import Consent, Policy, PolicyError
from conftest import ROOT

VECTORS = ROOT / "tests" / "vectors"
FILES = sorted(VECTORS.rglob("*.json"))
CASE_FILES = [f for f in FILES if f.parent.name != "load-errors"]
ERROR_FILES = [f for f in FILES if f.parent.name == "load-errors"]


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


def run_decide(policy: Policy, case: dict[str, Any]) -> None:
    consent = Consent.from_cookie(case["consent"])
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


def run_filter(policy: Policy, case: dict[str, Any]) -> None:
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


def run_purge(policy: Policy, case: dict[str, Any]) -> None:
    consent = Consent.from_cookie(case["consent"])
    purged = policy.purge(case["cookie_header"], consent, case["now"])
    got = [{"cookie": p.cookie, "headers": p.headers} for p in purged]
    want = [{"cookie": e["cookie"], "headers": e["headers"]} for e in case["purged"]]
    assert got == want
    for entry, p in zip(case["purged"], purged):
        for key in ("allowed", "rule", "purpose", "consent_state"):
            if key in entry:
                assert getattr(p.decision, key) == entry[key]


RUNNERS = {"decide": run_decide, "filter": run_filter, "purge": run_purge}


@pytest.mark.parametrize("path", CASE_FILES, ids=_id)
def test_case_file(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    policy = load_policy(doc)
    assert doc["cases"], f"{path} has no case"
    for index, case in enumerate(doc["cases"]):
        kind = case.get("kind")
        runner = RUNNERS.get(kind)
        assert runner is not None, f"{path} case {index}: unknown kind {kind!r}"
        try:
            runner(policy, case)
        except AssertionError as failure:
            raise AssertionError(f"case {index} ({case.get('description')}): {failure}") from None


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
