"""The Python side of the comparison benchmark (run by benches/compare.sh, in benches/.venv).

    python benches/python/bench.py DIR [--check]

Reads the shared workload the Rust side wrote to DIR (policy.toml, names.txt, consent.txt,
expected.tsv, charter.cedar, set-cookies.txt, cookie-header.txt, expected-kept.txt), checks
that every engine gives the expected answers, then (without --check) times them and writes
DIR/python.json.

TC strings: the valid IAB TCF strings of the conformance data (tests/conformance/iab-tcf/:
the five of iabconsent and gguridi's consent_a to consent_c), decoded by cookie-charter's
`TcString.decode` and by the `iab-tcf` package, whose purpose and vendor consents must agree
before they are timed.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Callable
from http.cookies import SimpleCookie
from importlib.metadata import version
from pathlib import Path

import cedarpy
import iab_tcf
from cookie_charter import Consent, Policy, TcString

ROUND_S = 0.02
ROUNDS = 11


def per_op(ops: int, f: Callable[[], object]) -> list[float]:
    """Runs `f` (doing `ops` operations) in calibrated rounds; ns per operation, one per round."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            f()
        took = time.perf_counter() - start
        if took * 10 >= ROUND_S:
            calls = max(1, int(ROUND_S / (took / calls)))
            break
        calls *= 2
    out = []
    for i in range(ROUNDS + 1):
        start = time.perf_counter()
        for _ in range(calls):
            f()
        ns = (time.perf_counter() - start) * 1e9 / (calls * ops)
        if i:
            out.append(ns)
    return out


def interleaved(jobs: list[tuple[int, Callable[[], object]]]) -> list[list[float]]:
    """As `per_op` for several functions, one round of each in turn."""
    calls = []
    for ops, f in jobs:
        c = 1
        while True:
            start = time.perf_counter()
            for _ in range(c):
                f()
            took = time.perf_counter() - start
            if took * 10 >= ROUND_S:
                calls.append(max(1, int(ROUND_S / (took / c))))
                break
            c *= 2
    out: list[list[float]] = [[] for _ in jobs]
    for i in range(ROUNDS + 1):
        for (ops, f), c, samples in zip(jobs, calls, out, strict=True):
            start = time.perf_counter()
            for _ in range(c):
                f()
            ns = (time.perf_counter() - start) * 1e9 / (c * ops)
            if i:
                samples.append(ns)
    return out


class DictEngine:
    """The charter written by hand in plain Python: a dict of exact names, a scan of the
    patterns keeping the longest, ifs on purpose, party and consent; it answers what
    cookie-charter answers (allowed, rule, purpose, consent state)."""

    def __init__(self, toml_text: str) -> None:
        import tomllib

        doc = tomllib.loads(toml_text)
        self.revision = doc["site"].get("revision", 1)
        self.exact: dict[str, tuple[str, bool, bool]] = {}
        self.patterns: list[tuple[str, str, int, str, bool, bool]] = []
        for c in doc["cookies"]:
            third = "domain" in c or c.get("party") == "third"
            entry = (c["purpose"], third, bool(c.get("anonymous")))
            if "*" in c["name"]:
                prefix, suffix = c["name"].split("*", 1)
                self.patterns.append((prefix, suffix, len(prefix) + len(suffix), *entry))
            else:
                self.exact[c["name"]] = entry

    @staticmethod
    def granted(consent_cookie: str) -> tuple[int, dict[str, bool]]:
        """The consent's revision and its choices (`True` granted, `False` denied)."""
        out = {}
        rev = 0
        for part in consent_cookie.split("&"):
            key, _, value = part.partition("=")
            if key == "rev":
                rev = int(value)
            elif key not in ("v", "at"):
                out[key] = value == "1"
        return rev, out

    def decide(self, name: str, consent: tuple[int, dict[str, bool]]
               ) -> tuple[bool, str, str | None, str | None]:
        """The same decision as cookie-charter's: allowed, rule, purpose, consent state."""
        decl = self.exact.get(name)
        if decl is None:
            best = -1
            for prefix, suffix, length, purpose, third, anonymous in self.patterns:
                if (length > best and len(name) >= length and name.startswith(prefix)
                        and name.endswith(suffix)):
                    best = length
                    decl = (purpose, third, anonymous)
            if decl is None:
                return False, "undeclared", None, None
        purpose, third, anonymous = decl
        if purpose == "necessary":
            return True, "necessary", purpose, "granted"
        rev, choices = consent
        choice = choices.get(purpose)
        if choice is None:
            state = "unset"
        elif rev < self.revision:
            state = "stale"
        else:
            state = "granted" if choice else "denied"
        if third:
            return state == "granted", "third_party", purpose, state
        if purpose == "statistics" and anonymous:
            return True, "anonymous_statistics", purpose, state
        return state == "granted", "consent", purpose, state


