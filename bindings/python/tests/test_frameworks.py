"""The framework entry points on real servers on 127.0.0.1, with a real HTTP client: Django's
`cookie_charter.django.ConsentMiddleware` in `settings.MIDDLEWARE` (under wsgiref and, async,
under uvicorn) with its context processor, Flask's `cookie_charter.flask.CookieCharter` (under
waitress), FastAPI's `cookie_charter.fastapi.get_consent` dependency (under uvicorn).

Each app has a page that sets `_ga` (statistics), `_ad_x` (marketing, third party) and `tracker`
(undeclared) and answers with the consent it was given and what a banner shows, and a banner
endpoint that records the choice in the query string (`?statistics=granted`) as the new consent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, Request, Response  # module level: FastAPI resolves annotations here

import cookie_charter
from cookie_charter import Consent, Policy, asgi
from cookie_charter.fastapi import get_consent
from test_api import POLICY_TOML
from test_middleware import configure_django, set_cookies, uvicorn_server, waitress_server, wsgiref_server

POLICY = Policy.from_toml(POLICY_TOML)
COOKIES = [("_ga", "1"), ("_ad_x", "2"), ("tracker", "3")]


def answer(consent: Consent, banner: str = "") -> str:
    return json.dumps({
        "choices": consent.choices, "problem": consent.problem, "gpc": consent.gpc, "banner": banner,
    })


def choice(query: Any) -> Consent:
    """The banner endpoint's new consent: the choices of the query string."""
    return Consent(dict(query.items()), revision=POLICY.revision)


def now_cookie(**choices: str) -> str:
    return f"consent={Consent(choices, revision=POLICY.revision, at=int(time.time())).to_cookie()}"


def get(base_url: str, path: str, cookie: str | None = None, gpc: str | None = None) -> httpx.Response:
    headers = [("Cookie", cookie)] if cookie is not None else []
    headers += [("Sec-GPC", gpc)] if gpc is not None else []
    with httpx.Client(timeout=20) as client:
        response = client.get(base_url + path, headers=headers)
    assert response.status_code == 200, response.text
    return response


def expected_deletions(cookie: str, consent: Consent) -> dict[str, list[str]]:
    return {p.cookie: p.headers for p in POLICY.purge(cookie, consent)}


# -- Django ------------------------------------------------------------------------------------

BANNER_TEMPLATE = (
    "{% for p in cookie_charter.purposes_to_ask %}{{ p.id }}:{{ p.label.en }};{% endfor %}"
    "|{{ cookie_charter.purposes|length }}|{{ cookie_charter.gtag_default }}"
)


def django_page(request: Any) -> Any:
    from django.http import HttpResponse
    from django.template import engines

    banner = engines["django"].from_string(BANNER_TEMPLATE).render({}, request)
    response = HttpResponse(answer(request.consent, banner))
    for name, value in COOKIES:
        response.set_cookie(name, value)
    return response


def django_choose(request: Any) -> Any:
    from django.http import HttpResponse

    from cookie_charter.django import set_consent_cookie

    request.consent = choice(request.GET)
    response = HttpResponse(answer(request.consent))
    set_consent_cookie(response, request.consent, max_age=3600, samesite="Lax")
    for name, value in COOKIES:
        response.set_cookie(name, value)
    return response


def __getattr__(name: str) -> Any:  # Django reads `urlpatterns` from ROOT_URLCONF
    if name == "urlpatterns":
        from django.urls import path

        return [path("", django_page), path("choose", django_choose)]
    raise AttributeError(name)


@pytest.fixture(scope="module")
def django_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    configure_django()
    from django.test.utils import override_settings

    policy_file = tmp_path_factory.mktemp("django") / "policy.toml"
    policy_file.write_text(POLICY_TOML, encoding="utf-8")
    override = override_settings(
        ROOT_URLCONF=__name__,
        COOKIE_CHARTER_POLICY=policy_file,
        MIDDLEWARE=["cookie_charter.django.ConsentMiddleware"],
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {"context_processors": ["cookie_charter.django.context_processor"]},
        }],
    )
    override.enable()
    try:
        yield
    finally:
        override.disable()


@pytest.fixture(params=["wsgiref", "asgi-uvicorn"], scope="module")
def django_url(request: pytest.FixtureRequest, django_settings: None) -> Iterator[str]:
    if request.param == "wsgiref":
        from django.core.wsgi import get_wsgi_application

        with wsgiref_server(get_wsgi_application()) as url:
            yield url
    else:
        from django.core.asgi import get_asgi_application

        with uvicorn_server(get_asgi_application()) as url:
            yield url


