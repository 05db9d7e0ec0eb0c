"""The browser guard's server side: `Policy.guard` and `Policy.guard_script_tags` give exactly what
the command line (`cookie-charter guard`, the core's `Policy::guard`) gives, for every `decide`
case of the shared vectors; bad arguments raise typed, clear errors."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from cookie_charter import Consent, Policy, PolicyError
from conftest import ROOT
from test_vectors import CASE_FILES, load_policy

CLI = ROOT / "target" / "debug" / "cookie-charter"

POLICY = """
[site]
name = "Example"
url = "https://www.example.com"
consent_cookie = "consent"
[[cookies]]
name = "consent"
provider = "Example"
service = "Consent banner"
purpose = "necessary"
description = "Remembers your choice"
lifetime = "6 months"
[[cookies]]
name = "_ga_*"
provider = "Google"
service = "Analytics"
purpose = "statistics"
description = "Counts visits"
lifetime = "13 months"
"""


@pytest.fixture(scope="module")
def cli() -> Path:
    """The command line, built once (cargo does nothing when it is up to date)."""
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "cookie-charter-cli"], cwd=ROOT, check=True, timeout=900
    )
    assert CLI.is_file()
    return CLI


def _cli_guard(cli: Path, policy_file: Path, case: dict[str, Any], *extra: str) -> str:
    args = [str(cli), "guard", str(policy_file), "--now", str(case["now"]), *extra]
    stdin = b""
    if "tc_string" in case:
        args += ["--tc-string", case["tc_string"]]
    elif case.get("consent") is not None:
        args.append("--consent-stdin")
        stdin = case["consent"].encode()
    if case.get("gpc"):
        args.append("--gpc")
    run = subprocess.run(args, input=stdin, capture_output=True, check=True, timeout=60)
    return run.stdout.decode()


def _case_consent(policy: Policy, case: dict[str, Any]) -> Consent:
    if "tc_string" in case:
        consent = policy.consent_from_tc_string(case["tc_string"])
    else:
        consent = Consent.from_cookie(case.get("consent"))
    return consent.with_gpc(bool(case.get("gpc", False)))


DECIDE_FILES = [
    f
    for f in CASE_FILES
    if any(c.get("kind") == "decide" for c in json.loads(f.read_text()).get("cases", []))
]


def test_there_are_decide_cases() -> None:
    assert len(DECIDE_FILES) >= 5


@pytest.mark.parametrize("path", DECIDE_FILES, ids=lambda p: p.name)
def test_the_answer_is_the_command_lines(cli: Path, path: Path, tmp_path: Path) -> None:
    doc = json.loads(path.read_text())
    policy = load_policy(doc)
    policy_file = tmp_path / ("policy.json" if "policy" in doc else "policy.toml")
    policy_file.write_text(json.dumps(doc["policy"]) if "policy" in doc else doc["policy_toml"])
    cases = [c for c in doc["cases"] if c.get("kind") == "decide" and "tc_error" not in c]
    for case in cases:
        consent = _case_consent(policy, case)
        answer = policy.guard(consent, now=case["now"])
        assert answer + "\n" == _cli_guard(cli, policy_file, case), case["description"]
        assert json.loads(answer)["v"] == 1
        tags = policy.guard_script_tags(consent, "/g.js?a=1&b=<2>", nonce='n"1', now=case["now"])
        want = _cli_guard(cli, policy_file, case, "--script-src", "/g.js?a=1&b=<2>", "--nonce", 'n"1')
        assert tags == want, case["description"]


def test_the_answer_and_the_tags() -> None:
    policy = Policy.from_toml(POLICY)
    consent = Consent.from_cookie("v=1&rev=1&at=1700000000&statistics=0")
    assert policy.guard(consent, 1_700_000_100) == (
        '{"v":1,"purposes":{"necessary":"granted","statistics":"denied"},'
        '"exact":[["consent",true,"necessary"]],"patterns":[["_ga_*",false,"statistics"]],'
        '"undeclared":false,"domains":["www.example.com","example.com"]}'
    )
    granted = Consent.from_cookie("v=1&rev=1&at=1700000000&statistics=1")
    assert '["_ga_*",true,"statistics"]' in policy.guard(granted, now=1_700_000_100)
    tags = policy.guard_script_tags(consent, "/static/guard.min.js", now=1_700_000_100)
    assert tags == (
        '<script type="application/json" id="cookie-charter-answer">'
        + policy.guard(consent, 1_700_000_100)
        + '</script>\n<script src="/static/guard.min.js"></script>\n'
    )
    with_nonce = policy.guard_script_tags(consent, "/g.js", "r4nd0m", 1_700_000_100)
    assert with_nonce.count(' nonce="r4nd0m"') == 2


def test_the_default_time_is_now() -> None:
    policy = Policy.from_toml(POLICY)
    # A consent dated a month from now is not usable yet: unset now, granted at its date.
    at = int(time.time()) + 30 * 86400
    consent = Consent.from_cookie(f"v=1&rev=1&at={at}&statistics=1")
    assert '"statistics":"granted"' in policy.guard(consent, now=at)
    assert '"statistics":"unset"' in policy.guard(consent)
    assert '"statistics":"unset"' in policy.guard_script_tags(consent, "/g.js")


def test_bad_arguments() -> None:
    policy = Policy.from_toml(POLICY)
    consent = Consent.from_cookie(None)
    with pytest.raises(TypeError, match="consent"):
        policy.guard("v=1&rev=1", 0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        policy.guard(consent, now="soon")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        policy.guard(consent, now=-1)
    with pytest.raises(TypeError, match="src"):
        policy.guard_script_tags(consent, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="nonce"):
        policy.guard_script_tags(consent, "/g.js", nonce=b"n")  # type: ignore[arg-type]
    with pytest.raises(PolicyError) as empty_src:
        policy.guard_script_tags(consent, "")
    assert (empty_src.value.code, empty_src.value.field) == ("invalid_argument", "src")
    with pytest.raises(PolicyError) as empty_nonce:
        policy.guard_script_tags(consent, "/g.js", nonce="")
    assert (empty_nonce.value.code, empty_nonce.value.field) == ("invalid_argument", "nonce")