ROOT = Path(__file__).resolve().parents[2]
TCF_DATA = ROOT / "tests" / "conformance" / "iab-tcf"


def tc_strings() -> list[str]:
    """The valid TC strings of the conformance data: iabconsent's and gguridi's a to c."""
    iabconsent = json.loads((TCF_DATA / "v2.2" / "iabconsent.json").read_text())
    out = [v["consent"] for v in iabconsent["valid"]]
    for name in "abc":
        out.append(json.loads((TCF_DATA / "v2" / f"consent_{name}.json").read_text())["consent"])
    return out


def check_tc_strings(strings: list[str]) -> None:
    """Both decoders give the same purpose consents and vendor consents for every string."""
    assert strings, f"no TC string under {TCF_DATA}"
    for text in strings:
        ours = TcString.decode(text)
        theirs = iab_tcf.decode_v2(text)
        assert ours.purpose_consents == sorted(
            k for k, v in theirs.purposes_consent.items() if v), f"purpose consents: {text}"
        top = max(theirs.max_consent_vendor_id, ours.to_dict()["vendor_consents"]["max_vendor_id"])
        for vendor in range(top + 2):
            assert ours.vendor_consent(vendor) == bool(theirs.is_vendor_allowed(vendor)), (
                f"vendor {vendor}: {text}")


