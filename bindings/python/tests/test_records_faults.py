"""The consent endpoint killed with SIGKILL in the middle of 10,000 choices: every choice whose
response set the consent cookie is in the store, and the chain verifies (no consent without its
record). The server runs in its own process (tests/records_server.py); four client threads post
choices until the test has counted enough answers, then the server is killed while requests are
in flight (no timer decides when)."""

from __future__ import annotations

import base64
import http.client
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

from cookie_charter.records import stored_record_ids, verify_store
from test_records import POLICY_TOML, SITE

CHOICES = 10_000
KILL_AFTER = 5_000
CLIENTS = 4
BODIES = [b"all=1", b"all=0", b"statistics=1", b"statistics=0&marketing=1"]


def test_a_killed_server_loses_no_recorded_consent(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY_TOML)
    keys = tmp_path / "keys"
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    keys.write_text(f"k1:{secret}\n")
    store = f"sqlite:{tmp_path / 'consents.sqlite'}"
    script = Path(__file__).with_name("records_server.py")
    server = subprocess.Popen(
        [sys.executable, str(script), str(policy), store, str(keys)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        lock = threading.Lock()
        answered: list[str] = []  # record ids of the responses that set the cookie
        sent = 0
        killed = threading.Event()

        def client() -> None:
            nonlocal sent
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            while True:
                with lock:
                    if sent >= CHOICES or killed.is_set():
                        return
                    body = BODIES[sent % len(BODIES)]
                    sent += 1
                try:
                    conn.request(
                        "POST",
                        "/consent",
                        body=body,
                        headers={
                            "Origin": SITE,
                            "Content-Type": "application/x-www-form-urlencoded",
                        },
                    )
                    response = conn.getresponse()
                    cookies = response.headers.get_all("Set-Cookie") or []
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    return  # the server is gone
                consent = [c for c in cookies if c.startswith("consent=")]
                if response.status == 200:
                    assert consent, data
                    rid = consent[0].split("&_rid=", 1)[1].split("&", 1)[0]
                    with lock:
                        answered.append(rid)
                        if len(answered) == KILL_AFTER:
                            os.kill(server.pid, signal.SIGKILL)
                            killed.set()
                else:
                    assert not consent

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert killed.is_set(), f"the server was not killed ({len(answered)} answers)"
        server.wait(timeout=60)
        assert server.returncode == -signal.SIGKILL
        stored = set(stored_record_ids(store))
        assert len(answered) >= KILL_AFTER
        missing = [rid for rid in answered if rid not in stored]
        assert missing == []
        records, problems = verify_store(store)
        assert problems == []
        assert records >= len(answered)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
