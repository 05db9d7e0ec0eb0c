#!/usr/bin/env python3
"""The nginx module's tests against real servers on loopback (standard library only).

    python3 run.py --nginx OBJS/nginx --module libngx_http_cookie_charter_module.so \
        [--panic-module MODULE-BUILT-WITH-test-panic] --php-fpm /usr/sbin/php-fpm8.2 --work TMPDIR

`bindings/nginx/test.sh` builds nginx and the module and runs this in a temporary directory;
the process ids of the servers started here are written to `TMPDIR/pids/`, where its `trap`
finds them if this script dies before stopping them itself.

Servers: nginx (master and one worker) in front of (1) the small backend of `backend.py`, through
`proxy_pass`, and (2) PHP-FPM serving `wordpress/index.php`, through `fastcgi_pass`.

Checks:
- every `respond` vector case with `handled = "unchanged"` and `purge = true`, through nginx: the
  backend answers the case's `set_cookies`, the request carries its `cookie` fields and
  `sec_gpc` values, and the response's `Set-Cookie` fields must be the case's `send`, exactly;
- the WordPress-like page: the refused and undeclared cookies removed, the others byte for byte
  as PHP wrote them, the withdrawn ones deleted, the Consent Mode snippet in the page;
- `add_header` cookies are judged too; `cookie_charter off` sends everything;
- signed consent cookies (`cookie_charter_consent_keys`) under a policy with
  `require_signed_consent`: a cookie signed with the signing key or the previous one grants, a
  forged, unsigned or unknown-key one does not (its held cookies are deleted), nor a signed one
  where no keys apply; the Consent Mode variable follows; a missing or bad key file fails
  `nginx -t` with a message that names it and shows no secret;
- faults: a missing, invalid, 4 MiB and 4 MiB + 1 byte policy under `nginx -t`; a policy replaced
  while nginx runs (a bad one: `nginx -s reload` refuses it and a SIGHUP reload fails, the old
  policy still applies; a good one: `nginx -s reload` applies it); a 1 MiB `Cookie` header (one
  huge cookie; a thousand undeclared ones, all deleted); 10,000 `Set-Cookie` fields from the
  backend; no `alert` or `emerg` line in the error log but the failed reload's; with
  `--panic-module` (the module built with `test-panic`), a panic while judging a response: the
  response goes without its `Set-Cookie` fields, the worker serves on.

Prints one line per failed check and ends with `N passed, N failed`.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
VECTORS = ROOT / "tests" / "vectors" / "respond"
MAX_POLICY_BYTES = 4 * 1024 * 1024
# The consent keys of the signed-cookie server (docs/records.md): the first signs, both verify.
SIGNING_SECRETS = {"new": b"new-key-new-key-new-key-new-key-", "old": b"old-key-old-key-old-key-old-key-"}
# How long a server may take to start, or a reload to be seen, before the check fails.
DEADLINE_SECONDS = 30.0


class Checks:
    """Counts checks and prints the failed ones."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, detail: object = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            shown = repr(detail)
            if len(shown) > 2000:
                shown = shown[:2000] + "…"
            print(f"FAILED: {what}" + (f"\n  {shown}" if detail != "" else ""), flush=True)
        return ok

    def equal(self, got: object, want: object, what: str) -> bool:
        return self.check(got == want, what, {"got": got, "want": want} if got != want else "")


# --- HTTP --------------------------------------------------------------------------------------


