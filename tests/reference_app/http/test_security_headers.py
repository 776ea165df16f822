from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route, Router

from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.metrics import HttpMetrics
from reference_app.http.security_headers import (
    DOCS_CSP,
    STRICT_CSP,
    SecurityHeadersMiddleware,
)
from reference_app.http.stack import wrap

from .support import client_for

EXPECTED = {
    "x-content-type-options": "nosniff",
    "content-security-policy": STRICT_CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Server": "gunicorn/1", "X-Powered-By": "PHP"})


async def cached(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Cache-Control": "public, max-age=60"})


async def boom(request: Request) -> Response:
    raise RuntimeError("x")


async def not_modified(request: Request) -> Response:
    return Response(status_code=304, headers={"Cache-Control": "max-age=5"})


async def docs(request: Request) -> Response:
    return HTMLResponse("<html></html>")


ROUTES = [
    Route("/ok", ok),
    Route("/cached", cached),
    Route("/boom", boom),
    Route("/304", not_modified),
    Route("/docs", docs),
    Route("/docs/oauth2-redirect", docs),
    Route("/docsearch", docs),
    Route("/redoc", docs),
]


def assert_security_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get_list(name) == [value], name
    policy = response.headers["permissions-policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert "server" not in response.headers
    assert "x-powered-by" not in response.headers


@pytest.mark.parametrize(("path", "status"), [("/ok", 200), ("/nope", 404), ("/304", 304)])
async def test_every_response_carries_the_headers(path, status):
    async with client_for(SecurityHeadersMiddleware(Starlette(routes=ROUTES))) as client:
        response = await client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


async def test_starlettes_own_500_carries_them():
    async with client_for(SecurityHeadersMiddleware(Starlette(routes=ROUTES))) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)


async def test_the_last_resort_500_carries_them_too():
    # Raised past every middleware: the correlation middleware answers, outside this one.
    app = wrap(Router(routes=ROUTES), cors_origins=[], metrics=HttpMetrics())
    async with client_for(app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)
    assert response.headers["cache-control"] == "no-store"


async def test_the_correlation_500_uses_the_given_header_factory():
    app = CorrelationIdMiddleware(Router(routes=ROUTES), error_headers=lambda path: [(b"x-t", b"1")])
    async with client_for(app) as client:
        response = await client.get("/boom")
    assert response.headers["x-t"] == "1"


async def test_cache_control_defaults_to_no_store_but_a_route_choice_stays():
    async with client_for(SecurityHeadersMiddleware(Starlette(routes=ROUTES))) as client:
        plain = await client.get("/ok")
        chosen = await client.get("/cached")
    assert plain.headers["cache-control"] == "no-store"
    assert chosen.headers.get_list("cache-control") == ["public, max-age=60"]


@pytest.mark.parametrize(
    ("path", "csp"),
    [
        ("/docs", DOCS_CSP),
        ("/docs/oauth2-redirect", DOCS_CSP),
        ("/redoc", DOCS_CSP),
        ("/docsearch", STRICT_CSP),
        ("/ok", STRICT_CSP),
    ],
)
async def test_only_the_docs_get_the_relaxed_policy(path, csp):
    async with client_for(SecurityHeadersMiddleware(Starlette(routes=ROUTES))) as client:
        response = await client.get(path)
    assert response.headers["content-security-policy"] == csp
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_a_negative_hsts_age_is_refused():
    with pytest.raises(ValueError, match="hsts_max_age=-1"):
        SecurityHeadersMiddleware(Starlette(), hsts_max_age=-1)