def test_django_middleware_filters_purges_and_shows_the_banner(django_url: str) -> None:
    fresh = get(django_url, "/")
    # No consent: a banner asks statistics and marketing; nothing but necessary is set.
    assert fresh.json()["problem"] == "absent"
    banner, count, gtag = fresh.json()["banner"].split("|", 2)
    labels = {p.id: p.label["en"] for p in POLICY.purposes}
    assert banner == f"statistics:{labels['statistics']};marketing:{labels['marketing']};"
    assert count == "3"
    assert gtag == POLICY.gtag_consent(Consent.from_cookie(None))
    assert set_cookies(fresh) == {}

    held = f"{now_cookie(statistics='granted', marketing='denied')}; _ad_x=old; tracker=old"
    response = get(django_url, "/", held, gpc="1")
    body = response.json()
    assert body["choices"] == {"marketing": "denied", "statistics": "granted"} and body["gpc"]
    assert body["banner"].split("|")[0] == ""  # everything answered: no banner
    by_name = set_cookies(response)
    assert [h.split(";")[0] for h in by_name.pop("_ga")] == ["_ga=1"]
    # Every deletion the core gives, several for one name (one per domain), as its headers.
    deletions = expected_deletions(held, POLICY.consent_from_cookie_header(held))
    assert set(deletions) == {"_ad_x", "tracker"}
    assert by_name == deletions


def test_django_view_records_a_new_choice(django_url: str) -> None:
    held = f"{now_cookie(statistics='granted')}; _ga=old"
    response = get(django_url, "/choose?statistics=denied&marketing=granted", held)
    assert response.json()["choices"] == {"marketing": "granted", "statistics": "denied"}
    by_name = set_cookies(response)
    # Judged with the new choice: the marketing cookie passes, the statistics one is deleted.
    assert [h.split(";")[0] for h in by_name["_ad_x"]] == ["_ad_x=2"]
    (consent_header,) = by_name["consent"]
    assert "Max-Age=3600" in consent_header and "SameSite=Lax" in consent_header
    # Written as it is (not quoted): the next request reads it back.
    new = POLICY.consent_from_cookie_header(consent_header.split(";")[0])
    assert new.choices == {"marketing": "granted", "statistics": "denied"}
    assert by_name["_ga"] == expected_deletions(held, new)["_ga"]
    assert "tracker" not in by_name or all("Max-Age=0" in h for h in by_name["tracker"])


def test_django_test_client_reads_the_filtered_cookies(django_settings: None) -> None:
    from django.test import Client

    client = Client()
    held = f"{now_cookie(statistics='granted')}; tracker=old"
    response = client.get("/", HTTP_COOKIE=held)
    assert response.status_code == 200
    values = sorted(c.output(header="").strip() for c in response.cookies.values())
    assert [v.split(";")[0] for v in values] == sorted(
        ["_ga=1"] + [h.split(";")[0] for h in expected_deletions(held, POLICY.consent_from_cookie_header(held))["tracker"]]
    )
    # The client's own cookie jar took them (one entry per name).
    assert client.cookies["_ga"].value == "1" and client.cookies["tracker"].value == ""
    assert "_ad_x" not in client.cookies


def test_django_needs_the_policy_setting(django_settings: None) -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.test.utils import override_settings

    from cookie_charter.django import ConsentMiddleware, get_policy

    with override_settings(COOKIE_CHARTER_POLICY=None):
        with pytest.raises(ImproperlyConfigured, match="COOKIE_CHARTER_POLICY"):
            ConsentMiddleware(lambda request: None)
    with override_settings(COOKIE_CHARTER_POLICY=POLICY):
        assert get_policy() is POLICY
    # A path is read once.
    assert get_policy() is get_policy()


# -- Flask -------------------------------------------------------------------------------------


def flask_app(policy: Policy | None = None, config_path: Path | None = None) -> Any:
    import flask

    from cookie_charter.flask import CookieCharter

    app = flask.Flask("charter_test")
    app.secret_key = "tests-only"
    if config_path is None:
        CookieCharter(app, policy)
    else:
        app.config["COOKIE_CHARTER_POLICY"] = str(config_path)
        CookieCharter().init_app(app)

    @app.get("/")
    def page() -> Any:
        banner = flask.render_template_string(
            "{{ cookie_charter.purposes_to_ask|map(attribute='id')|join(',') }}"
            "|{{ cookie_charter.purposes|length }}|{{ cookie_charter.gtag_default }}"
        )
        response = flask.make_response(answer(flask.g.consent, banner))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        # Flask writes the session cookie after the after_request functions: still judged.
        flask.session["seen"] = True
        return response

    @app.get("/choose")
    def choose() -> Any:
        flask.g.consent = choice(flask.request.args)
        response = flask.make_response(answer(flask.g.consent))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        return response

    return app


@pytest.fixture(scope="module")
def flask_url() -> Iterator[str]:
    with waitress_server(flask_app(POLICY)) as url:
        yield url


