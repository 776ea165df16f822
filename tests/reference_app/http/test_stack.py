from __future__ import annotations

import brotli
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.compression import CompressionMiddleware
from reference_app.http.conditional import ConditionalGetMiddleware
from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.cors import CorsMiddleware
from reference_app.http.metrics import HttpMetrics, MetricsMiddleware
from reference_app.http.security_headers import SecurityHeadersMiddleware
from reference_app.http.stack import install, layers, wrap

from .support import client_for

ORIGIN = "https://app.example.com"
BODY = {"text": "incident " * 300}


async def cached(request: Request) -> Response:
    return JSONResponse(BODY, headers={"Cache-Control": "private, max-age=60", "Vary": "Authorization"})


async def boom(request: Request) -> Response:
    raise RuntimeError("x")


async def token(request: Request) -> Response:
    return JSONResponse({"access_token": "a" * 2000})


def make_app():
    routes = [Route("/cached", cached), Route("/boom", boom), Route("/api/v1/auth/token", token, methods=["POST"])]
    return wrap(Router(routes=routes), cors_origins=[ORIGIN], metrics=HttpMetrics())


def test_the_order_outermost_first():
    order = [cls for cls, _ in reversed(layers(cors_origins=[], metrics=HttpMetrics()))]
    assert order == [
        CorrelationIdMiddleware,
        AccessLogMiddleware,
        MetricsMiddleware,
        SecurityHeadersMiddleware,
        CorsMiddleware,
        CompressionMiddleware,
        ConditionalGetMiddleware,
    ]
    assert isinstance(wrap(Router(), cors_origins=[], metrics=HttpMetrics()), CorrelationIdMiddleware)


async def test_a_304_through_the_whole_stack():
    async with client_for(make_app()) as client:
        first = await client.get("/cached", headers={"Accept-Encoding": "br", "Origin": ORIGIN})
        second = await client.get(
            "/cached",
            headers={"Accept-Encoding": "br", "Origin": ORIGIN, "If-None-Match": first.headers["etag"]},
        )
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "br"
    assert second.status_code == 304
    assert second.content == b""
    for name in ("etag", "cache-control", "vary", "access-control-allow-origin"):
        assert second.headers[name] == first.headers[name], name
    assert second.headers["x-request-id"]
    assert second.headers["strict-transport-security"]
    assert second.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("method", "path", "status"), [("GET", "/nope", 404), ("POST", "/cached", 405), ("GET", "/boom", 500)]
)
async def test_errors_carry_id_and_security_headers(method, path, status):
    async with client_for(make_app()) as client:
        response = await client.request(method, path)
    assert response.status_code == status
    assert response.headers["x-request-id"]
    assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response.headers["cache-control"] == "no-store"


async def test_a_preflight_carries_id_and_security_headers():
    async with client_for(make_app()) as client:
        response = await client.options("/cached", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["x-request-id"]
    assert response.headers["x-frame-options"] == "DENY"


async def test_auth_routes_are_not_compressed():
    async with client_for(make_app()) as client:
        response = await client.post("/api/v1/auth/token", headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in response.headers
    assert response.headers["cache-control"] == "no-store"


async def test_install_builds_the_same_stack_inside_fastapi():
    app = FastAPI()

    @app.get("/cached")
    async def cached_route() -> Response:
        return JSONResponse(BODY, headers={"Cache-Control": "max-age=5"})

    install(app, cors_origins=[ORIGIN], metrics=HttpMetrics())
    async with client_for(app) as client:
        response = await client.get("/cached", headers={"Accept-Encoding": "br", "X-Request-ID": "inst-1"})
        raw = await client.get("/cached", headers={"Accept-Encoding": "br", "If-None-Match": response.headers["etag"]})
    assert response.headers["x-request-id"] == "inst-1"
    assert response.headers["content-encoding"] == "br"
    assert response.json() == BODY
    assert raw.status_code == 304
    assert brotli.compress(b"x")  # the br decoder httpx used is the brotli package


async def test_install_answers_unhandled_exceptions_with_problem_json():
    # Inside Starlette's ServerErrorMiddleware, the correlation middleware answers first.
    app = FastAPI()

    @app.get("/boom")
    async def explode() -> None:
        raise RuntimeError("internal detail")

    install(app, cors_origins=[], metrics=HttpMetrics())
    async with client_for(app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "inst-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["correlation_id"] == "inst-500"
    assert "internal detail" not in response.text
