from __future__ import annotations

import secrets

from fastapi import APIRouter, FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, Router

from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.metrics import HttpMetrics, MetricsApp, MetricsMiddleware
from reference_app.http.stack import wrap

from .support import client_for


async def item(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["item_id"]})


async def boom(request: Request) -> Response:
    raise RuntimeError("x")


def route_labels(metrics: HttpMetrics) -> set[str]:
    return {
        sample.labels["route"]
        for family in metrics.registry.collect()
        if family.name == "http_requests"
        for sample in family.samples
        if sample.name == "http_requests_total"
    }


def requests_total(metrics: HttpMetrics, method: str, route: str, status: str) -> float:
    return metrics.sample("http_requests_total", {"method": method, "route": route, "status": status}) or 0.0


async def test_each_request_counts_once_under_its_route_template():
    metrics = HttpMetrics()
    app = MetricsMiddleware(Starlette(routes=[Route("/items/{item_id}", item)]), metrics=metrics)
    async with client_for(app) as client:
        for item_id in range(5):
            await client.get(f"/items/{item_id}")
        await client.post("/items/1")
    assert requests_total(metrics, "GET", "/items/{item_id}", "200") == 5
    assert requests_total(metrics, "POST", "/items/{item_id}", "405") == 1
    assert metrics.sample("http_request_duration_seconds_count", {"method": "GET", "route": "/items/{item_id}"}) == 5
    assert route_labels(metrics) == {"/items/{item_id}"}


async def test_fastapi_included_routers_give_the_full_template():
    router = APIRouter(prefix="/incidents")

    @router.get("/{incident_id}")
    async def get_incident(incident_id: int) -> dict[str, int]:
        return {"id": incident_id}

    api = APIRouter(prefix="/api/v1")
    api.include_router(router)
    app = FastAPI()
    app.include_router(api)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "pass"}

    metrics = HttpMetrics()
    async with client_for(MetricsMiddleware(app, metrics=metrics)) as client:
        await client.get("/api/v1/incidents/3")
        await client.get("/api/v1/incidents/not-a-number")
        await client.get("/health/live")
    assert requests_total(metrics, "GET", "/api/v1/incidents/{incident_id}", "200") == 1
    assert requests_total(metrics, "GET", "/api/v1/incidents/{incident_id}", "422") == 1
    assert requests_total(metrics, "GET", "/health/live", "200") == 1


async def test_mounted_apps_keep_their_prefix():
    inner = Router(routes=[Route("/items/{item_id}", item)])
    static = PlainTextResponse("static")
    app = Starlette(routes=[Mount("/v2", app=inner), Mount("/static", app=static)])
    metrics = HttpMetrics()
    async with client_for(MetricsMiddleware(app, metrics=metrics)) as client:
        await client.get("/v2/items/9")
        await client.get("/static/a/b.css")
    assert route_labels(metrics) == {"/v2/items/{item_id}", "/static/{path}"}


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(paths=st.lists(st.text(alphabet="abcdefghij0123456789-_.~%/", min_size=1, max_size=30), min_size=1, max_size=10))
async def test_random_paths_share_one_label_value(paths):
    metrics = HttpMetrics()
    app = MetricsMiddleware(Starlette(routes=[Route("/items/{item_id}", item)]), metrics=metrics)
    async with client_for(app) as client:
        for path in paths:
            await client.get("/zz/" + path)
        await client.get(f"/{secrets.token_hex(8)}")
    assert route_labels(metrics) == {"unmatched"}
    assert requests_total(metrics, "GET", "unmatched", "404") == len(paths) + 1


async def test_unknown_methods_share_one_label_value():
    metrics = HttpMetrics()
    app = MetricsMiddleware(Starlette(routes=[Route("/items/{item_id}", item)]), metrics=metrics)
    async with client_for(app) as client:
        await client.request("FOO", "/items/1")
        await client.request("BAR", "/items/1")
    assert requests_total(metrics, "OTHER", "/items/{item_id}", "405") == 2


async def test_an_unhandled_exception_counts_once_as_500():
    metrics = HttpMetrics()
    app = CorrelationIdMiddleware(MetricsMiddleware(Router(routes=[Route("/boom", boom)]), metrics=metrics))
    async with client_for(app) as client:
        response = await client.get("/boom")
    assert response.status_code == 500
    assert requests_total(metrics, "GET", "/boom", "500") == 1


async def test_304_preflight_and_errors_count_in_the_full_stack():
    async def cached(request: Request) -> Response:
        return JSONResponse({"a": 1}, headers={"Cache-Control": "max-age=60"})

    metrics = HttpMetrics()
    app = wrap(Router(routes=[Route("/c", cached)]), cors_origins=["https://a.example"], metrics=metrics)
    async with client_for(app) as client:
        etag = (await client.get("/c")).headers["etag"]
        await client.get("/c", headers={"If-None-Match": etag})
        await client.options("/c", headers={"Origin": "https://a.example", "Access-Control-Request-Method": "GET"})
    assert requests_total(metrics, "GET", "/c", "200") == 1
    assert requests_total(metrics, "GET", "/c", "304") == 1
    assert requests_total(metrics, "OPTIONS", "unmatched", "204") == 1


def test_cache_counters_start_at_zero_and_count_each_operation():
    metrics = HttpMetrics()
    assert [metrics.sample("cache_operations_total", {"result": r}) for r in ("hit", "miss", "error")] == [0, 0, 0]
    for _ in range(3):
        metrics.cache_hit()
    metrics.cache_miss()
    metrics.cache_error()
    metrics.cache_error()
    assert [metrics.sample("cache_operations_total", {"result": r}) for r in ("hit", "miss", "error")] == [3, 1, 2]


def test_pool_gauges_are_read_at_scrape_time():
    metrics = HttpMetrics()
    stats = {"checked_out": 1.0, "idle": 4.0}
    metrics.set_pool_stats(lambda: stats)
    assert metrics.sample("db_pool_connections", {"state": "checked_out"}) == 1.0
    stats["checked_out"] = 3.0
    assert metrics.sample("db_pool_connections", {"state": "checked_out"}) == 3.0
    metrics.set_pool_stats(None)
    assert metrics.sample("db_pool_connections", {"state": "idle"}) is None


def test_each_instance_has_its_own_registry():
    one, two = HttpMetrics(), HttpMetrics()
    one.cache_hit()
    assert one.sample("cache_operations_total", {"result": "hit"}) == 1
    assert two.sample("cache_operations_total", {"result": "hit"}) == 0


async def test_the_metrics_endpoint_serves_the_exposition():
    metrics = HttpMetrics()
    metrics.cache_miss()
    app = Starlette(routes=[Route("/metrics", MetricsApp(metrics), methods=["GET"])])
    async with client_for(MetricsMiddleware(app, metrics=metrics)) as client:
        await client.get("/metrics")
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cache-control"] == "no-store"
    assert 'cache_operations_total{result="miss"} 1.0' in response.text
    assert 'http_requests_total{method="GET",route="/metrics",status="200"} 1.0' in response.text
    assert "# TYPE http_request_duration_seconds histogram" in response.text


async def test_other_scope_types_pass_through():
    seen = []

    async def inner(scope, receive, send):
        seen.append(scope["type"])

    await MetricsMiddleware(inner, metrics=HttpMetrics())({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    assert seen == ["lifespan"]
