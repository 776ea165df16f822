from __future__ import annotations

import gzip

import brotli
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from reference_app.http.accept_encoding import negotiate_encoding, parse_accept_encoding
from reference_app.http.compression import CompressionMiddleware

from .support import client_for

BIG = ("incident report " * 200).encode()  # 3200 bytes, compressible
SMALL = b'{"id": 1}'


async def big(request: Request) -> Response:
    return Response(BIG, media_type="application/json")


async def small(request: Request) -> Response:
    return Response(SMALL, media_type="application/json")


async def exact(request: Request) -> Response:
    return Response(b"a" * 1024, media_type="text/plain")


async def no_content(request: Request) -> Response:
    return Response(status_code=204)


async def not_modified(request: Request) -> Response:
    return Response(status_code=304, headers={"ETag": '"e"'})


async def encoded(request: Request) -> Response:
    return Response(gzip.compress(BIG), headers={"Content-Encoding": "gzip"}, media_type="application/json")


async def events(request: Request) -> Response:
    async def stream():
        for _ in range(10):
            yield b"data: " + b"x" * 300 + b"\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


async def png(request: Request) -> Response:
    return Response(BIG, media_type="image/png")


async def svg(request: Request) -> Response:
    return Response(BIG, media_type="image/svg+xml")


async def chunks(request: Request) -> Response:
    async def stream():
        for index in range(50):
            yield f"chunk {index:03d} ".encode() * 20

    return StreamingResponse(stream(), media_type="text/plain")


async def tiny_chunks(request: Request) -> Response:
    async def stream():
        for part in (b"a", b"b", b"c"):
            yield part

    return StreamingResponse(stream(), media_type="text/plain")


async def token(request: Request) -> Response:
    return JSONResponse({"access_token": "t" * 2000})


ROUTES = [
    Route("/big", big, methods=["GET", "POST"]),
    Route("/small", small),
    Route("/exact", exact),
    Route("/204", no_content),
    Route("/304", not_modified),
    Route("/encoded", encoded),
    Route("/events", events),
    Route("/png", png),
    Route("/svg", svg),
    Route("/chunks", chunks),
    Route("/tiny", tiny_chunks),
    Route("/api/v1/auth/token", token),
]


def make_app(threshold: int = 1024) -> CompressionMiddleware:
    return CompressionMiddleware(Starlette(routes=ROUTES), threshold=threshold, excluded_prefixes=["/api/v1/auth"])


async def raw_get(path: str, accept_encoding: str | None, method: str = "GET"):
    """The response with its body NOT decoded by httpx."""
    headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
    async with client_for(make_app()) as client:
        request = client.build_request(method, path, headers=headers)
        if accept_encoding is None:
            request.headers.pop("accept-encoding", None)
        response = await client.send(request, stream=True)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
    return response, raw


@pytest.mark.parametrize(("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
async def test_each_coding_decodes_to_the_identical_body(coding, decode):
    response, raw = await raw_get("/big", coding)
    assert response.headers["content-encoding"] == coding
    assert int(response.headers["content-length"]) == len(raw) < len(BIG)
    assert decode(raw) == BIG
    assert response.headers["vary"] == "Accept-Encoding"


async def test_br_is_preferred_on_a_tie():
    response, _ = await raw_get("/big", "gzip, deflate, br")
    assert response.headers["content-encoding"] == "br"


async def test_without_accept_encoding_nothing_is_compressed_but_vary_is_set():
    response, raw = await raw_get("/big", None)
    assert "content-encoding" not in response.headers
    assert raw == BIG
    assert response.headers["vary"] == "Accept-Encoding"


async def test_small_bodies_stay_plain_and_the_threshold_itself_compresses():
    small_response, small_raw = await raw_get("/small", "gzip")
    exact_response, _ = await raw_get("/exact", "gzip")
    assert "content-encoding" not in small_response.headers
    assert small_raw == SMALL
    assert small_response.headers["vary"] == "Accept-Encoding"
    assert exact_response.headers["content-encoding"] == "gzip"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("gzip;q=0", None),
        ("gzip;q=0, br;q=0", None),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, *", "br"),
        ("br;q=0, *;q=0.5", "gzip"),
        ("*;q=0, gzip", "gzip"),
        ("br;q=0.2, gzip;q=0.8", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("", None),
        ("x-gzip", "gzip"),
        ("GZIP;Q=1", "gzip"),
        ("gzip;q=2, br;q=abc", None),
        ("deflate, compress", None),
    ],
)
def test_negotiation_follows_rfc_9110(accept, expected):
    assert negotiate_encoding(accept) == expected


@given(st.text(max_size=60))
def test_negotiation_never_fails_on_garbage(header):
    assert negotiate_encoding(header) in (None, "br", "gzip")


def test_parse_keeps_the_highest_weight_of_a_repeated_coding():
    assert parse_accept_encoding("gzip;q=0.1, gzip;q=0.9") == {"gzip": 0.9}


async def test_gzip_q0_is_respected_over_http():
    response, raw = await raw_get("/big", "gzip;q=0, deflate")
    assert "content-encoding" not in response.headers
    assert raw == BIG


@pytest.mark.parametrize("path", ["/204", "/304"])
async def test_no_compression_without_a_body(path):
    response, raw = await raw_get(path, "gzip, br")
    assert "content-encoding" not in response.headers
    assert raw == b""


async def test_a_304_repeats_vary():
    response, _ = await raw_get("/304", "gzip")
    assert response.headers["vary"] == "Accept-Encoding"


async def test_an_already_encoded_body_is_left_alone():
    response, raw = await raw_get("/encoded", "br")
    assert response.headers.get_list("content-encoding") == ["gzip"]
    assert gzip.decompress(raw) == BIG


async def test_event_streams_are_not_compressed_nor_buffered():
    response, raw = await raw_get("/events", "gzip, br")
    assert "content-encoding" not in response.headers
    assert raw.count(b"data: ") == 10


@pytest.mark.parametrize(("path", "compressed"), [("/png", False), ("/svg", True)])
async def test_compressed_media_types_are_skipped(path, compressed):
    response, _ = await raw_get(path, "gzip")
    assert ("content-encoding" in response.headers) is compressed


async def test_excluded_prefixes_are_never_compressed_nor_vary():
    response, raw = await raw_get("/api/v1/auth/token", "gzip, br")
    assert "content-encoding" not in response.headers
    assert "vary" not in response.headers
    assert b"access_token" in raw


async def test_head_is_not_compressed():
    response, _ = await raw_get("/big", "gzip", method="HEAD")
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize(("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
async def test_streamed_bodies_are_compressed_chunk_by_chunk(coding, decode):
    response, raw = await raw_get("/chunks", coding)
    expected = b"".join(f"chunk {index:03d} ".encode() * 20 for index in range(50))
    assert response.headers["content-encoding"] == coding
    assert "content-length" not in response.headers
    assert decode(raw) == expected


async def test_a_stream_that_stays_small_is_sent_plain():
    response, raw = await raw_get("/tiny", "gzip")
    assert "content-encoding" not in response.headers
    assert raw == b"abc"


async def test_httpx_decodes_transparently():
    async with client_for(make_app()) as client:
        response = await client.get("/big", headers={"Accept-Encoding": "br"})
    assert response.content == BIG


def test_a_negative_threshold_is_refused():
    with pytest.raises(ValueError, match="threshold=-1"):
        CompressionMiddleware(Starlette(), threshold=-1)
