from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from reference_app.errors import ConfigurationError
from reference_app.http.cors import CorsConfigurationError, CorsMiddleware

from .support import client_for

ALLOWED = "https://app.example.com"


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def missing(request: Request) -> Response:
    return JSONResponse({"type": "about:blank"}, status_code=404)


def make_app(**kwargs) -> CorsMiddleware:
    inner = Starlette(routes=[Route("/ok", ok, methods=["GET", "POST"]), Route("/404", missing)])
    return CorsMiddleware(inner, allow_origins=[ALLOWED, "http://localhost:5173"], **kwargs)


def preflight_headers(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type",
    }


async def test_a_preflight_from_an_allowed_origin_gets_exactly_that_origin():
    async with client_for(make_app()) as client:
        response = await client.options("/ok", headers=preflight_headers(ALLOWED))
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "Authorization" in response.headers["access-control-allow-headers"]
    assert response.headers["access-control-max-age"] == "600"
    assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example.com",
        "null",
        "https://app.example.com.evil.net",
        "http://app.example.com",  # other scheme
        "https://app.example.com:8443",  # other port
    ],
)
async def test_a_preflight_from_any_other_origin_gets_no_cors_headers(origin):
    async with client_for(make_app()) as client:
        response = await client.options("/ok", headers=preflight_headers(origin))
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert not [h for h in response.headers if h.startswith("access-control-")]


async def test_an_allowed_origin_on_a_simple_request_and_on_errors():
    async with client_for(make_app()) as client:
        ok_response = await client.get("/ok", headers={"Origin": ALLOWED})
        error_response = await client.get("/404", headers={"Origin": ALLOWED})
    for response in (ok_response, error_response):
        assert response.headers["access-control-allow-origin"] == ALLOWED
        assert response.headers["access-control-allow-credentials"] == "true"
        assert "X-Request-ID" in response.headers["access-control-expose-headers"]
        assert "Origin" in response.headers["vary"]


@pytest.mark.parametrize("origin", ["https://evil.example.com", "null"])
async def test_other_origins_on_simple_requests_get_nothing(origin):
    async with client_for(make_app()) as client:
        response = await client.get("/ok", headers={"Origin": origin})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.startswith("access-control-")]
    assert "Origin" in response.headers["vary"]


async def test_origins_compare_case_insensitively_but_echo_what_was_sent():
    async with client_for(make_app()) as client:
        response = await client.get("/ok", headers={"Origin": "http://LOCALHOST:5173"})
    assert response.headers["access-control-allow-origin"] == "http://LOCALHOST:5173"


async def test_an_options_request_without_preflight_headers_reaches_the_app():
    async with client_for(make_app()) as client:
        response = await client.options("/ok", headers={"Origin": ALLOWED})
    assert response.status_code == 405  # the route's answer, not a preflight
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_wildcard_with_credentials_refuses_to_start():
    with pytest.raises(ValueError, match=r"'\*'.*allow_credentials") as caught:
        CorsMiddleware(Starlette(), allow_origins=["*"], allow_credentials=True)
    assert isinstance(caught.value, ConfigurationError)


async def test_wildcard_without_credentials_answers_star_and_still_refuses_null():
    app = CorsMiddleware(Starlette(routes=[Route("/ok", ok)]), allow_origins=["*"], allow_credentials=False)
    async with client_for(app) as client:
        anyone = await client.get("/ok", headers={"Origin": "https://x.example"})
        null = await client.get("/ok", headers={"Origin": "null"})
    assert anyone.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in anyone.headers
    assert "access-control-allow-origin" not in null.headers


@pytest.mark.parametrize("origin", ["app.example.com", "https://app.example.com/path", "ftp://x", ""])
def test_malformed_origins_are_refused_with_an_example(origin):
    with pytest.raises(CorsConfigurationError, match=r"e\.g\."):
        CorsMiddleware(Starlette(), allow_origins=[origin])
