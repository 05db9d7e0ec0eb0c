"""Timed-loop benchmark of TC-string decoding in the Python binding (not run by the tests).

    bindings/python/.venv/bin/python bindings/python/benches/bench_tcf.py

The strings are the valid ones of the conformance data (tests/conformance/iab-tcf/): the five
of LiveRamp/iabconsent and gguridi/iab-tcf's consent_a to consent_c. Timed, per string:
- `TcString.decode` (the Rust value only: no Python object but the result is built);
- `TcString.decode(s).purpose_consents` and `TcString.decode(s).to_dict()` (every field as
  Python objects);
- a refused string (`TcStringError`);
- `iab_tcf.decode_v2` of the `iab-tcf` package (pure Python), when it is installed
  (`pip install iab-tcf==0.2.2`; `benches/.venv` has it). Both decoders' purpose and vendor
  consents are checked equal first.
Medians of several runs.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from cookie_charter import TcString, TcStringError

DATA = Path(__file__).resolve().parents[3] / "tests" / "conformance" / "iab-tcf"


def strings() -> list[str]:
    iabconsent = json.loads((DATA / "v2.2" / "iabconsent.json").read_text())
    out = [v["consent"] for v in iabconsent["valid"]]
    for name in "abc":
        out.append(json.loads((DATA / "v2" / f"consent_{name}.json").read_text())["consent"])
    return out


def median_ns(run: Callable[[], object], per: int, repeat: int = 7, number: int = 200) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(number):
            run()
        times.append((time.perf_counter_ns() - start) / (number * per))
    return statistics.median(times)


def refused(text: str) -> None:
    try:
        TcString.decode(text)
    except TcStringError:
        return
    raise AssertionError("the string decoded")


def main() -> None:
    texts = strings()
    n = len(texts)
    decode = TcString.decode
    ours = median_ns(lambda: [decode(s) for s in texts], n)
    purposes = median_ns(lambda: [decode(s).purpose_consents for s in texts], n)
    as_dict = median_ns(lambda: [decode(s).to_dict() for s in texts], n, number=50)
    cut = [s[: len(s) // 2] for s in texts]
    errors = median_ns(lambda: [refused(s) for s in cut], n)
    print(f"TC strings: {n} ({min(map(len, texts))} to {max(map(len, texts))} characters)")
    print(f"TcString.decode:                         {ours / 1000:8.2f} us per string")
    print(f"TcString.decode + .purpose_consents:     {purposes / 1000:8.2f} us")
    print(f"TcString.decode + .to_dict():            {as_dict / 1000:8.2f} us")
    print(f"a refused string (TcStringError):        {errors / 1000:8.2f} us")
    try:
        import iab_tcf  # type: ignore[import-not-found]
    except ImportError:
        print("iab-tcf is not installed: pip install iab-tcf==0.2.2 to compare")
        return
    for text in texts:
        mine, theirs = decode(text), iab_tcf.decode_v2(text)
        assert mine.purpose_consents == sorted(
            k for k, v in theirs.purposes_consent.items() if v), text
        top = theirs.max_consent_vendor_id + 2
        assert all(mine.vendor_consent(v) == bool(theirs.is_vendor_allowed(v))
                   for v in range(top)), text
    other = median_ns(lambda: [iab_tcf.decode_v2(s) for s in texts], n, number=5)
    print(f"iab_tcf.decode_v2 (iab-tcf, pure Python): {other / 1000:8.2f} us "
          f"({other / ours:.0f}x slower than TcString.decode, "
          f"{other / as_dict:.0f}x slower than decode + to_dict)")


if __name__ == "__main__":
    main()
