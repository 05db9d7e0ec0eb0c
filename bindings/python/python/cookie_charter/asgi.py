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

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from cookie_charter._middleware import CONSENT_KEY, POLICY_KEY, OnDropped
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
        # The rest is native (see `_asgi_call` in the extension's src/asgi.rs): the consent read
        # from the request's `Cookie` and `Sec-GPC` headers into a copy of the scope, and a
        # `send` that filters the `http.response.start` message for the consent in that scope
        # when the application sends it (a handler may record a new choice there first).
        await self.policy._asgi_call(  # type: ignore[attr-defined]
            self.app, scope, receive, send, self.purge, self.on_dropped
        )
