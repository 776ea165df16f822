"""The request metrics as a component (property 21, component level).

``build()`` (the default ``[components] request_metrics``) gives a fresh ``HttpMetrics``
and wraps any ASGI app in the app's own ``MetricsMiddleware``; ``exposition()`` is the
Prometheus text ``GET /metrics`` would serve.

>>> component = build()
>>> app = component.wrap(inner_app)
"""

from __future__ import annotations

from starlette.types import ASGIApp

from reference_app.http.metrics import HttpMetrics, MetricsMiddleware


class RequestMetricsComponent:
    def __init__(self, metrics: HttpMetrics | None = None) -> None:
        self.metrics = metrics if metrics is not None else HttpMetrics()

    def wrap(self, app: ASGIApp) -> ASGIApp:
        return MetricsMiddleware(app, metrics=self.metrics)

    def exposition(self) -> str:
        body, _content_type = self.metrics.exposition()
        return body.decode("utf-8")


def build() -> RequestMetricsComponent:
    return RequestMetricsComponent()
