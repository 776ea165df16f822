"""21 (component) fails on request metrics with one rule broken (the reference, mutated)."""

from __future__ import annotations

import time

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from properties.component.request_metrics import check_request_metrics
from reference_app.http.metrics import HttpMetrics
from reference_app.http.request_metrics_component import RequestMetricsComponent
from tests.properties.shrinking import no_shrinking


class RawPathMiddleware:
    """The reference middleware's counting, but labelled by the raw path."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status = 500
        started_at = time.perf_counter()

        async def send_observing(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observing)
        finally:
            self.metrics.observe_request(scope["method"], scope["path"], status, time.perf_counter() - started_at)


class RawPathMetrics(RequestMetricsComponent):
    def wrap(self, app: ASGIApp) -> ASGIApp:
        return RawPathMiddleware(app, metrics=self.metrics)


class DoubleCountingOnErrors(HttpMetrics):
    """Counts a 5xx twice (e.g. once in the error handler and once in the middleware)."""

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        super().observe_request(method, route, status, seconds)
        if status >= 500:
            super().observe_request(method, route, status, seconds)


def test_the_property_holds_on_the_reference_middleware() -> None:
    check_request_metrics(RequestMetricsComponent)


@pytest.mark.mutant(21)
def test_metrics_fail_when_the_raw_path_is_the_route_label() -> None:
    with no_shrinking(), pytest.raises(AssertionError, match=r"raw paths as labels|expected exactly"):
        check_request_metrics(RawPathMetrics)


@pytest.mark.mutant(21)
def test_metrics_fail_when_errors_are_counted_twice() -> None:
    with no_shrinking(), pytest.raises(AssertionError, match=r"'500'\): 2"):
        check_request_metrics(lambda: RequestMetricsComponent(DoubleCountingOnErrors()))