class Response:
    """A response: its status, header fields (in order, Latin-1 text) and body."""

    def __init__(self, status: int, fields: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.fields = fields
        self.body = body

    def set_cookies(self) -> list[str]:
        return [v for n, v in self.fields if n.lower() == "set-cookie"]


def request(port: int, path: str, fields: list[tuple[str, str]] = ()) -> Response:
    """One HTTP/1.1 GET on its own connection: `fields` are sent as given, in order, repeated
    names included (Latin-1). The response's fields are read as the bytes nginx wrote."""
    lines = [f"GET {path} HTTP/1.1", "Host: localhost", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in fields]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    data = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        sock.sendall(head)
        while chunk := sock.recv(1 << 20):
            data += chunk
    header, _, body = bytes(data).partition(b"\r\n\r\n")
    status_line, *lines = header.decode("latin-1").split("\r\n")
    parsed = []
    for line in lines:
        name, _, value = line.partition(":")
        parsed.append((name, value.removeprefix(" ")))
    status = int(status_line.split(" ")[1]) if " " in status_line else 0
    if any(n.lower() == "transfer-encoding" and v == "chunked" for n, v in parsed):
        body = dechunk(body)
    return Response(status, parsed, body)


def dechunk(body: bytes) -> bytes:
    out = bytearray()
    while body:
        size, _, rest = body.partition(b"\r\n")
        length = int(size.split(b";")[0], 16)
        if length == 0:
            break
        out += rest[:length]
        body = rest[length + 2 :]
    return bytes(out)


def set_path(values: list[str]) -> str:
    """The backend path that answers these `Set-Cookie` values."""
    encoded = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    return f"/set/{encoded}"


def sendable(text: str) -> bool:
    """Whether HTTP/1.1 carries `text` as a header value unchanged (Latin-1, no control
    characters but tab)."""
    return all((0x20 <= ord(c) <= 0xFF and ord(c) != 0x7F) or c == "\t" for c in text)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, ready) -> None:
    """Returns once `ready()` holds; fails after DEADLINE_SECONDS (a server that never starts)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {DEADLINE_SECONDS} s")
        time.sleep(0.05)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


# --- servers -----------------------------------------------------------------------------------


class Servers:
    """The processes started here, stopped (by id) in reverse order."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.pids = work / "pids"
        self.pids.mkdir(exist_ok=True)
        self.started: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(argv, **kwargs)
        (self.pids / f"{name}.pid").write_text(str(process.pid))
        self.started.append((name, process))
        return process

    def stop(self) -> None:
        for name, process in reversed(self.started):
            if process.poll() is None:
                # nginx's and PHP-FPM's graceful stop.
                process.send_signal(signal.SIGQUIT if name != "backend" else signal.SIGTERM)
                try:
                    process.wait(timeout=DEADLINE_SECONDS)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            (self.pids / f"{name}.pid").unlink(missing_ok=True)


def nginx_conf(args, ports: dict[str, int], policies: list[Path]) -> str:
    work = args.work
    user = "user root root;\n" if os.getuid() == 0 else ""
    vector_locations = "".join(
        f"""
        location /v{i}/ {{
            cookie_charter_policy {policy};
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}"""
        for i, policy in enumerate(policies)
    )
    return f"""# Written by bindings/nginx/tests/run.py.
load_module {args.module};
{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/logs/error.log notice;

events {{
    worker_connections 256;
}}

http {{
    access_log off;
    client_body_temp_path {work}/temp/body;
    proxy_temp_path {work}/temp/proxy;
    fastcgi_temp_path {work}/temp/fastcgi;
    uwsgi_temp_path {work}/temp/uwsgi;
    scgi_temp_path {work}/temp/scgi;
    # 1 MiB Cookie headers, and responses with 10,000 Set-Cookie fields.
    large_client_header_buffers 4 2m;
    proxy_buffer_size 4m;
    proxy_buffers 4 4m;
    proxy_busy_buffers_size 8m;
    proxy_set_header Host localhost;

    # The respond vectors, one location per policy, and the faults.
    server {{
        listen 127.0.0.1:{ports['vectors']};
        cookie_charter_policy {policies[0]};
        {vector_locations}

        location /nocookie/ {{
            # The backend reads no 1 MiB header.
            proxy_set_header Cookie "";
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}
        location /off/ {{
            cookie_charter off;
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}
        location = /added {{
            add_header Set-Cookie "unknown=1; Path=/" always;
            add_header Set-Cookie "sessionid=9; Path=/" always;
            return 204;
        }}
        location = /gtag {{
            default_type text/plain;
            return 200 $cookie_charter_gtag_default;
        }}
    }}

    # WordPress-like: PHP-FPM.
    server {{
        listen 127.0.0.1:{ports['wordpress']};
        root {HERE}/wordpress;
        cookie_charter_policy {work}/wordpress.toml;

        location = /index.php {{
            fastcgi_pass unix:{work}/php-fpm.sock;
            fastcgi_param SCRIPT_FILENAME $document_root/index.php;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param QUERY_STRING $query_string;
            fastcgi_param SERVER_NAME $server_name;
            fastcgi_param COOKIE_CHARTER_GTAG_DEFAULT $cookie_charter_gtag_default;
        }}
        location = /raw.php {{
            cookie_charter off;
            fastcgi_pass unix:{work}/php-fpm.sock;
            fastcgi_param SCRIPT_FILENAME $document_root/index.php;
            fastcgi_param REQUEST_METHOD $request_method;
            fastcgi_param QUERY_STRING $query_string;
        }}
    }}

    # Signed consent cookies: a policy that requires them; keys in one location only.
    server {{
        listen 127.0.0.1:{ports['signed']};
        cookie_charter_policy {work}/signed.toml;
        location /nokeys/ {{
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}
        location / {{
            cookie_charter_consent_keys {work}/consent-keys;
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}
        location = /gtag {{
            cookie_charter_consent_keys {work}/consent-keys;
            default_type text/plain;
            return 200 $cookie_charter_gtag_default;
        }}
    }}

    # A policy replaced while nginx runs.
    server {{
        listen 127.0.0.1:{ports['reload']};
        cookie_charter_policy {work}/reload.toml;
        location / {{
            proxy_pass http://127.0.0.1:{ports['backend']}/;
        }}
    }}
}}
"""


