"""The loop of the comparison benchmark's Python `decide` rows, for instruction counts and quick
timings outside `bench.py` (run in benches/.venv, after `CHECK_ONLY=1 bash benches/compare.sh`
wrote the workload to DIR):

    python benches/python/decide_loop.py DIR N [decide|plain|empty] [--time]

runs N passes of `[policy.decide(q, consent, now) for q in names]` (`plain`: the hand-written
engine of bench.py; `empty`: the list comprehension alone) over the workload's 74 names. Under
`valgrind --tool=callgrind` with `PYTHONHASHSEED=0`, the difference of the counts of two N
divided by the difference of N times 74 is the cost of one call, the loop included, without the
start-up. With `--time` it then prints the best of 30 timings of 200 passes, ns per call.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import DictEngine  # noqa: E402
from cookie_charter import Consent, Policy  # noqa: E402


def main() -> None:
    d = Path(sys.argv[1])
    passes = int(sys.argv[2])
    mode = sys.argv[3] if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else "decide"
    toml_text = (d / "policy.toml").read_text()
    names = (d / "names.txt").read_text().split()
    value, now_text = (d / "consent.txt").read_text().split()
    now = int(now_text)
    policy = Policy.from_toml(toml_text)
    consent = Consent.from_cookie(value)
    engine = DictEngine(toml_text)
    granted = engine.granted(value)
    loops = {
        "decide": lambda: [policy.decide(q, consent, now) for q in names],
        "plain": lambda: [engine.decide(q, granted) for q in names],
        "empty": lambda: [q for q in names],
    }
    f = loops[mode]
    for _ in range(passes):
        f()
    if "--time" in sys.argv:
        best = float("inf")
        for _ in range(30):
            start = time.perf_counter()
            for _ in range(200):
                f()
            best = min(best, (time.perf_counter() - start) / (200 * len(names)) * 1e9)
        print(f"{mode}: {best:.1f} ns per call (best of 30 timings of 200 passes)")


if __name__ == "__main__":
    main()
