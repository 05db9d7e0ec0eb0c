"""cookie-charter: a site's cookie charter as one policy file, and the decision for every cookie.

Load a :class:`Policy`, read the visitor's :class:`Consent` from their consent cookie, and
:meth:`Policy.decide` for each cookie name. The request's signals count too: Global Privacy
Control (:func:`gpc_enabled`, :meth:`Consent.with_gpc`), Google Consent Mode
(:meth:`Policy.consent_mode`, :meth:`Policy.gtag_consent`) and IAB TCF TC strings
(:class:`TcString`, :meth:`Policy.consent_from_tc_string`). :meth:`Policy.respond` is what a
middleware does with a response. The engine is the Rust core of cookie-charter; this package is a
thin binding over it, plus WSGI and ASGI middleware (:mod:`cookie_charter.wsgi`,
:mod:`cookie_charter.asgi`) and entry points for Django (:mod:`cookie_charter.django`), Flask
(:mod:`cookie_charter.flask`) and FastAPI (:mod:`cookie_charter.fastapi`), each imported on first
use so that none of these frameworks is needed by the others.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from cookie_charter import asgi, wsgi
from cookie_charter._native import (
    Consent,
    Decision,
    DroppedCookie,
    Filtered,
    Policy,
    PolicyError,
    PolicyWarning,
    PurgedCookie,
    Purpose,
    Response,
    TcString,
    TcStringError,
    __version__,
    gpc_enabled,
)

__all__ = [
    "Consent",
    "Decision",
    "DroppedCookie",
    "Filtered",
    "Policy",
    "PolicyError",
    "PolicyWarning",
    "PurgedCookie",
    "Purpose",
    "Response",
    "TcString",
    "TcStringError",
    "__version__",
    "gpc_enabled",
]

# The framework entry points import their framework: loaded when first named
# (`cookie_charter.django`, ...), as `import cookie_charter.django` does.
_FRAMEWORKS = ("django", "fastapi", "flask")


def __getattr__(name: str) -> ModuleType:
    if name in _FRAMEWORKS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
