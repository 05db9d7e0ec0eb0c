"""The realistic page of the load run, in Django: one view rendering a product-listing template of
about 20 KB (`page/page.html` with `page/context.json`, 29 products) with Django's template engine,
and setting the load run's three cookies (one necessary, one statistics, one third-party
marketing). With `LOAD_MIDDLEWARE=1` the binding's Django middleware
(`cookie_charter.django.ConsentMiddleware`) is in `settings.MIDDLEWARE`, with the policy named
by `LOAD_POLICY`.

Run by `benches/load/run.sh` (`SERVERS=django`): `gunicorn app_django:application`, one worker
process with four threads (keep-alive connections), as a small Django site is deployed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import django
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

HERE = Path(__file__).resolve().parent / "page"
CONTEXT = json.loads((HERE / "context.json").read_text(encoding="utf-8"))

middleware = []
extra: dict[str, object] = {}
if os.environ.get("LOAD_MIDDLEWARE") == "1":
    middleware.append("cookie_charter.django.ConsentMiddleware")
    extra["COOKIE_CHARTER_POLICY"] = os.environ["LOAD_POLICY"]

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="load-run-only",
    ROOT_URLCONF=__name__,
    MIDDLEWARE=middleware,
    INSTALLED_APPS=[],
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(HERE)],
            # Templates compiled once, as in production (the cached loader).
            "OPTIONS": {"loaders": [("django.template.loaders.cached.Loader", ["django.template.loaders.filesystem.Loader"])]},
        }
    ],
    USE_TZ=True,
    **extra,
)
django.setup()


def page(request: HttpRequest) -> HttpResponse:
    response = render(request, "page.html", CONTEXT)
    response.set_cookie("sessionid", "abc", httponly=True)
    response.set_cookie("_ga", "GA1.2.3", max_age=3600)
    response.set_cookie("ads", "xyz", domain=".doubleclick.net")
    return response


urlpatterns = [path("", page)]

from django.core.wsgi import get_wsgi_application  # noqa: E402  (after settings)

application = get_wsgi_application()
