"""The hostile-input corpus of `tests/hostile/` (see its README) through the Python binding.

Every case gives the outcome `cases.json` states, and nothing crashes the interpreter: text
holding lone surrogates (undecodable bytes kept by `surrogateescape`) raises a Python
exception, it never reaches the engine half-decoded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cookie_charter as cc

HOSTILE = Path(__file__).resolve().parents[3] / "tests" / "hostile"
DATA: dict[str, Any] = json.loads((HOSTILE / "cases.json").read_text(encoding="utf-8"))
NOW: int = DATA["now"]


def raw(case: dict[str, Any]) -> bytes:
    """The bytes of a case: `input`, `input_hex` or `generate`."""
    if "input" in case:
        return str(case["input"]).encode("utf-8")
    if "input_hex" in case:
        return bytes.fromhex(case["input_hex"])
    out = []
    for piece, times in case["generate"]:
        if "{i}" in piece:
            out.extend(piece.replace("{i}", str(i)) for i in range(times))
        else:
            out.append(piece * times)
    return "".join(out).encode("utf-8")


def text(case: dict[str, Any]) -> str:
    """Text as a host decodes it: invalid UTF-8 replaced by U+FFFD."""
    return raw(case).decode("utf-8", errors="replace")


def ids(group: str) -> list[str]:
    return [c["id"] for c in DATA[group]]


@pytest.fixture(scope="module")
def policy() -> cc.Policy:
    return cc.Policy.load(HOSTILE / DATA["policy"])


@pytest.fixture(scope="module")
def consent() -> cc.Consent:
    return cc.Consent.from_cookie(DATA["consent"])


@pytest.mark.parametrize("case", DATA["set_cookie"], ids=ids("set_cookie"))
def test_set_cookie(policy: cc.Policy, consent: cc.Consent, case: dict[str, Any]) -> None:
    header = text(case)
    filtered = policy.filter_set_cookies([header], consent, NOW)
    assert len(filtered.kept) + len(filtered.dropped) == 1
    if case["kept"]:
        assert filtered.kept == [case.get("kept_as", header)]
    else:
        assert filtered.kept == []
        dropped = filtered.dropped[0]
        assert not dropped.decision.allowed
        assert dropped.header == header
        if "cookie" in case:
            assert dropped.cookie == case["cookie"]
        if "problem" in case:
            assert dropped.problem == case["problem"]
        if "rule" in case:
            assert dropped.decision.rule == case["rule"]


@pytest.mark.parametrize("case", DATA["set_cookie_batches"], ids=ids("set_cookie_batches"))
def test_set_cookie_batches(
    policy: cc.Policy, consent: cc.Consent, case: dict[str, Any]
) -> None:
    templates = case["template"]
    headers = [
        templates[i % len(templates)].replace("{i}", str(i)) for i in range(case["count"])
    ]
    filtered = policy.filter_set_cookies(headers, consent, NOW)
    assert len(filtered.kept) == case["kept"]
    assert len(filtered.dropped) == case["dropped"]
    # Both are the input's order.
    positions = {h: i for i, h in enumerate(headers)}
    kept = [positions[h] for h in filtered.kept]
    dropped = [positions[d.header] for d in filtered.dropped]
    assert kept == sorted(kept) and dropped == sorted(dropped)


@pytest.mark.parametrize("case", DATA["cookie_header"], ids=ids("cookie_header"))
def test_cookie_header(policy: cc.Policy, case: dict[str, Any]) -> None:
    header = text(case)
    consent = policy.consent_from_cookie_header(header)
    assert consent.problem == case["consent_problem"]
    if "consent_usable" in case:
        assert (consent.problem_at(NOW) is None) == case["consent_usable"]
    purged = policy.purge(header, consent, NOW)
    names = [p.cookie for p in purged]
    if "purged" in case:
        assert names == case["purged"]
    if "purged_count" in case:
        assert len(names) == case["purged_count"]
    for name in case.get("not_purged", []):
        assert name not in names
    for p in purged:
        assert not p.decision.allowed
        for deletion in p.headers:
            assert not any(c in deletion for c in "\r\n\0")
            assert deletion.startswith(p.cookie + "=; Max-Age=0")


@pytest.mark.parametrize("case", DATA["consent_cookie"], ids=ids("consent_cookie"))
def test_consent_cookie(policy: cc.Policy, case: dict[str, Any]) -> None:
    consent = cc.Consent.from_cookie(text(case))
    assert consent.problem == case["problem"]
    usable = case.get("usable", case["problem"] is None)
    assert (consent.problem_at(NOW) is None) == usable
    if not usable:
        assert consent.choices == {} or consent.problem is None
        assert not policy.decide("_ga", consent, NOW).allowed


@pytest.mark.parametrize("case", DATA["policies"], ids=ids("policies"))
def test_policy_files(tmp_path: Path, case: dict[str, Any]) -> None:
    if "file" in case:
        path = HOSTILE / case["file"]
    else:
        path = tmp_path / f"{case['id']}.{case.get('format', 'toml')}"
        path.write_bytes(raw(case))
    if case.get("utf8") is False:
        # Not text: a syntax error at the first byte that is not UTF-8 (never a crash, never a
        # policy, never read with replacement characters).
        with pytest.raises(cc.PolicyError) as refused:
            cc.Policy.load(path)
        assert refused.value.code == "syntax"
        assert refused.value.line is not None and refused.value.column is not None
        assert "is not UTF-8" in str(refused.value)
        return
    if case["ok"]:
        policy = cc.Policy.load(path)
        assert policy.consent_cookie
        return
    with pytest.raises(cc.PolicyError) as raised:
        cc.Policy.load(path)
    assert raised.value.code == case["error"]
    assert raised.value.line is not None and raised.value.column is not None
    if "field" in case:
        assert raised.value.field == case["field"]


def test_lone_surrogates_raise_instead_of_reaching_the_engine(
    policy: cc.Policy, consent: cc.Consent
) -> None:
    bad = b"\xffsessionid=1".decode("utf-8", errors="surrogateescape")
    calls = [
        lambda: policy.filter_set_cookies([bad], consent, NOW),
        lambda: policy.purge(bad, consent, NOW),
        lambda: policy.consent_from_cookie_header(bad),
        lambda: policy.decide(bad, consent, NOW),
        lambda: cc.Consent.from_cookie(bad),
        lambda: cc.Policy.from_toml(bad),
    ]
    for call in calls:
        with pytest.raises(ValueError):
            call()
    # The binding still works afterwards.
    assert policy.decide("sessionid", consent, NOW).allowed
