"""Proof of consent: the consent endpoint, served by the WSGI and ASGI middleware.

```python
from cookie_charter.records import ConsentEndpoint, load_keys
from cookie_charter.wsgi import ConsentMiddleware

endpoint = ConsentEndpoint(
    "policy.toml", "sqlite:consents.sqlite", retention="5 years",
    keys=load_keys(env="COOKIE_CHARTER_KEYS"),      # optional: signed consent cookies
)
app = ConsentMiddleware(app, endpoint.policy, records=endpoint, consent_path="/consent")
```

A `POST` to `consent_path` (form or JSON, at most 4 KiB) is answered by the endpoint alone: it
checks the request comes from the site (`Origin`, `Sec-Fetch-Site`) and names only purposes the
policy declares, writes the record, and only then sets the consent cookie and the deletions of
the cookies the visitor withdrew. Anything refused is a 4xx with a JSON `error` and `message`,
and nothing recorded; a store that cannot be written gives 503 and no cookie, while every other
path keeps being served (enforcement never reads the store). The logic is the Rust crate's
(`Endpoint::handle`), called once per request without holding the GIL; under ASGI it runs in
the event loop's default executor, so the loop never waits for the store.

`endpoint.policy` is the policy with the endpoint's keys: give it to the middleware so that the
signed cookies the endpoint sets grant on the next requests.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any

from cookie_charter._native import ConsentEndpoint, stored_record_ids, verify_store

__all__ = [
    "MAX_BODY_BYTES",
    "ConsentEndpoint",
    "load_keys",
    "stored_record_ids",
    "verify_store",
]

#: The largest body the endpoint accepts; one byte more is read, to refuse larger ones (413).
MAX_BODY_BYTES = 4096


def load_keys(*, file: str | os.PathLike[str] | None = None, env: str | None = None) -> str:
    """The signing keys' text, from a key file (one `<key id>:<base64url secret>` per line, the
    signing key first) or an environment variable (entries separated by newlines or commas), as
    `ConsentEndpoint` and `Policy.with_consent_keys` take it. Name exactly one of them."""
    if (file is None) == (env is None):
        raise ValueError("name exactly one of `file` and `env`")
    if env is not None:
        text = os.environ.get(env)
        if text is None:
            raise ValueError(f"the environment variable `{env}` is not set")
        return text
    with open(file, encoding="utf-8") as f:  # type: ignore[arg-type]
        return f.read()


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def wsgi_reply(
    endpoint: ConsentEndpoint,
    environ: dict[str, Any],
    start_response: Callable[..., Any],
) -> Iterable[bytes]:
    """Answers a WSGI request to the consent endpoint."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-"), value))
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            headers.append((key.replace("_", "-"), value))
    body = _wsgi_body(environ)
    status, reply_headers, reply_body = endpoint.handle(
        environ.get("REQUEST_METHOD", "GET"), headers, body
    )
    reply_headers.append(("Content-Length", str(len(reply_body))))
    start_response(_status_line(status), reply_headers)
    return [reply_body]


def _wsgi_body(environ: dict[str, Any]) -> bytes:
    """At most one byte more than the endpoint accepts."""
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    try:
        length = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        length = -1
    if length < 0:
        if not environ.get("wsgi.input_terminated"):
            return b""
        length = MAX_BODY_BYTES + 1
    want = min(length, MAX_BODY_BYTES + 1)
    chunks = []
    while want > 0:
        chunk = stream.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        want -= len(chunk)
    return b"".join(chunks)


async def asgi_reply(
    endpoint: ConsentEndpoint,
    scope: dict[str, Any],
    receive: Callable[[], Any],
    send: Callable[[dict[str, Any]], Any],
) -> None:
    """Answers an ASGI HTTP request to the consent endpoint; the endpoint runs in the event
    loop's default executor."""
    headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in scope.get("headers", ())]
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)[: MAX_BODY_BYTES + 1]
    loop = asyncio.get_running_loop()
    status, reply_headers, reply_body = await loop.run_in_executor(
        None, endpoint.handle, scope.get("method", "GET"), headers, body
    )
    reply_headers.append(("Content-Length", str(len(reply_body))))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(n.encode("latin-1"), v.encode("latin-1")) for n, v in reply_headers],
        }
    )
    await send({"type": "http.response.body", "body": reply_body})
