"""ASGI middleware (Starlette, FastAPI, Django under ASGI, any ASGI 3 application).

```python
from cookie_charter import Policy
from cookie_charter.asgi import ConsentMiddleware

policy = Policy.load("policy.toml")
app.add_middleware(ConsentMiddleware, policy=policy)          # Starlette / FastAPI
application = ConsentMiddleware(get_asgi_application(), policy)  # Django
```

On every HTTP request the middleware reads the consent cookie named by the policy
(`site.consent_cookie`) and the Global Privacy Control signal (`Sec-GPC`), and stores the
visitor's `Consent` in the scope under
`"cookie_charter.consent"` (Starlette/FastAPI: `request.scope[...]`; Django:
`request.scope[...]`), and the policy under `"cookie_charter.policy"`. On the response it drops
the `Set-Cookie` headers the visitor has not consented to, and appends the headers that delete the
cookies the visitor holds but no longer allows. Other scope types (websocket, lifespan) pass
through unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cookie_charter._middleware import CONSENT_KEY, POLICY_KEY, OnDropped, request_consent
from cookie_charter._native import Consent, Policy

__all__ = ["CONSENT_KEY", "POLICY_KEY", "ConsentMiddleware", "get_consent"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def get_consent(scope: Scope) -> Consent:
    """The visitor's consent stored by the middleware (no consent if it did not run)."""
    consent = scope.get(CONSENT_KEY)
    return consent if isinstance(consent, Consent) else Consent.from_cookie(None)


def _request_headers(headers: Any) -> tuple[str | None, list[bytes]]:
    """The request's `Cookie` header and the values of its `Sec-GPC` headers."""
    # HTTP/2 and HTTP/3 may send the Cookie header in several fields; they join with "; ".
    # ASGI servers give lowercase names; `lower()` only runs on names of the right length.
    found = None
    gpc = []
    for name, value in headers:
        size = len(name)
        if size == 6 and (name == b"cookie" or name.lower() == b"cookie"):
            text = value.decode("latin-1")
            found = text if found is None else f"{found}; {text}"
        elif size == 7 and (name == b"sec-gpc" or name.lower() == b"sec-gpc"):
            gpc.append(bytes(value))
    return found, gpc


class ConsentMiddleware:
    """Enforces a cookie policy on an ASGI application's HTTP responses."""

    def __init__(
        self,
        app: ASGIApp,
        policy: Policy,
        *,
        purge: bool = True,
        on_dropped: OnDropped | None = None,
    ) -> None:
        if not isinstance(policy, Policy):
            raise TypeError(f"policy must be a cookie_charter.Policy, not {type(policy).__name__}")
        self.app = app
        self.policy = policy
        self.purge = purge
        self.on_dropped = on_dropped

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy
        cookie_header, gpc = _request_headers(scope.get("headers", ()))
        scope = dict(scope)
        scope[CONSENT_KEY] = request_consent(policy, cookie_header, gpc)
        scope[POLICY_KEY] = policy
        purge = self.purge and bool(cookie_header)
        on_dropped = self.on_dropped

        # A plain function returning the server's awaitable: no coroutine of its own per message.
        def filtering_send(message: Message) -> Awaitable[None]:
            if message["type"] == "http.response.start":
                message = _filtered_start(policy, scope, message, cookie_header, purge, on_dropped)
            return send(message)

        await self.app(scope, receive, filtering_send)


def _filtered_start(
    policy: Policy,
    scope: Scope,
    message: Message,
    cookie_header: str | None,
    purge: bool,
    on_dropped: OnDropped | None,
) -> Message:
    """The `http.response.start` message with its Set-Cookie headers filtered (in order, after
    the other headers), then the deletions of the withdrawn cookies; the message itself when
    there is nothing to change."""
    headers = message.get("headers", ())
    # The handler may have recorded a new choice in the scope (a consent banner's endpoint):
    # the response is then judged with it.
    consent = get_consent(scope)
    now = int(time.time())
    if on_dropped is None:
        # One native call over the raw header list (no Python object per header value); a
        # private method, not part of the typed API.
        rewritten = policy._asgi_headers(  # type: ignore[attr-defined]
            headers, cookie_header, consent, now, purge
        )
        if rewritten is None:
            return message
        message = dict(message)
        message["headers"] = rewritten
        return message
    others = []
    set_cookies = []
    for header in headers:
        name = header[0]
        if len(name) == 10 and (name == b"set-cookie" or name.lower() == b"set-cookie"):
            set_cookies.append(bytes(header[1]).decode("latin-1"))
        else:
            others.append(header)
    if not set_cookies and not purge:
        return message
    if set_cookies:
        filtered = policy.filter_set_cookies(set_cookies, consent, now)
        if filtered.dropped:
            on_dropped(filtered.dropped)
        kept = filtered.kept
    else:
        kept = []
    deletions = policy.purge(cookie_header, consent, now) if purge else ()
    if not deletions and kept == set_cookies:
        return message
    for value in kept:
        others.append((b"set-cookie", value.encode("latin-1")))
    for purged in deletions:
        for value in purged.headers:
            others.append((b"set-cookie", value.encode("latin-1")))
    message = dict(message)
    message["headers"] = others
    return message
