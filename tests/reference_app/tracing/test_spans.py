"""Tracing on (in-memory exporter): one server span per request named by its route
template, SQL and Redis spans below it, a caller's W3C trace continued; tracing off adds
no layer at all."""

from __future__ import annotations

import secrets

from opentelemetry.trace import SpanKind, StatusCode

from reference_app.app import create_app
from reference_app.settings import build_settings
from reference_app.tracing import TracingMiddleware
from tests.reference_app.conftest import sign_up

from .conftest import descendants, only_server_span, server_spans, trace_hex

INCIDENT_ROUTE = "GET /api/v1/incidents/{incident_id}"


async def test_a_request_is_a_server_span_by_route_template_with_sql_and_redis_spans_below(traced_client, exported):
    user = await sign_up(traced_client)
    created = await traced_client.post("/api/v1/incidents", json={"title": "Traced"}, headers=user.headers)
    assert created.status_code == 201
    exported.clear()

    incident_id = created.json()["id"]
    read = await traced_client.get(f"/api/v1/incidents/{incident_id}", headers=user.headers)
    assert read.status_code == 200

    spans = exported.get_finished_spans()
    server = only_server_span(spans, INCIDENT_ROUTE)
    assert server.attributes["http.route"] == "/api/v1/incidents/{incident_id}"
    assert server.attributes["http.request.method"] == "GET"
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["app.correlation_id"] == read.headers["x-request-id"]
    assert incident_id not in server.name  # the template, never the raw path
    below = descendants(spans, server)
    systems = {str(span.attributes.get("db.system", span.attributes.get("db.system.name"))) for span in below}
    assert "postgresql" in systems  # the incident (and the caller) read from the database
    assert "redis" in systems  # the cache lookup (and the rate limiter)
    assert all(span.kind is SpanKind.CLIENT for span in below)
    assert {trace_hex(span) for span in below} == {trace_hex(server)}


async def test_an_incoming_traceparent_is_continued(traced_client, exported):
    trace_id, parent_id = secrets.token_hex(16), secrets.token_hex(8)
    response = await traced_client.get("/health/ready", headers={"traceparent": f"00-{trace_id}-{parent_id}-01"})
    assert response.status_code == 200

    server = only_server_span(exported.get_finished_spans(), "GET /health/ready")
    assert trace_hex(server) == trace_id
    assert server.parent is not None and server.parent.is_remote
    assert format(server.parent.span_id, "016x") == parent_id


async def test_a_malformed_traceparent_starts_a_new_trace(traced_client, exported):
    bogus = "00-" + "0" * 32 + "-" + "1" * 16 + "-01"  # all-zero trace id: invalid (W3C §3.2.2.3)
    response = await traced_client.get("/health/live", headers={"traceparent": bogus})
    assert response.status_code == 200
    server = only_server_span(exported.get_finished_spans(), "GET /health/live")
    assert server.parent is None
    assert trace_hex(server) != "0" * 32


async def test_an_unmatched_path_is_named_by_its_method_only(traced_client, exported):
    path = f"/no-such-{secrets.token_hex(4)}"
    response = await traced_client.get(path)
    assert response.status_code == 404

    (server,) = server_spans(exported.get_finished_spans())
    assert server.name == "GET"
    assert "http.route" not in server.attributes
    assert server.attributes["http.response.status_code"] == 404
    assert server.status.status_code is StatusCode.UNSET  # a 4xx is the caller's error


def test_tracing_off_adds_no_layer_and_no_provider(settings_overrides):
    app = create_app(build_settings(settings_overrides))
    assert app.state.tracing is None
    assert all(layer.cls is not TracingMiddleware for layer in app.user_middleware)


def test_tracing_on_is_the_outermost_layer(traced_app):
    assert traced_app.user_middleware[0].cls is TracingMiddleware
