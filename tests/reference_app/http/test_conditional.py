from __future__ import annotations

import hashlib
import re

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from reference_app.http.compression import CompressionMiddleware
from reference_app.http.conditional import (
    ConditionalGetMiddleware,
    if_none_match_matches,
    opted_in,
    strong_etag,
)

from .support import client_for

STRONG_ETAG = re.compile(r'"[0-9a-f]{32}"')
STATE = {"version": 1}
CACHED = {"Cache-Control": "private, max-age=60", "Vary": "Authorization"}


async def item(request: Request) -> Response:
    return JSONResponse({"version": STATE["version"], "text": "x" * 2000}, headers=CACHED)


async def public(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Cache-Control": "public, max-age=30"})


async def private_only(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Cache-Control": "private"})


async def not_opted(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def no_store(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Cache-Control": "no-store, max-age=0"})


async def own_etag(request: Request) -> Response:
    return JSONResponse({"ok": True}, headers={"Cache-Control": "max-age=5", "ETag": 'W/"v7"'})


async def streamed(request: Request) -> Response:
    async def parts():
        yield b'{"a":'
        yield b"1}"

    return StreamingResponse(parts(), media_type="application/json", headers={"Cache-Control": "max-age=9"})


async def error(request: Request) -> Response:
    return JSONResponse({"type": "about:blank"}, status_code=404, headers={"Cache-Control": "max-age=9"})


ROUTES = [
    Route("/item", item, methods=["GET", "POST"]),
    Route("/public", public),
    Route("/private", private_only),
    Route("/plain", not_opted),
    Route("/no-store", no_store),
    Route("/own", own_etag),
    Route("/streamed", streamed),
    Route("/error", error),
]


def make_app():
    # The stack's order: compression outside conditional.
    return CompressionMiddleware(ConditionalGetMiddleware(Starlette(routes=ROUTES)))


async def test_an_opted_in_response_gets_a_strong_etag_of_its_body():
    async with client_for(make_app()) as client:
        response = await client.get("/item", headers={"Accept-Encoding": "identity"})
    etag = response.headers["etag"]
    assert STRONG_ETAG.fullmatch(etag)
    assert etag == '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'


async def test_the_etag_is_the_same_whatever_the_coding():
    async with client_for(make_app()) as client:
        plain = await client.get("/item", headers={"Accept-Encoding": "identity"})
        br = await client.get("/item", headers={"Accept-Encoding": "br"})
        gz = await client.get("/item", headers={"Accept-Encoding": "gzip"})
    assert br.headers["content-encoding"] == "br"
    assert plain.headers["etag"] == br.headers["etag"] == gz.headers["etag"]


async def test_if_none_match_answers_304_with_an_empty_body_and_the_same_headers():
    async with client_for(make_app()) as client:
        first = await client.get("/item", headers={"Accept-Encoding": "gzip"})
        second = await client.get("/item", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["etag"]})
    assert second.status_code == 304
    assert second.content == b""
    for name in ("etag", "cache-control", "vary"):
        assert second.headers[name] == first.headers[name], name
    for name in ("content-length", "content-type", "content-encoding"):
        assert name not in second.headers or second.headers[name] == "0"


@pytest.mark.parametrize(
    "header",
    ["*", '"nope", {etag}', "W/{etag}", '"a", W/{etag}, "b"', '"has,comma", {etag}'],
)
async def test_star_lists_and_weak_comparison_match(header):
    async with client_for(make_app()) as client:
        etag = (await client.get("/item")).headers["etag"]
        response = await client.get("/item", headers={"If-None-Match": header.format(etag=etag)})
    assert response.status_code == 304


@pytest.mark.parametrize("header", ['"nope"', "garbage", '"a" "b"', ""])
async def test_anything_else_gets_the_full_response(header):
    async with client_for(make_app()) as client:
        response = await client.get("/item", headers={"If-None-Match": header})
    assert response.status_code == 200
    assert len(response.content) > 2000


async def test_the_etag_changes_when_the_body_changes():
    async with client_for(make_app()) as client:
        before = (await client.get("/item")).headers["etag"]
        STATE["version"] += 1
        after = await client.get("/item", headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["etag"] != before


async def test_etags_are_identical_across_app_instances():
    async with client_for(make_app()) as one, client_for(make_app()) as two:
        assert (await one.get("/public")).headers["etag"] == (await two.get("/public")).headers["etag"]


@pytest.mark.parametrize(
    ("path", "tagged"),
    [("/public", True), ("/private", True), ("/plain", False), ("/no-store", False), ("/error", False)],
)
async def test_only_opted_in_200s_get_an_etag(path, tagged):
    async with client_for(make_app()) as client:
        response = await client.get(path)
    assert ("etag" in response.headers) is tagged


async def test_other_methods_are_left_alone():
    async with client_for(make_app()) as client:
        response = await client.post("/item", headers={"If-None-Match": "*"})
    assert response.status_code == 200
    assert "etag" not in response.headers


async def test_head_gets_the_etag_and_304_too():
    async with client_for(make_app()) as client:
        get_etag = (await client.get("/public")).headers["etag"]
        head = await client.head("/public")
        head_304 = await client.head("/public", headers={"If-None-Match": get_etag})
    assert head.headers["etag"] == get_etag
    assert head_304.status_code == 304


async def test_a_route_etag_is_kept_and_compared_weakly():
    async with client_for(make_app()) as client:
        plain = await client.get("/own")
        matched = await client.get("/own", headers={"If-None-Match": '"v7"'})
    assert plain.headers["etag"] == 'W/"v7"'
    assert matched.status_code == 304
    assert matched.content == b""


async def test_streamed_bodies_are_hashed_whole():
    async with client_for(make_app()) as client:
        response = await client.get("/streamed")
    assert response.headers["etag"] == strong_etag(b'{"a":1}').decode()


async def test_bodies_over_the_buffer_limit_stream_without_an_etag():
    app = ConditionalGetMiddleware(Starlette(routes=ROUTES), max_buffered_bytes=3)
    async with client_for(app) as client:
        response = await client.get("/streamed")
    assert response.content == b'{"a":1}'
    assert "etag" not in response.headers


def test_helpers():
    assert strong_etag(b"{}") == b'"44136fa355b3678a1146ad16f7e8649e"'
    assert if_none_match_matches('W/"a"', 'W/"a"')
    assert not if_none_match_matches('"a"', "unquoted")
    assert opted_in(b"public, max-age=60")
    assert opted_in(b"private")
    assert not opted_in(b"no-cache")
    assert not opted_in(None)
