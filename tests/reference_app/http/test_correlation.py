from __future__ import annotations

import re

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from reference_app.http import problem
from reference_app.http.correlation import (
    CorrelationIdMiddleware,
    accepted_request_id,
    valid_traceparent,
)
from reference_app.http.problem import SERVER_ERROR_DETAIL

from .support import client_for

HEX_ID = re.compile(r"[0-9a-f]{32}")
SEEN: dict[str, object] = {}


async def echo(request: Request) -> Response:
    SEEN["state"] = request.state.correlation_id
    SEEN["contextvar"] = problem.current_correlation_id.get()
    SEEN["structlog"] = structlog.contextvars.get_contextvars().get("correlation_id")
    SEEN["traceparent"] = getattr(request.state, "traceparent", None)
    return JSONResponse({"ok": True})


async def boom(request: Request) -> Response:
    raise RuntimeError("db password is hunter2 at /srv/secret.py")


async def not_modified(request: Request) -> Response:
    return Response(status_code=304, headers={"ETag": '"x"'})


async def half_then_boom(request: Request) -> Response:
    class Broken(Response):
        async def __call__(self, scope, receive, send):  # type: ignore[no-untyped-def]
            await send({"type": "http.response.start", "status": 200, "headers": []})
            raise ValueError("after start")

    return Broken()


ROUTES = [
    Route("/echo", echo),
    Route("/boom", boom),
    Route("/304", not_modified),
    Route("/half", half_then_boom),
]


def make_app() -> CorrelationIdMiddleware:
    # A bare Router: no ServerErrorMiddleware answering before the correlation middleware.
    return CorrelationIdMiddleware(Router(routes=ROUTES))


@pytest.mark.parametrize("incoming", ["abc", "A-b_c.9", "x" * 128])
async def test_a_valid_incoming_id_is_echoed_and_bound(incoming):
    async with client_for(make_app()) as client:
        response = await client.get("/echo", headers={"X-Request-ID": incoming})
    assert response.headers["x-request-id"] == incoming
    assert SEEN["state"] == SEEN["contextvar"] == SEEN["structlog"] == incoming
    # Bindings end with the request.
    assert problem.current_correlation_id.get() is None
    assert "correlation_id" not in structlog.contextvars.get_contextvars()


@pytest.mark.parametrize(
    "incoming",
    ["x" * 129, "has space", "semi;colon", "new\tline", "ünïcode", "a/b", "<script>", ""],
)
async def test_an_invalid_incoming_id_is_replaced_never_reflected(incoming):
    async with client_for(make_app()) as client:
        response = await client.get("/echo", headers={"X-Request-ID": incoming.encode()})
    returned = response.headers["x-request-id"]
    assert HEX_ID.fullmatch(returned)
    assert returned != incoming
    assert SEEN["state"] == returned


@pytest.mark.parametrize("raw", [b"a\x00b", b"a\x7fb", b"\x1b[31mred", b"\xff\xfe", b"x" * 10_000])
def test_control_characters_and_oversized_ids_are_refused(raw):
    assert accepted_request_id(raw) is None


async def test_ids_are_fresh_per_request():
    async with client_for(make_app()) as client:
        ids = {(await client.get("/echo")).headers["x-request-id"] for _ in range(50)}
    assert len(ids) == 50


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [("/nope", "GET", 404), ("/echo", "DELETE", 405), ("/boom", "GET", 500), ("/304", "GET", 304)],
)
async def test_every_response_carries_the_id(path, method, status):
    async with client_for(make_app()) as client:
        response = await client.request(method, path, headers={"X-Request-ID": "req-1"})
    assert response.status_code == status
    assert response.headers.get_list("x-request-id") == ["req-1"]


async def test_an_unhandled_exception_becomes_a_bare_problem_500(log_capture):
    async with client_for(make_app()) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert body["status"] == 500
    assert body["detail"] == SERVER_ERROR_DETAIL
    assert body["correlation_id"] == "req-500"
    assert body["instance"] == "urn:request:req-500"
    for leak in ("RuntimeError", "hunter2", "secret.py", "Traceback", "/boom", "test_correlation"):
        assert leak not in response.text
    # The traceback goes to the log, once.
    [record] = log_capture.records("reference_app.http")
    assert record["level"] == "error"
    assert record["correlation_id"] == "req-500"
    assert "RuntimeError" in record["exception"]


async def test_a_complete_500_from_starlette_is_kept_and_logged_once(log_capture):
    # Starlette's ServerErrorMiddleware answers 500 itself, then re-raises.
    app = CorrelationIdMiddleware(Starlette(routes=ROUTES))
    async with client_for(app) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "s-1"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "s-1"
    [record] = log_capture.records("reference_app.http")
    assert record["response_started"] is True


async def test_a_half_sent_response_is_aborted_not_passed_off_as_complete(log_capture):
    transport = httpx.ASGITransport(app=make_app())  # raises app exceptions
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with pytest.raises(ValueError, match="after start"):
            await client.get("/half")
    [record] = log_capture.records("reference_app.http")
    assert record["response_started"] is True


async def test_an_app_that_never_answers_gets_a_500():
    async def silent(scope, receive, send):
        return None

    async with client_for(CorrelationIdMiddleware(silent)) as client:
        response = await client.get("/", headers={"X-Request-ID": "quiet"})
    assert response.status_code == 500
    assert response.headers["x-request-id"] == "quiet"


async def test_a_valid_traceparent_is_kept_in_state():
    value = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with client_for(make_app()) as client:
        await client.get("/echo", headers={"traceparent": value})
    assert SEEN["traceparent"] == value


@pytest.mark.parametrize(
    "value",
    [
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  # zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  # zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  # forbidden version
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  # upper case
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  # v00 + extra
        "garbage",
    ],
)
def test_invalid_traceparents_are_dropped(value):
    assert valid_traceparent(value.encode()) is None


def test_a_future_traceparent_version_may_carry_more_fields():
    value = b"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever"
    assert valid_traceparent(value) == value.decode()


async def test_other_scope_types_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    await CorrelationIdMiddleware(inner)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]
