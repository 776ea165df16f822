"""``TracingMiddleware``: one SERVER span per request, continuing the caller's W3C trace.

Pure ASGI and OUTERMOST (outside the correlation id layer), so the span covers every
other layer, their 304/429 answers and the last-resort 500. Added only when tracing is
on: with tracing off the app has no such layer at all.

The span is named ``{method} {route template}`` once the router ran (``GET
/api/v1/incidents/{incident_id}``; just ``GET`` when no route matched), never by the raw
path: raw paths would make unbounded span names. Attributes follow the HTTP semantic
conventions (``http.request.method``, ``http.route``, ``http.response.status_code``,
``url.path``); a 5xx marks the span as an error. The request's correlation id is
recorded as ``app.correlation_id`` to join traces with log lines.
"""

from __future__ import annotations

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.routing import UNMATCHED_ROUTE, route_template

#: Lowest status that marks a server span as failed (4xx is the caller's error: semconv).
SERVER_ERROR_STATUS = 500


def _carrier(scope: Scope) -> dict[str, str]:
    """Request headers for the propagator (``traceparent``, ``tracestate``, ``baggage``)."""
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope.get("headers", [])}


class TracingMiddleware:
    def __init__(self, app: ASGIApp, *, tracer: Tracer) -> None:
        self.app = app
        self.tracer = tracer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET")) if scope["type"] == "http" else "WEBSOCKET"
        parent = propagate.extract(_carrier(scope))
        attributes = {"http.request.method": method, "url.path": str(scope.get("path", "")), "url.scheme": "http"}
        with self.tracer.start_as_current_span(
            method, context=parent, kind=SpanKind.SERVER, attributes=attributes
        ) as span:
            status_code = 0

            async def traced_send(message: Message) -> None:
                nonlocal status_code
                if message["type"] == "http.response.start":
                    status_code = int(message["status"])
                await send(message)

            try:
                await self.app(scope, receive, traced_send)
            finally:
                template = route_template(scope)
                if template != UNMATCHED_ROUTE:
                    span.update_name(f"{method} {template}")
                    span.set_attribute("http.route", template)
                correlation_id = scope.get("state", {}).get("correlation_id")
                if isinstance(correlation_id, str):
                    span.set_attribute("app.correlation_id", correlation_id)
                if status_code:
                    span.set_attribute("http.response.status_code", status_code)
                    if status_code >= SERVER_ERROR_STATUS:
                        span.set_status(Status(StatusCode.ERROR))
