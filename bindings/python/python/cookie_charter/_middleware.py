"""What the WSGI and ASGI middleware (and the Django and Flask entry points) share: the keys they
store under, the `on_dropped` type, their options, and how they read what a handler left.

The work is the Rust core's: `Policy.request_consent` when the request arrives and
`Policy.respond` for the response (the ASGI middleware calls both natively, `_AsgiHandler`);
the middleware only move header values between their server's representation and those calls.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from cookie_charter._native import Consent, ConsentEndpoint, DroppedCookie, Policy

#: Key under which the middleware stores the visitor's `Consent` (WSGI environ, ASGI scope).
CONSENT_KEY = "cookie_charter.consent"
#: Key under which the middleware stores the `Policy` (WSGI environ, ASGI scope).
POLICY_KEY = "cookie_charter.policy"

#: Called with the dropped headers of each response that had some (for logging).
OnDropped = Callable[[Sequence[DroppedCookie]], None]

#: What a handler did with the consent it was given, as `Policy.respond` takes it.
Handled = Consent | Literal["unchanged", "not_a_consent"]

def get_consent(mapping: Mapping[str, Any]) -> Consent:
    """The visitor's consent the middleware stored in a WSGI environ or an ASGI scope (no
    consent if it did not run)."""
    consent = mapping.get(CONSENT_KEY)
    return consent if isinstance(consent, Consent) else Consent.from_cookie(None)


def handled(given: Consent, found: object) -> Handled:
    """What a handler did with the consent `given` to it, from what it left there (`found`):
    `"unchanged"` when it is `given` itself, a `Consent` that replaced it, or `"not_a_consent"`
    for anything else (None when it removed it)."""
    if found is given:
        return "unchanged"
    if isinstance(found, Consent):
        return found
    return "not_a_consent"


def check_policy(policy: object) -> Policy:
    """`policy`, when it is a `Policy`; a `TypeError` otherwise."""
    if not isinstance(policy, Policy):
        raise TypeError(f"policy must be a cookie_charter.Policy, not {type(policy).__name__}")
    return policy


def check_records(records: object, consent_path: str) -> ConsentEndpoint | None:
    """`records`, when it is a `ConsentEndpoint` or None, with a `consent_path` that starts with
    `/`; a `TypeError` or `ValueError` otherwise."""
    if records is not None and not isinstance(records, ConsentEndpoint):
        raise TypeError(
            "records must be a cookie_charter.records.ConsentEndpoint, "
            f"not {type(records).__name__}"
        )
    if not consent_path.startswith("/"):
        raise ValueError(f"consent_path `{consent_path}` must start with `/`")
    return records


class Middleware:
    """The options every middleware takes: the application, the policy, `purge` (append the
    deletions of the cookies the visitor holds but does not allow), `on_dropped`, and the consent
    endpoint (`records`, a `cookie_charter.records.ConsentEndpoint`) served at `consent_path`."""

    def __init__(
        self,
        app: Any,
        policy: Policy,
        *,
        purge: bool = True,
        on_dropped: OnDropped | None = None,
        records: ConsentEndpoint | None = None,
        consent_path: str = "/consent",
    ) -> None:
        self.app = app
        self.policy = check_policy(policy)
        self.purge = purge
        self.on_dropped = on_dropped
        self.records = check_records(records, consent_path)
        self.consent_path = consent_path