def php_fpm_conf(work: Path) -> str:
    user = "user = root\ngroup = root\n" if os.getuid() == 0 else ""
    return f"""; Written by bindings/nginx/tests/run.py.
[global]
pid = {work}/php-fpm.pid
error_log = {work}/logs/php-fpm.log
daemonize = no

[www]
{user}listen = {work}/php-fpm.sock
listen.mode = 0666
pm = static
pm.max_children = 2
catch_workers_output = yes
"""


# --- checks ------------------------------------------------------------------------------------


def vector_files() -> list[tuple[Path, dict]]:
    return [(path, json.loads(path.read_text())) for path in sorted(VECTORS.glob("*.json"))]


def policy_file(work: Path, index: int, document: dict) -> Path:
    """The vector file's policy as a file nginx loads (JSON or TOML, as the file gives it)."""
    if "policy" in document:
        path = work / f"vectors-{index}.json"
        path.write_text(json.dumps(document["policy"]))
    else:
        path = work / f"vectors-{index}.toml"
        path.write_text(document["policy_toml"])
    return path


def run_vectors(checks: Checks, port: int, files: list[tuple[Path, dict]]) -> None:
    ran = 0
    for index, (path, document) in enumerate(files):
        for number, case in enumerate(document["cases"]):
            if case.get("kind") != "respond":
                continue
            if case.get("handled") != "unchanged" or case.get("purge") is not True:
                continue
            what = f"{path.name} case {number}: {case['description']}"
            texts = case["cookie"] + case["sec_gpc"] + case["set_cookies"]
            if not checks.check(all(sendable(t) for t in texts), f"{what}: sendable over HTTP/1.1"):
                continue
            fields = [("Cookie", c) for c in case["cookie"]]
            fields += [("Sec-GPC", g) for g in case["sec_gpc"]]
            response = request(port, f"/v{index}{set_path(case['set_cookies'])}", fields)
            checks.equal(response.status, 200, f"{what}: status")
            checks.equal(response.set_cookies(), case["send"], what)
            ran += 1
    checks.check(ran >= 5, "the respond vectors hold cases with handled=unchanged and purge", ran)
    print(f"respond vectors: {ran} cases through nginx", flush=True)


def cookie_name(set_cookie: str) -> str:
    return set_cookie.split("=", 1)[0].strip()


def wordpress_deletions(name: str) -> list[str]:
    """The deletions of a cookie on https://blog.example.org (host, then each parent domain)."""
    first = f"{name}=; Max-Age=0; Path=/"
    return [first] + [f"{first}; Domain={d}" for d in ("blog.example.org", "example.org")]