def main() -> None:
    d = Path(sys.argv[1])
    toml_text = (d / "policy.toml").read_text()
    names = (d / "names.txt").read_text().split()
    consent_value, now_text = (d / "consent.txt").read_text().split()
    now = int(now_text)
    expected = [line.split("\t") for line in (d / "expected.tsv").read_text().splitlines()]
    set_cookies = (d / "set-cookies.txt").read_text().splitlines()
    cookie_header = (d / "cookie-header.txt").read_text().rstrip("\n")
    expected_kept = (d / "expected-kept.txt").read_text().splitlines()

    policy = Policy.from_toml(toml_text)
    consent = Consent.from_cookie(consent_value)
    engine = DictEngine(toml_text)
    granted = engine.granted(consent_value)
    policies = cedarpy.PolicySet.from_str((d / "charter.cedar").read_text())
    entities = cedarpy.Entities.from_json_str("[]")
    granted_list = [p for p, g in granted[1].items() if g]

    def cedar_request(name: str) -> dict:
        return {"principal": 'Visitor::"v"', "action": 'Action::"set"',
                "resource": 'Cookie::"c"', "context": {"name": name, "granted": granted_list}}

    # Answers first: every engine agrees before anything is timed.
    for (name, allowed, rule, purpose, state), got in zip(
            expected, policy.decide_many(names, consent, now), strict=True):
        one = policy.decide(name, consent, now)
        assert one == got, name
        assert (got.allowed, got.rule, got.purpose or "-", got.consent_state or "-") == (
            allowed == "1", rule, purpose, state), f"cookie-charter: {name}"
        assert engine.decide(name, granted) == (
            allowed == "1", rule, None if purpose == "-" else purpose,
            None if state == "-" else state), f"plain Python: {name}"
    cedar_answers = cedarpy.is_authorized_batch([cedar_request(n) for n in names], policies,
                                                entities)
    for (name, allowed, *_), result in zip(expected, cedar_answers, strict=True):
        assert not result.diagnostics.errors, result.diagnostics.errors
        assert result.allowed == (allowed == "1"), f"cedarpy: {name}"
    assert list(policy.filter_set_cookies(set_cookies, consent, now).kept) == expected_kept
    decisions = {h.split("=", 1)[0].strip(): policy.decide(h.split("=", 1)[0].strip(), consent,
                                                            now).allowed for h in set_cookies}

    def simple_cookie_filter(headers: list[str]) -> list[str]:
        kept = []
        for h in headers:
            jar = SimpleCookie()
            jar.load(h)
            if any(decisions.get(k, False) for k in jar):
                kept.append(h)
        return kept

    assert simple_cookie_filter(set_cookies) == expected_kept, "SimpleCookie filter"
    jar = SimpleCookie()
    jar.load(cookie_header)
    assert len(jar) == cookie_header.count("="), "SimpleCookie reads every cookie"
    assert policy.consent_from_cookie_header(cookie_header).problem is not None
    strings = tc_strings()
    check_tc_strings(strings)
    print("python: answers agree", file=sys.stderr)
    if "--check" in sys.argv:
        return

    n = len(names)
    rows = []

    def row(table: str, ident: str, label: str, samples: list[float]) -> None:
        rows.append({"table": table, "id": ident, "label": label, "samples": samples})

    # The rows compared with one another are timed in turn, round after round.
    decide_rows = [
        ("python/cookie-charter", "Python: cookie-charter `policy.decide`, one call per name",
         lambda: [policy.decide(q, consent, now) for q in names]),
        ("python/decide-many", "Python: cookie-charter `policy.decide_many`, per name",
         lambda: policy.decide_many(names, consent, now)),
        ("python/plain", "Python: hand-written dict + pattern scan + ifs (the same four answers)",
         lambda: [engine.decide(q, granted) for q in names]),
    ]
    for (ident, label, _), samples in zip(decide_rows, interleaved(
            [(n, f) for _, _, f in decide_rows]), strict=True):
        row("decide", ident, label, samples)
    requests = [cedar_request(q) for q in names]
    row("decide", "python/cedarpy",
        "Python: the charter as Cedar, `cedarpy` (batch, pre-parsed policies)",
        per_op(n, lambda: cedarpy.is_authorized_batch(requests, policies, entities)))

    row("filter", "python/cookie-charter",
        "Python: cookie-charter `policy.filter_set_cookies`",
        per_op(1, lambda: policy.filter_set_cookies(set_cookies, consent, now)))
    row("filter", "python/simplecookie",
        "Python: `http.cookies.SimpleCookie` each + decisions from a dict",
        per_op(1, lambda: simple_cookie_filter(set_cookies)))

    def simple_cookie_header() -> int:
        j = SimpleCookie()
        j.load(cookie_header)
        return len(j)

    row("cookie-header", "python/cookie-charter",
        "Python: cookie-charter `policy.consent_from_cookie_header` (reads every pair)",
        per_op(1, lambda: policy.consent_from_cookie_header(cookie_header)))
    row("cookie-header", "python/simplecookie", "Python: `http.cookies.SimpleCookie`",
        per_op(1, simple_cookie_header))
    row("cookie-header", "python/split", "Python: hand-written split on `;` then `=`",
        per_op(1, lambda: [p.strip().split("=", 1) for p in cookie_header.split(";")]))

    tc_rows = [
        ("python/cookie-charter", "Python: cookie-charter `TcString.decode`",
         lambda: [TcString.decode(s) for s in strings]),
        ("python/cookie-charter-dict",
         "Python: cookie-charter `TcString.decode(s).to_dict()` (every field as Python objects)",
         lambda: [TcString.decode(s).to_dict() for s in strings]),
        ("python/iab-tcf", f"Python: `iab_tcf.decode_v2` (iab-tcf {version('iab-tcf')})",
         lambda: [iab_tcf.decode_v2(s) for s in strings]),
    ]
    for (ident, label, _), samples in zip(tc_rows, interleaved(
            [(len(strings), f) for _, _, f in tc_rows]), strict=True):
        row("tc-decode", ident, label, samples)

    out = {"language": "python",
           "versions": {"python": platform.python_version(), "cedarpy": version("cedarpy"),
                        "cookie-charter": version("cookie-charter"),
                        "iab-tcf": version("iab-tcf")},
           "tc_strings": {"count": len(strings), "bytes": [len(s) for s in strings]},
           "rows": rows}
    (d / "python.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
