"""The WSGI and ASGI middleware on real servers on 127.0.0.1, with a real HTTP client.

Four apps behave the same way: each sets `_ga` (statistics, first party), `_ad_x` (marketing,
third party) and `tracker` (undeclared), and answers with the consent the middleware exposed.
Flask runs under waitress, Django under wsgiref (WSGI) and uvicorn (ASGI), FastAPI under uvicorn.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import Request, Response  # module level: FastAPI resolves annotations here

from cookie_charter import Consent, Policy, asgi, wsgi
from test_api import POLICY_TOML

POLICY = Policy.from_toml(POLICY_TOML)
COOKIES = [("_ga", "1"), ("_ad_x", "2"), ("tracker", "3")]


def answer(consent: Consent) -> str:
    return json.dumps({"choices": consent.choices, "problem": consent.problem, "gpc": consent.gpc})


# -- the apps --------------------------------------------------------------------------------


def flask_app() -> Any:
    import flask

    app = flask.Flask("charter_test")

    @app.get("/")
    def index() -> Any:
        response = flask.make_response(answer(wsgi.get_consent(flask.request.environ)))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        return response

    app.wsgi_app = wsgi.ConsentMiddleware(app.wsgi_app, POLICY)  # type: ignore[method-assign]
    return app


def fastapi_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    app.add_middleware(asgi.ConsentMiddleware, policy=POLICY)

    @app.get("/")
    def index(request: Request) -> Response:
        response = Response(answer(request.scope[asgi.CONSENT_KEY]))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        return response

    return app


def configure_django() -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests-only",
            ROOT_URLCONF=__name__,
            ALLOWED_HOSTS=["127.0.0.1"],
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
        )
        django.setup()


def django_view(request: Any) -> Any:
    from django.http import HttpResponse

    scope = getattr(request, "scope", None)
    if scope is not None:  # ASGI
        consent = asgi.get_consent(scope)
    else:  # WSGI: the environ is request.META
        consent = wsgi.get_consent(request.META)
    response = HttpResponse(answer(consent))
    for name, value in COOKIES:
        response.set_cookie(name, value)
    return response


def _urlpatterns() -> list[Any]:
    configure_django()
    from django.urls import path

    return [path("", django_view)]


def __getattr__(name: str) -> Any:  # Django reads `urlpatterns` from ROOT_URLCONF
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def django_wsgi_app() -> Any:
    configure_django()
    from django.core.wsgi import get_wsgi_application

    return wsgi.ConsentMiddleware(get_wsgi_application(), POLICY)


def django_asgi_app() -> Any:
    configure_django()
    from django.core.asgi import get_asgi_application

    return asgi.ConsentMiddleware(get_asgi_application(), POLICY)


# -- the servers -----------------------------------------------------------------------------


@contextmanager
def waitress_server(app: Any) -> Iterator[str]:
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


@contextmanager
def wsgiref_server(app: Any) -> Iterator[str]:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def uvicorn_server(app: Any) -> Iterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        assert thread.is_alive(), "uvicorn stopped"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        sock.close()


APPS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any]]] = {
    "flask-waitress": (flask_app, waitress_server),
    "django-wsgiref": (django_wsgi_app, wsgiref_server),
    "fastapi-uvicorn": (fastapi_app, uvicorn_server),
    "django-asgi-uvicorn": (django_asgi_app, uvicorn_server),
}


@pytest.fixture(params=sorted(APPS), scope="module")
def base_url(request: pytest.FixtureRequest) -> Iterator[str]:
    make_app, serve = APPS[request.param]
    with serve(make_app()) as url:
        yield url


def set_cookies(response: httpx.Response) -> dict[str, list[str]]:
    """The response's Set-Cookie headers, grouped by cookie name."""
    out: dict[str, list[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        out.setdefault(header.split("=", 1)[0].strip(), []).append(header)
    return out


def get(
    base_url: str, cookie: str | None, gpc: list[str] | None = None
) -> httpx.Response:
    headers = [("Cookie", cookie)] if cookie is not None else []
    headers += [("Sec-GPC", value) for value in gpc or []]
    with httpx.Client(timeout=20) as client:
        response = client.get(base_url + "/", headers=headers)
    assert response.status_code == 200, response.text
    return response


def test_without_consent_only_allowed_cookies_are_set(base_url: str) -> None:
    response = get(base_url, None)
    assert response.json() == {"choices": {}, "problem": "absent", "gpc": False}
    # _ga needs consent, _ad_x is third party without consent, tracker is undeclared.
    assert set_cookies(response) == {}


def test_consent_lets_cookies_through_and_purges_withdrawn_ones(base_url: str) -> None:
    now = int(time.time())
    consent = Consent({"statistics": "granted", "marketing": "denied"}, revision=2, at=now)
    held = f"consent={consent.to_cookie()}; _ad_x=old; tracker=old; other=1"
    response = get(base_url, held)
    assert response.json() == {
        "choices": {"marketing": "denied", "statistics": "granted"},
        "problem": None,
        "gpc": False,
    }
    by_name = set_cookies(response)
    # _ga is allowed and passes unchanged; the others are dropped.
    assert [h.split(";")[0] for h in by_name["_ga"]] == ["_ga=1"]
    # The cookies the visitor holds without consent are deleted, as the core says.
    expected = {
        p.cookie: p.headers for p in POLICY.purge(held, POLICY.consent_from_cookie_header(held))
    }
    assert set(expected) == {"_ad_x", "tracker", "other"}
    for name, headers in expected.items():
        assert by_name[name] == headers
    assert set(by_name) == {"_ga", *expected}


@pytest.mark.parametrize(
    ("values", "signal"),
    [([], False), (["1"], True), (["0"], False), (["0", "1"], True), (["true"], False)],
)
def test_gpc_reaches_the_consent(base_url: str, values: list[str], signal: bool) -> None:
    now = int(time.time())
    consent = Consent({"statistics": "granted"}, revision=2, at=now)
    held = f"consent={consent.to_cookie()}"
    response = get(base_url, held, values)
    assert response.json()["gpc"] is signal
    exposed = POLICY.consent_from_cookie_header(held).with_gpc(signal)
    # Marketing was never chosen: GPC refuses it (and the banner does not ask it).
    assert POLICY.decide("_ad_x", exposed, now).consent_state == (
        "gpc_denied" if signal else "unset"
    )
    # GPC never grants: what is set is what the explicit choice allows.
    assert sorted(set_cookies(response)) == ["_ga"]


def test_full_consent_keeps_declared_cookies(base_url: str) -> None:
    now = int(time.time())
    consent = Consent({"statistics": "granted", "marketing": "granted"}, revision=2, at=now)
    response = get(base_url, f"consent={consent.to_cookie()}")
    by_name = set_cookies(response)
    assert sorted(by_name) == ["_ad_x", "_ga"]
    assert response.json()["choices"] == {"marketing": "granted", "statistics": "granted"}


def test_middleware_needs_a_policy() -> None:
    with pytest.raises(TypeError):
        wsgi.ConsentMiddleware(lambda e, s: [], "policy.toml")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        asgi.ConsentMiddleware(lambda s, r, se: None, None)  # type: ignore[arg-type]


def test_wsgi_options_on_dropped_and_no_purge() -> None:
    seen: list[list[str]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(
            "200 OK",
            [("Content-Type", "text/plain"), ("Set-Cookie", "_ga=1"), ("set-cookie", "x=2")],
        )
        return [environ[wsgi.CONSENT_KEY].to_cookie().encode()]

    middleware = wsgi.ConsentMiddleware(
        app, POLICY, purge=False, on_dropped=lambda d: seen.append([x.header for x in d])
    )
    with wsgiref_server(middleware) as url:
        response = get(url, "_ad_x=1; tracker=2")
    assert seen == [["_ga=1", "x=2"]]
    assert response.headers.get_list("set-cookie") == []
    assert response.text == ""


def test_asgi_passes_other_scopes_through() -> None:
    import asyncio

    calls: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        calls.append(scope)

    middleware = asgi.ConsentMiddleware(app, POLICY)
    scope = {"type": "websocket", "headers": [(b"cookie", b"consent=x")]}
    asyncio.run(middleware(scope, None, None))  # type: ignore[arg-type]
    assert calls == [scope] and asgi.CONSENT_KEY not in calls[0]