def run_wordpress(checks: Checks, port: int) -> None:
    raw = request(port, "/raw.php")
    checks.equal(raw.status, 200, "wordpress: the page without the module")
    sent = raw.set_cookies()
    checks.equal(
        [cookie_name(v) for v in sent],
        ["wordpress_test_cookie", "wordpress_logged_in_5c3a", "wp-settings-1", "_ga", "tracker"],
        "wordpress: PHP sets five cookies",
    )

    def only(*names: str) -> list[str]:
        return [v for v in sent if cookie_name(v) in names]

    necessary = ("wordpress_test_cookie", "wordpress_logged_in_5c3a")
    first = request(port, "/index.php")
    checks.equal(first.status, 200, "wordpress: first visit status")
    checks.equal(first.set_cookies(), only(*necessary), "wordpress: first visit, necessary only")
    checks.check(
        b'"analytics_storage":"denied"' in first.body and b"gtag('consent', 'default'" in first.body,
        "wordpress: the page holds the Consent Mode default, analytics denied",
        first.body[:400],
    )

    now = int(time.time())
    accepted = f"consent=v=1&rev=1&at={now - 60}&statistics=1&preferences=1"
    visit = request(port, "/index.php", [("Cookie", accepted)])
    checks.equal(
        visit.set_cookies(),
        only(*necessary, "wp-settings-1", "_ga"),
        "wordpress: statistics and preferences accepted, the undeclared tracker still removed",
    )
    checks.check(
        b'"analytics_storage":"granted"' in visit.body,
        "wordpress: the Consent Mode default grants analytics",
        visit.body[:400],
    )

    withdrawn = f"consent=v=1&rev=1&at={now - 30}&statistics=0&preferences=1; _ga=GA1.2.3.4; tracker=abc"
    visit = request(port, "/index.php", [("Cookie", withdrawn)])
    checks.equal(
        visit.set_cookies(),
        only(*necessary, "wp-settings-1") + wordpress_deletions("_ga") + wordpress_deletions("tracker"),
        "wordpress: statistics withdrawn, the held _ga and tracker deleted",
    )


def run_filters(checks: Checks, port: int) -> None:
    added = request(port, "/added")
    checks.equal(added.set_cookies(), ["sessionid=9; Path=/"], "add_header cookies are judged")
    values = ["_ga=1; Path=/", "unknown=1", "sessionid=1"]
    off = request(port, "/off" + set_path(values), [("Cookie", "unknown=2")])
    checks.equal(off.set_cookies(), values, "cookie_charter off sends every cookie")
    gtag = request(port, "/gtag")
    checks.check(
        gtag.body.startswith(b"window.dataLayer = window.dataLayer || [];\n")
        and b"gtag('consent', 'default', {" in gtag.body,
        "$cookie_charter_gtag_default",
        gtag.body,
    )


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def keys_text(secrets: dict[str, bytes]) -> str:
    """A key file: `<key id>:<base64url secret>` per line, the signing key first."""
    return "".join(f"{key_id}:{b64url(secret)}\n" for key_id, secret in secrets.items())


def signed(content: str, key_id: str, secret: bytes) -> str:
    """`content` (the consent cookie's value without `_kid` and `_sig`) signed as docs/records.md
    specifies: HMAC-SHA256 of the value up to `_kid`, base64url without padding."""
    payload = f"{content}&_kid={key_id}"
    return f"{payload}&_sig={b64url(hmac.new(secret, payload.encode(), hashlib.sha256).digest())}"


