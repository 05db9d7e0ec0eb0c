"""What the WSGI and ASGI middleware share (the keys they store under, the `on_dropped` type), and
the WSGI middleware's header work: reading the consent and rewriting Set-Cookie headers. The ASGI
middleware does its header work natively (`Policy._asgi_call`).

The decisions are the Rust core's (`Policy.filter_set_cookies`, `Policy.purge`); this module only
moves header values between the server's representation and those calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from cookie_charter._native import Consent, DroppedCookie, Policy, gpc_enabled

#: Key under which the middleware stores the visitor's `Consent` (WSGI environ, ASGI scope).
CONSENT_KEY = "cookie_charter.consent"
#: Key under which the middleware stores the `Policy` (WSGI environ, ASGI scope).
POLICY_KEY = "cookie_charter.policy"

#: Called with the dropped headers of each response that had some (for logging).
OnDropped = Callable[[Sequence[DroppedCookie]], None]


def request_consent(policy: Policy, cookie_header: str | None, gpc_values: Sequence[Any]) -> Consent:
    """The visitor's consent: the policy's consent cookie of the `Cookie` header, with the
    request's Global Privacy Control signal (the values of its `Sec-GPC` headers)."""
    consent = policy.consent_from_cookie_header(cookie_header)
    if gpc_values and gpc_enabled(gpc_values):
        consent = consent.with_gpc(True)
    return consent


def rewrite_set_cookies(
    policy: Policy,
    consent: Consent,
    set_cookies: Sequence[str],
    cookie_header: str | None,
    *,
    purge: bool,
    now: int | None = None,
    on_dropped: OnDropped | None = None,
) -> list[str]:
    """The `Set-Cookie` values to send: the allowed ones of `set_cookies`, unchanged and in order,
    then the deletions of the cookies the visitor holds but does not allow (when `purge`)."""
    if now is None:
        now = int(time.time())
    filtered = policy.filter_set_cookies(set_cookies, consent, now)
    if filtered.dropped and on_dropped is not None:
        on_dropped(filtered.dropped)
    values = list(filtered.kept)
    if purge and cookie_header:
        for purged in policy.purge(cookie_header, consent, now):
            values.extend(purged.headers)
    return values
