"""ASGI middleware (Starlette, FastAPI, Django under ASGI, any ASGI 3 application).

```python
from cookie_charter import Policy
from cookie_charter.asgi import ConsentMiddleware

policy = Policy.load("policy.toml")
app.add_middleware(ConsentMiddleware, policy=policy)          # Starlette / FastAPI
application = ConsentMiddleware(get_asgi_application(), policy)  # Django
```

On every HTTP request the middleware reads the consent cookie named by the policy
(`site.consent_cookie`) and stores the visitor's `Consent` in the scope under
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

from cookie_charter._middleware import (
    CONSENT_KEY,
    POLICY_KEY,
    OnDropped,
    rewrite_set_cookies,
)
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


def _cookie_header(headers: Any) -> str | None:
    # HTTP/2 and HTTP/3 may send the Cookie header in several fields; they join with "; ".
    values = [value.decode("latin-1") for name, value in headers if name.lower() == b"cookie"]
    return "; ".join(values) if values else None


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
        cookie_header = _cookie_header(scope.get("headers", ()))
        scope = dict(scope)
        scope[CONSENT_KEY] = policy.consent_from_cookie_header(cookie_header)
        scope[POLICY_KEY] = policy

        async def filtering_send(message: Message) -> None:
            if message.get("type") == "http.response.start":
                others = []
                set_cookies = []
                for name, value in message.get("headers", ()):
                    if bytes(name).lower() == b"set-cookie":
                        set_cookies.append(bytes(value).decode("latin-1"))
                    else:
                        others.append((name, value))
                values = rewrite_set_cookies(
                    policy,
                    get_consent(scope),
                    set_cookies,
                    cookie_header,
                    purge=self.purge,
                    now=int(time.time()),
                    on_dropped=self.on_dropped,
                )
                others.extend((b"set-cookie", value.encode("latin-1")) for value in values)
                message = dict(message)
                message["headers"] = others
            await send(message)

        await self.app(scope, receive, filtering_send)