def run_signed(checks: Checks, port: int) -> None:
    at = int(time.time()) - 60
    content = f"v=1&rev=1&at={at}&statistics=1&_rid={'0123456789abcdef' * 2}"
    refused = content.replace("statistics=1", "statistics=0")
    values = {
        "signed with the signing key": signed(content, "new", SIGNING_SECRETS["new"]),
        "signed with the previous key": signed(content, "old", SIGNING_SECRETS["old"]),
        "forged (a refusal's signature on a grant)": signed(refused, "new", SIGNING_SECRETS["new"]).replace(
            "statistics=0", "statistics=1"
        ),
        "signed with an unknown key": signed(content, "gone", b"gone-key-gone-key-gone-key-gone-"),
        "unsigned": content,
    }
    path = set_path(["_ga=GA1.2; Path=/", "wordpress_test_cookie=1"])
    granted = ["_ga=GA1.2; Path=/", "wordpress_test_cookie=1"]
    not_granted = ["wordpress_test_cookie=1"] + wordpress_deletions("_ga")
    for what, value in values.items():
        honoured = what.startswith("signed with the")
        cookie = [("Cookie", f"consent={value}; _ga=GA1.1")]
        response = request(port, path, cookie)
        checks.equal(response.status, 200, f"signed consent, {what}: status")
        checks.equal(
            response.set_cookies(),
            granted if honoured else not_granted,
            f"signed consent, {what}: " + ("statistics granted" if honoured else "no consent, the held _ga deleted"),
        )
        gtag = request(port, "/gtag", cookie)
        want = b'"analytics_storage":"granted"' if honoured else b'"analytics_storage":"denied"'
        checks.check(want in gtag.body, f"signed consent, {what}: the Consent Mode variable", gtag.body[-300:])
    nokeys = request(port, "/nokeys" + path, [("Cookie", f"consent={values['signed with the signing key']}")])
    checks.equal(
        nokeys.set_cookies(),
        ["wordpress_test_cookie=1"],
        "signed consent where no keys apply: nothing granted (fail closed)",
    )


def run_large(checks: Checks, port: int) -> None:
    consent = "consent=v=1&rev=1&at=1700000000&statistics=1"
    big = f"{consent}; sessionid={'a' * (1024 * 1024)}"
    response = request(port, "/nocookie" + set_path(["_ga=1; Path=/", "tracker=1"]), [("Cookie", big)])
    checks.equal(response.status, 200, "1 MiB Cookie header (one cookie): status")
    checks.equal(response.set_cookies(), ["_ga=1; Path=/"], "1 MiB Cookie header (one cookie)")

    names = [f"u{i:04d}" for i in range(1000)]
    many = "; ".join(f"{name}={'b' * 1041}" for name in names)
    checks.check(len(many) >= 1024 * 1024, "a thousand cookies make 1 MiB", len(many))
    response = request(port, "/nocookie" + set_path([]), [("Cookie", many)])
    checks.equal(response.status, 200, "1 MiB Cookie header (a thousand cookies): status")
    want = [
        f"{name}=; Max-Age=0; Path=/{domain}"
        for name in names
        for domain in ("", "; Domain=www.shop.example.co.uk", "; Domain=shop.example.co.uk", "; Domain=example.co.uk")
    ]
    got = response.set_cookies()
    checks.check(got == want, "1 MiB Cookie header (a thousand cookies): every one deleted", (len(got), got[:3]))

    response = request(port, "/v0/many/10000")
    checks.equal(response.status, 200, "10,000 Set-Cookie fields: status")
    got = response.set_cookies()
    want = [f"sessionid={i}" for i in range(0, 10000, 2)]
    checks.check(got == want, "10,000 Set-Cookie fields: the 5,000 declared kept in order", (len(got), got[:3]))


def nginx_test(args, conf: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [args.nginx, "-t", "-p", str(args.work), "-c", str(conf), "-e", str(args.work / "logs" / "test.log")],
        capture_output=True,
        text=True,
    )


