"""One Policy shared by threads: same results as one thread; batch calls release the GIL."""

from __future__ import annotations

import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from cookie_charter import Consent, Policy
from conftest import EXAMPLE_POLICY
from test_api import NOW, POLICY_TOML

NAMES = ["consent", "_ga", "_ga_X", "_ad_1", "nope", "", "_ad_", "x" * 50] * 50
CONSENTS = [
    Consent.from_cookie(None),
    Consent({"statistics": "granted"}, revision=2, at=NOW),
    Consent({"statistics": "denied", "marketing": "granted"}, revision=2, at=NOW),
    Consent({"marketing": "granted"}, revision=1, at=NOW),
]
HEADERS = [f"{n}=1; Path=/" for n in NAMES[:8]]


def work(policy: Policy) -> list[Any]:
    out: list[Any] = []
    for consent in CONSENTS:
        out.append([policy.decide(n, consent, NOW) for n in NAMES])
        out.append(policy.decide_many(NAMES, consent, NOW))
        out.append(policy.filter_set_cookies(HEADERS, consent, NOW).kept)
        out.append([p.headers for p in policy.purge("_ga=1; _ad_1=2; z=3", consent, NOW)])
        out.append(sorted(policy.purposes_to_ask(consent, NOW)))
    return out


def test_eight_threads_give_the_results_of_one() -> None:
    policy = Policy.from_toml(POLICY_TOML)
    expected = work(policy)
    barrier = threading.Barrier(8)

    def run(_: int) -> list[Any]:
        barrier.wait()
        results = [work(policy) for _ in range(5)]
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        for results in pool.map(run, range(8)):
            assert len(results) == 5
            for result in results:
                assert result == expected


def test_loading_from_threads() -> None:
    text = EXAMPLE_POLICY.read_text(encoding="utf-8")
    with ThreadPoolExecutor(max_workers=8) as pool:
        charters = list(pool.map(lambda _: Policy.from_toml(text).render_charter(), range(16)))
    assert len(set(charters)) == 1 and charters[0]


def another_thread_ran_during(call: Any) -> bool:
    """Whether another Python thread, ready to run, got the GIL while `call()` was running.

    The switch interval is set far beyond the call's duration, so the interpreter never forces
    a thread switch: the waiting thread gets the GIL during the call only if the call itself
    releases it, and otherwise only when this thread blocks in `join()` afterwards.
    """
    ready = threading.Event()
    go = threading.Event()
    state = ["before"]
    seen: list[str] = []

    def waiter() -> None:
        ready.set()
        go.wait()
        seen.append(state[0])

    old = sys.getswitchinterval()
    thread = threading.Thread(target=waiter)
    thread.start()
    ready.wait()
    sys.setswitchinterval(30.0)
    try:
        go.set()
        state[0] = "during"
        call()
        state[0] = "after"
    finally:
        sys.setswitchinterval(old)
        thread.join()
    assert seen, "the other thread did not run"
    return seen[0] == "during"


def test_decide_many_releases_the_gil() -> None:
    policy = Policy.from_toml(POLICY_TOML)
    consent = CONSENTS[1]
    base = [f"_ga_{i}" if i % 2 else f"unknown_{i}" for i in range(1000)]
    names = base * 2000
    # A C call that holds the GIL does not let the other thread run: the check can fail.
    shuffled = list(range(1_000_000))
    random.Random(1).shuffle(shuffled)
    assert not another_thread_ran_during(lambda: sorted(shuffled))
    assert another_thread_ran_during(lambda: policy.decide_many(names, consent, NOW))


def test_filter_set_cookies_releases_the_gil() -> None:
    policy = Policy.from_toml(POLICY_TOML)
    headers = [f"_ga_{i}=1; Path=/" for i in range(1000)] * 500
    assert another_thread_ran_during(
        lambda: policy.filter_set_cookies(headers, CONSENTS[1], NOW)
    )


def test_respond_releases_the_gil_for_large_inputs_only() -> None:
    """A response's few headers keep the GIL: handing it to a waiting thread and waiting to get
    it back would cost more than the work. A large batch releases it."""
    policy = Policy.from_toml(POLICY_TOML)
    consent = CONSENTS[1]
    cookie = "_ga_1=1; unknown=2"
    few = ["_ga_1=1; Path=/", "unknown=1; Path=/"]
    assert not another_thread_ran_during(lambda: policy.decide_many(["_ga_1"], consent, NOW))
    assert not another_thread_ran_during(lambda: policy.filter_set_cookies(few, consent, NOW))
    assert not another_thread_ran_during(
        lambda: policy.respond(few, cookie_header=cookie, now=NOW)
    )
    # As in the batch tests above: long enough that the waiting thread surely wakes during it.
    many = [f"_ga_{i}=1; Path=/" for i in range(1000)] * 500
    assert another_thread_ran_during(lambda: policy.respond(many, cookie_header=cookie, now=NOW))
