"""FastAPI: the dependency that gives a path operation the visitor's consent.

```python
from typing import Annotated

from fastapi import Depends, FastAPI
from cookie_charter import Consent, Policy
from cookie_charter.asgi import ConsentMiddleware
from cookie_charter.fastapi import get_consent

app = FastAPI()
app.add_middleware(ConsentMiddleware, policy=Policy.load("policy.toml"))

@app.get("/")
def index(consent: Annotated[Consent, Depends(get_consent)]):
    return {"statistics": consent.get("statistics")}
```

The consent is the one `cookie_charter.asgi.ConsentMiddleware` put in the request's scope; without
the middleware, `get_consent` raises a `RuntimeError` that says so (a consent read without it
would not be enforced on the response). A path operation that records a new choice (a banner's
endpoint) puts the new `Consent` in `request.scope[cookie_charter.asgi.CONSENT_KEY]`: the response
is then judged with it.

FastAPI is imported by this module only: the package does not need it otherwise.
"""

from __future__ import annotations

from fastapi import Request

from cookie_charter._middleware import CONSENT_KEY
from cookie_charter._native import Consent

__all__ = ["get_consent"]


def get_consent(request: Request) -> Consent:
    """The visitor's consent from the request's scope, where `ConsentMiddleware` put it; a
    `RuntimeError` when the middleware is not installed."""
    if CONSENT_KEY not in request.scope:
        raise RuntimeError(
            "no consent in the request's scope: install cookie_charter.asgi.ConsentMiddleware "
            "(app.add_middleware(ConsentMiddleware, policy=policy)) to use get_consent"
        )
    consent = request.scope[CONSENT_KEY]
    # A value that is not a consent gives none, as the middleware judges it.
    return consent if isinstance(consent, Consent) else Consent.from_cookie(None)