def run_config_faults(checks: Checks, args, conf_text: str) -> None:
    work: Path = args.work
    good = (HERE / "wordpress" / "policy.toml").read_text()

    def test_with(policy: Path) -> subprocess.CompletedProcess:
        conf = work / "conf" / f"t-{policy.name}.conf"
        conf.write_text(conf_text.replace(f"{work}/wordpress.toml", str(policy)))
        return nginx_test(args, conf)

    def failed_with(result: subprocess.CompletedProcess, message: str, what: str) -> None:
        checks.check(result.returncode != 0, f"nginx -t fails: {what}", result.stderr)
        checks.check(message in result.stderr, f"nginx -t says it: {what}", result.stderr)
        checks.check("[alert]" not in result.stderr, f"nginx -t: no alert: {what}", result.stderr)

    result = test_with(work / "missing.toml")
    failed_with(result, f"[emerg] cannot read the policy `{work}/missing.toml`: No such file", "missing policy")

    invalid = work / "invalid.toml"
    invalid.write_text(good.replace('purpose = "preferences"', 'purpose = "preference"'))
    line = invalid.read_text().splitlines().index('purpose = "preference"') + 1
    result = test_with(invalid)
    failed_with(
        result,
        f"[emerg] cannot load the policy `{invalid}`: error[unknown_purpose]: line {line}, column 11: "
        "cookies[4].purpose: unknown purpose `preference`",
        "invalid policy, located",
    )
    checks.check(
        re.search(rf" in {re.escape(str(work))}/conf/t-invalid\.toml\.conf:\d+\n", result.stderr) is not None,
        "nginx -t names the directive's line",
        result.stderr,
    )

    largest = work / "largest.toml"
    padding = MAX_POLICY_BYTES - len(good.encode()) - 1
    largest.write_text(good + "#" + "x" * padding)
    checks.equal(largest.stat().st_size, MAX_POLICY_BYTES, "a 4 MiB policy file")
    result = test_with(largest)
    checks.check(result.returncode == 0, "nginx -t loads a 4 MiB policy", result.stderr)

    too_large = work / "too-large.toml"
    too_large.write_text(good + "#" + "x" * (padding + 1))
    result = test_with(too_large)
    failed_with(result, f"cannot load the policy `{too_large}`: error[too_large]", "4 MiB + 1 byte")

    def test_with_keys(keys: Path) -> subprocess.CompletedProcess:
        conf = work / "conf" / f"t-{keys.name}.conf"
        conf.write_text(conf_text.replace(f"{work}/consent-keys;", f"{keys};"))
        return nginx_test(args, conf)

    result = test_with_keys(work / "missing-keys")
    failed_with(
        result, f"[emerg] cannot read the consent keys `{work}/missing-keys`: No such file", "missing key file"
    )
    short = work / "short-keys"
    short.write_text("k1:c2hvcnQ\n")
    result = test_with_keys(short)
    failed_with(
        result,
        f"[emerg] cannot load the consent keys `{short}`: error[invalid_argument]: "
        "the secret of key `k1` has 5 bytes, fewer than 32",
        "a key file with a short secret",
    )
    checks.check("c2hvcnQ" not in result.stderr, "nginx -t shows no secret", result.stderr)
    checks.check(
        re.search(rf" in {re.escape(str(work))}/conf/t-short-keys\.conf:\d+\n", result.stderr) is not None,
        "nginx -t names the keys directive's line",
        result.stderr,
    )