def test_flask_extension_filters_purges_and_shows_the_banner(flask_url: str) -> None:
    fresh = get(flask_url, "/")
    banner, count, gtag = fresh.json()["banner"].split("|", 2)
    assert (banner, count) == ("statistics,marketing", "3")
    assert gtag == POLICY.gtag_consent(Consent.from_cookie(None))
    # The undeclared session cookie is dropped too.
    assert set_cookies(fresh) == {}

    held = f"{now_cookie(statistics='granted', marketing='denied')}; tracker=old"
    response = get(flask_url, "/", held, gpc="1")
    assert response.json()["choices"] == {"marketing": "denied", "statistics": "granted"}
    assert response.json()["gpc"] is True
    by_name = set_cookies(response)
    assert [h.split(";")[0] for h in by_name.pop("_ga")] == ["_ga=1"]
    assert by_name == expected_deletions(held, POLICY.consent_from_cookie_header(held))


def test_flask_view_records_a_new_choice(flask_url: str) -> None:
    held = f"{now_cookie(statistics='granted')}; _ga=old"
    response = get(flask_url, "/choose?statistics=denied&marketing=granted", held)
    assert response.json()["choices"] == {"marketing": "granted", "statistics": "denied"}
    by_name = set_cookies(response)
    assert [h.split(";")[0] for h in by_name["_ad_x"]] == ["_ad_x=2"]
    assert by_name["_ga"] == expected_deletions(held, choice({"statistics": "denied"}))["_ga"]


def test_flask_factory_reads_the_policy_from_the_config(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.toml"
    policy_file.write_text(POLICY_TOML, encoding="utf-8")
    app = flask_app(config_path=policy_file)
    with app.test_client() as client:
        client.set_cookie("consent", now_cookie(statistics="granted").split("=", 1)[1])
        response = client.get("/")
    assert [h.split(";")[0] for h in response.headers.getlist("Set-Cookie")] == ["_ga=1"]
    import flask

    from cookie_charter.flask import CookieCharter

    with pytest.raises(RuntimeError, match="COOKIE_CHARTER_POLICY"):
        CookieCharter(flask.Flask("no_policy"))


# -- FastAPI -----------------------------------------------------------------------------------


def fastapi_app(middleware: bool = True) -> Any:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    app = FastAPI()
    if middleware:
        app.add_middleware(asgi.ConsentMiddleware, policy=POLICY)

    @app.exception_handler(RuntimeError)
    def runtime_error(request: Request, error: RuntimeError) -> JSONResponse:
        return JSONResponse({"error": str(error)}, status_code=500)

    @app.get("/")
    def page(consent: Annotated[Consent, Depends(get_consent)]) -> Response:
        response = Response(answer(consent, ",".join(POLICY.purposes_to_ask(consent))))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        return response

    @app.get("/choose")
    def choose(request: Request, consent: Annotated[Consent, Depends(get_consent)]) -> Response:
        request.scope[asgi.CONSENT_KEY] = choice(request.query_params)
        response = Response(answer(request.scope[asgi.CONSENT_KEY]))
        for name, value in COOKIES:
            response.set_cookie(name, value)
        return response

    return app


def test_fastapi_dependency_gives_the_consent_the_middleware_read() -> None:
    with uvicorn_server(fastapi_app()) as url:
        held = f"{now_cookie(statistics='granted')}; tracker=old"
        response = get(url, "/", held, gpc="1")
        assert response.json()["choices"] == {"statistics": "granted"}
        assert response.json()["gpc"] is True
        by_name = set_cookies(response)
        assert [h.split(";")[0] for h in by_name.pop("_ga")] == ["_ga=1"]
        assert by_name == expected_deletions(held, POLICY.consent_from_cookie_header(held))
        chosen = get(url, "/choose?statistics=denied&marketing=granted", f"{held}; _ga=old")
        by_name = set_cookies(chosen)
        assert [h.split(";")[0] for h in by_name["_ad_x"]] == ["_ad_x=2"]
        assert all("Max-Age=0" in h for h in by_name["_ga"])


def test_fastapi_dependency_without_the_middleware_says_so() -> None:
    with uvicorn_server(fastapi_app(middleware=False)) as url:
        with httpx.Client(timeout=20) as client:
            response = client.get(url + "/")
    assert response.status_code == 500
    error = response.json()["error"]
    assert "install cookie_charter.asgi.ConsentMiddleware" in error


# -- the package -------------------------------------------------------------------------------


def test_the_submodules_are_attributes_of_the_package() -> None:
    import subprocess
    import sys

    # In a fresh interpreter: `import cookie_charter` alone gives the middleware modules, and the
    # framework modules when first named (their framework imported then, not before).
    code = (
        "import sys, cookie_charter\n"
        "assert cookie_charter.wsgi.ConsentMiddleware and cookie_charter.asgi.ConsentMiddleware\n"
        "assert 'django' not in sys.modules and 'flask' not in sys.modules\n"
        "assert cookie_charter.flask.CookieCharter and 'flask' in sys.modules\n"
        "assert cookie_charter.fastapi.get_consent and cookie_charter.django.ConsentMiddleware\n"
        "try:\n    cookie_charter.nope\nexcept AttributeError as e:\n    assert 'nope' in str(e)\n"
        "else:\n    raise SystemExit('no AttributeError')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert cookie_charter.wsgi.ConsentMiddleware is not None
