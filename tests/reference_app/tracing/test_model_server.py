"""A draft request: the model server receives ``traceparent`` carrying the request's trace,
its parent being the app's CLIENT span of that call (upstream answered by respx)."""

from __future__ import annotations

import secrets

import httpx
import respx
from opentelemetry.trace import SpanKind

from reference_app.model_server.drafting import draft_summary
from tests.reference_app.conftest import sign_up

from .conftest import MODEL_SERVER_URL, descendants, only_server_span, trace_hex


def _draft(request: httpx.Request) -> httpx.Response:
    body = httpx.Response(200, content=request.content).json()
    return httpx.Response(200, json={"summary": draft_summary(body["title"], body["description"]), "model": "m1"})


async def test_the_model_server_call_carries_the_requests_trace(traced_client, exported):
    user = await sign_up(traced_client)
    created = await traced_client.post(
        "/api/v1/incidents", json={"title": "Disk full", "description": "The disk is full."}, headers=user.headers
    )
    assert created.status_code == 201
    trace_id = secrets.token_hex(16)
    exported.clear()

    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(f"{MODEL_SERVER_URL}/v1/draft").mock(side_effect=_draft)
        drafted = await traced_client.post(
            f"/api/v1/incidents/{created.json()['id']}/draft",
            headers={**user.headers, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        )
    assert drafted.status_code == 200, drafted.text

    (call,) = route.calls
    version, sent_trace_id, sent_parent_id, flags = call.request.headers["traceparent"].split("-")
    assert (version, sent_trace_id, flags) == ("00", trace_id, "01")
    spans = exported.get_finished_spans()
    server = only_server_span(spans, "POST /api/v1/incidents/{incident_id}/draft")
    assert trace_hex(server) == trace_id
    (outgoing,) = [
        span for span in descendants(spans, server) if span.name.startswith("POST") and span.kind is SpanKind.CLIENT
    ]
    assert format(outgoing.context.span_id, "016x") == sent_parent_id