def run_reload(checks: Checks, args, nginx: subprocess.Popen, port: int) -> None:
    work: Path = args.work
    policy = work / "reload.toml"
    good = (HERE / "wordpress" / "policy.toml").read_text()
    path = set_path(["tracker=1; Path=/", "wordpress_test_cookie=1"])
    before = ["wordpress_test_cookie=1"]
    checks.equal(request(port, path).set_cookies(), before, "reload: the first policy applies")

    # A bad policy: `nginx -s reload` reads the configuration first and refuses it.
    policy.write_text(good + "\n[[cookies]]\nname = 3\n")
    result = subprocess.run(
        [args.nginx, "-p", str(work), "-c", str(work / "conf" / "nginx.conf"), "-s", "reload"],
        capture_output=True,
        text=True,
    )
    checks.check(result.returncode != 0, "reload: nginx -s reload refuses a bad policy", result.stderr)
    checks.check("error[" in result.stderr and str(policy) in result.stderr, "reload: and says why", result.stderr)
    # A reload signal (what a service manager sends) reaches the master: it logs the error and
    # keeps its configuration.
    log = work / "logs" / "error.log"
    seen = log.read_text().count("[emerg]")
    nginx.send_signal(signal.SIGHUP)
    wait_until("the failed reload", lambda: log.read_text().count("[emerg]") > seen)
    checks.check(f"cannot load the policy `{policy}`" in log.read_text(), "reload: the master logs the bad policy")
    checks.equal(request(port, path).set_cookies(), before, "reload: the old policy still applies after a failed reload")

    # A good policy declaring `tracker`: applied after `nginx -s reload`.
    old_workers = children(nginx.pid)
    checks.check(len(old_workers) == 1, "reload: one worker before", old_workers)
    policy.write_text(
        good
        + '\n[[cookies]]\nname = "tracker"\nprovider = "A plugin"\nservice = "Sessions"\n'
        + 'purpose = "necessary"\ndescription = "Remembers the cart"\nlifetime = "session"\n'
    )
    result = subprocess.run(
        [args.nginx, "-p", str(work), "-c", str(work / "conf" / "nginx.conf"), "-s", "reload"],
        capture_output=True,
        text=True,
    )
    checks.check(result.returncode == 0, "reload: nginx -s reload takes a good policy", result.stderr)
    # The old worker answers until it has seen the master's stop: wait until it has exited.
    wait_until(
        "the old worker's exit",
        lambda: all(f"worker process {pid} exited" in log.read_text() for pid in old_workers),
    )
    after = ["tracker=1; Path=/", "wordpress_test_cookie=1"]
    answers = [request(port, path).set_cookies() for _ in range(20)]
    checks.check(all(a == after for a in answers), "reload: the new policy applies", answers)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (nginx's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def run_panic(checks: Checks, args, servers: Servers, backend_port: int) -> None:
    """A panic while the module judges a response (the module built with `test-panic`, another
    nginx): caught, the response goes without its `Set-Cookie` fields, the worker serves on."""
    work: Path = args.work / "panic"
    for folder in ("logs", "temp"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    user = "user root root;\n" if os.getuid() == 0 else ""
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(
        f"""# Written by bindings/nginx/tests/run.py.
load_module {args.panic_module};
{user}worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/logs/error.log notice;
events {{
    worker_connections 64;
}}
http {{
    access_log off;
    client_body_temp_path {work}/temp/body;
    proxy_temp_path {work}/temp/proxy;
    fastcgi_temp_path {work}/temp/fastcgi;
    uwsgi_temp_path {work}/temp/uwsgi;
    scgi_temp_path {work}/temp/scgi;
    cookie_charter_policy {args.work}/wordpress.toml;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{backend_port}/;
        }}
    }}
}}
"""
    )
    log = work / "logs" / "error.log"
    nginx = servers.start("nginx-panic", [args.nginx, "-p", str(work), "-c", str(conf), "-e", str(log)])
    wait_until("nginx with the test-panic module", lambda: accepts(port))
    path = set_path(["wordpress_test_cookie=1", "tracker=1"])
    kept = ["wordpress_test_cookie=1"]
    checks.equal(request(port, path).set_cookies(), kept, "test-panic module: an ordinary request")
    # Only now, once a worker has answered: the master listens (and the kernel accepts) before
    # it has forked its worker.
    workers = children(nginx.pid)
    checks.equal(len(workers), 1, "test-panic module: one worker")
    panicked = request(port, path, [("Cookie", "cookie_charter_test_panic=1; tracker=1")])
    checks.equal(panicked.status, 200, "a panic: the response still goes")
    checks.equal(panicked.set_cookies(), [], "a panic: the response goes without its Set-Cookie fields")
    checks.equal(request(port, path).set_cookies(), kept, "after a panic: the worker serves on")
    checks.equal(children(nginx.pid), workers, "after a panic: the same worker")
    text = log.read_text(errors="replace")
    checks.check(
        "[error]" in text and "cookie_charter: internal error; the response's Set-Cookie fields are removed" in text,
        "a panic: an error line says it",
        text[-2000:],
    )
    checks.check("[alert]" not in text and "exited on signal" not in text, "a panic: no alert, no lost worker", text[-2000:])


def check_error_log(checks: Checks, work: Path, master: int | None) -> None:
    log = work / "logs" / "error.log"
    if not checks.check(log.is_file(), "nginx wrote its error log"):
        return
    text = log.read_text(errors="replace")
    lines = text.splitlines()
    alerts = [line for line in lines if "[alert]" in line]
    checks.equal(alerts, [], "error log: no alert line")
    emergs = [line for line in lines if "[emerg]" in line]
    # The failed reload's: `nginx -s reload`'s own (it reads the configuration first), then the
    # master's, on the reload signal.
    expected = [line for line in emergs if f"cannot load the policy `{work}/reload.toml`" in line]
    checks.equal(emergs, expected, "error log: no emerg line but the failed reload's")
    by_master = [line for line in expected if f"[emerg] {master}#" in line]
    checks.equal(len(by_master), 1, "error log: the master's emerg line of the failed reload")
    panics = [line for line in lines if "panicked" in line or "internal error" in line]
    checks.equal(panics, [], "error log: no panic")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nginx", required=True)
    parser.add_argument("--module", required=True)
    parser.add_argument("--panic-module", help="the module built with the test-panic feature")
    parser.add_argument("--php-fpm", required=True)
    parser.add_argument("--work", required=True, type=Path)
    args = parser.parse_args()
    work: Path = args.work.resolve()
    args.work = work
    args.module = Path(args.module).resolve()
    if args.panic_module:
        args.panic_module = Path(args.panic_module).resolve()
    args.nginx = str(Path(args.nginx).resolve())
    for folder in ("conf", "logs", "temp"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    (work / "wordpress.toml").write_text((HERE / "wordpress" / "policy.toml").read_text())
    (work / "reload.toml").write_text((HERE / "wordpress" / "policy.toml").read_text())
    strict = (HERE / "wordpress" / "policy.toml").read_text().replace(
        "clamp_lifetimes = true\n", "clamp_lifetimes = true\nrequire_signed_consent = true\n", 1
    )
    (work / "signed.toml").write_text(strict)
    keys = work / "consent-keys"
    keys.write_text(keys_text(SIGNING_SECRETS))
    keys.chmod(0o600)
    files = vector_files()
    policies = [policy_file(work, i, document) for i, (_, document) in enumerate(files)]

    checks = Checks()
    servers = Servers(work)
    master = None
    try:
        backend = servers.start(
            "backend",
            [sys.executable, str(HERE / "backend.py")],
            stdout=subprocess.PIPE,
            text=True,
        )
        backend_port = int(backend.stdout.readline())
        (work / "php-fpm.conf").write_text(php_fpm_conf(work))
        fpm_argv = [args.php_fpm, "--nodaemonize", "--fpm-config", str(work / "php-fpm.conf")]
        if os.getuid() == 0:
            fpm_argv.append("--allow-to-run-as-root")
        servers.start("php-fpm", fpm_argv)
        ports = {"backend": backend_port}
        ports.update({name: free_port() for name in ("vectors", "wordpress", "reload", "signed")})
        conf_text = nginx_conf(args, ports, policies)
        conf = work / "conf" / "nginx.conf"
        conf.write_text(conf_text)
        result = nginx_test(args, conf)
        if not checks.check(result.returncode == 0, "nginx -t accepts the test configuration", result.stderr):
            return 1
        nginx = servers.start("nginx", [args.nginx, "-p", str(work), "-c", str(conf), "-e", str(work / "logs" / "error.log")])
        master = nginx.pid
        wait_until("nginx", lambda: all(accepts(ports[n]) for n in ("vectors", "wordpress", "reload", "signed")))
        wait_until("php-fpm", lambda: (work / "php-fpm.sock").exists())

        run_vectors(checks, ports["vectors"], files)
        run_wordpress(checks, ports["wordpress"])
        run_filters(checks, ports["vectors"])
        run_signed(checks, ports["signed"])
        run_large(checks, ports["vectors"])
        run_config_faults(checks, args, conf_text)
        run_reload(checks, args, nginx, ports["reload"])
        if args.panic_module:
            run_panic(checks, args, servers, ports["backend"])
        checks.check(nginx.poll() is None, "nginx still runs")
    except Exception as error:  # noqa: BLE001 (reported as a failed check)
        checks.check(False, f"the run stopped: {type(error).__name__}: {error}")
    finally:
        servers.stop()
    check_error_log(checks, work, master)
    print(f"{checks.passed} passed, {checks.failed} failed", flush=True)
    return 0 if checks.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
