from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.metrics import HttpMetrics
from reference_app.http.problem import problem_response, problem_type
from reference_app.http.stack import install, wrap

from .support import client_for

ACCESS = "reference_app.access"


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def item(request: Request) -> Response:
    if request.path_params["item_id"] == "0":
        return problem_response(404, "Not Found", type_=problem_type("incident-not-found"))
    return JSONResponse({"id": request.path_params["item_id"]})


async def conflict(request: Request) -> Response:
    return problem_response(409, "Conflict", type_=problem_type("conflict"))


async def plain_error(request: Request) -> Response:
    return Response("teapot", status_code=418)


async def unavailable(request: Request) -> Response:
    return problem_response(503, "Service Unavailable", type_=problem_type("breaker-open"))


async def boom(request: Request) -> Response:
    raise RuntimeError("kaput")


ROUTES = [
    Route("/ok", ok),
    Route("/items/{item_id}", item),
    Route("/conflict", conflict, methods=["POST"]),
    Route("/teapot", plain_error),
    Route("/unavailable", unavailable),
    Route("/boom", boom),
]


def make_app(log_success: bool = False):
    return CorrelationIdMiddleware(AccessLogMiddleware(Router(routes=ROUTES), log_success=log_success))


@pytest.mark.parametrize(
    ("method", "path", "status", "level", "route", "error_type"),
    [
        ("GET", "/items/0", 404, "warning", "/items/{item_id}", problem_type("incident-not-found")),
        ("POST", "/conflict", 409, "warning", "/conflict", problem_type("conflict")),
        ("GET", "/conflict", 405, "warning", "/conflict", "unknown"),
        ("GET", "/no/such/path", 404, "warning", "unmatched", "unknown"),
        ("GET", "/teapot", 418, "warning", "/teapot", "unknown"),
        ("GET", "/unavailable", 503, "error", "/unavailable", problem_type("breaker-open")),
        ("GET", "/boom", 500, "error", "/boom", "about:blank"),
    ],
)
async def test_each_error_response_is_logged_exactly_once(log_capture, method, path, status, level, route, error_type):
    async with client_for(make_app()) as client:
        response = await client.request(method, path, headers={"X-Request-ID": "err-1"})
    assert response.status_code == status
    records = [r for r in log_capture.records() if r["logger"].startswith("reference_app")]
    assert len(records) == 1, records
    [record] = records
    assert record["level"] == level
    assert record["status"] == status
    assert record["method"] == method
    assert record["route"] == route
    assert record["error_type"] == error_type
    assert record["correlation_id"] == "err-1"


async def test_the_unhandled_exception_record_has_the_traceback(log_capture):
    async with client_for(make_app()) as client:
        await client.get("/boom")
    [record] = log_capture.records(ACCESS)
    assert "RuntimeError: kaput" in record["exception"]


async def test_successes_are_silent_unless_enabled(log_capture):
    async with client_for(make_app()) as client:
        await client.get("/ok")
    assert log_capture.records(ACCESS) == []
    async with client_for(make_app(log_success=True)) as client:
        await client.get("/items/5")
    [record] = log_capture.records(ACCESS)
    assert record["level"] == "info"
    assert record["route"] == "/items/{item_id}"
    assert "error_type" not in record
    assert record["duration_ms"] >= 0


def fastapi_app() -> FastAPI:
    router = APIRouter(prefix="/incidents")

    @router.get("/{incident_id}")
    async def get_incident(incident_id: int) -> dict[str, int]:
        if incident_id == 0:
            raise HTTPException(404)
        if incident_id == 500:
            raise RuntimeError("database password=hunter2 exploded")
        return {"id": incident_id}

    app = FastAPI()
    app.include_router(router, prefix="/api/v1")

    # The real app's 500 handler (FastAPI runs it in ServerErrorMiddleware, then re-raises).
    async def on_error(request: Request, exc: Exception) -> Response:
        return problem_response(500, "Internal Server Error")

    app.add_exception_handler(Exception, on_error)
    return app


@pytest.mark.parametrize("assembly", ["wrap", "install"])
@pytest.mark.parametrize(
    ("path", "status"), [("/api/v1/incidents/0", 404), ("/api/v1/incidents/500", 500), ("/api/v1/incidents/x", 422)]
)
async def test_one_record_per_error_in_the_full_stack(log_capture, assembly, path, status):
    app = fastapi_app()
    if assembly == "wrap":
        asgi = wrap(app, cors_origins=[], metrics=HttpMetrics())
    else:
        install(app, cors_origins=[], metrics=HttpMetrics())
        asgi = app
    async with client_for(asgi) as client:
        response = await client.get(path)
    assert response.status_code == status
    assert response.headers["x-request-id"]
    records = [r for r in log_capture.records() if r["logger"].startswith("reference_app")]
    assert len(records) == 1, records
    assert records[0]["route"] == "/api/v1/incidents/{incident_id}"
    assert records[0]["correlation_id"] == response.headers["x-request-id"]
    assert "hunter2" not in log_capture.stream.getvalue()
    assert "hunter2" not in response.text


async def test_other_scope_types_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    await AccessLogMiddleware(inner)({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]
