"""Prometheus metrics of one app instance (properties 21 and 22) and ``GET /metrics``.

``HttpMetrics`` owns its own ``CollectorRegistry``, never the process-global default:
several apps live in one test process, and each must export only its own counts.

- ``http_requests_total{method,route,status}``: incremented exactly once per request by
  ``MetricsMiddleware``, after the response (or the failure) is known;
- ``http_request_duration_seconds{method,route}``: observed once per request;
- ``cache_operations_total{result}``: ``hit``, ``miss`` or ``error``, one per lookup
  (the cache calls ``cache_hit()`` / ``cache_miss()`` / ``cache_error()``);
- ``db_pool_connections{state}``: read at scrape time from a callback the app sets;
- ``model_server_request_duration_seconds{outcome}``: one observation per upstream call,
  ``success``, ``error``, ``timeout`` or ``circuit_open`` (property 23);
- ``model_server_available``: 1 breaker closed, 0.5 half-open, 0 open;
- ``rate_limit_requests_total{result}``: ``allowed``, ``rejected``, ``fail_open`` or
  ``fail_closed`` (the last two: the limiter's Redis was unavailable).

Label values are bounded: ``route`` is the route TEMPLATE or ``unmatched``
(``routing.route_template``), ``method`` is one of the standard methods or ``OTHER``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.routing import route_template

#: Request latency buckets (seconds): 5 ms to 10 s, dense where API latencies live.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0)
#: Methods kept as label values; anything else (``FOO``) is counted as ``OTHER``.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})
#: The ``result`` label values of ``cache_operations_total``, all exported from zero.
CACHE_RESULTS = ("hit", "miss", "error")

#: Upstream (model server) latency buckets: up to the 30 s retry deadline.
UPSTREAM_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 30.0)
#: The ``outcome`` label values of ``model_server_request_duration_seconds``.
UPSTREAM_OUTCOMES = ("success", "error", "timeout", "circuit_open")
#: The ``result`` label values of ``rate_limit_requests_total``.
RATE_LIMIT_RESULTS = ("allowed", "rejected", "fail_open", "fail_closed")
#: Pre-bound label children kept for the request metrics; raw methods are keys too (an
#: unknown method is bound under ``OTHER``), so the memory is capped rather than trusted.
MAX_BOUND_REQUEST_CHILDREN = 4096

#: Pool state name → current value, e.g. ``{"checked_out": 3, "idle": 7, "overflow": 0}``.
PoolStats = Callable[[], Mapping[str, float]]


class _PoolCollector:
    """Reads the DB pool at scrape time, so the gauges are never stale."""

    def __init__(self) -> None:
        self.callback: PoolStats | None = None

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("db_pool_connections", "Database pool connections by state.", labels=["state"])
        if self.callback is not None:
            for state, value in sorted(self.callback().items()):
                family.add_metric([state], float(value))
        yield family


class HttpMetrics:
    """The metrics of one app instance.

    Example::

        metrics = HttpMetrics()
        metrics.cache_hit()
        body, content_type = metrics.exposition()
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time from request start to the end of the response, by method and route template.",
            ["method", "route"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.cache_operations = Counter(
            "cache_operations_total",
            "Cache lookups by result: hit, miss or error.",
            ["result"],
            registry=self.registry,
        )
        # Export zeros from the start: a rate over a missing series is no rate. The children
        # are kept: a cache lookup (every cached read) then skips ``labels()``.
        self._cache_results = {result: self.cache_operations.labels(result=result) for result in CACHE_RESULTS}
        self._pool = _PoolCollector()
        self.registry.register(self._pool)
        self.upstream_duration = Histogram(
            "model_server_request_duration_seconds",
            "Model server calls (retries included), by outcome: success, error, timeout, circuit_open.",
            ["outcome"],
            buckets=UPSTREAM_BUCKETS,
            registry=self.registry,
        )
        for outcome in UPSTREAM_OUTCOMES:
            self.upstream_duration.labels(outcome=outcome)
        self.upstream_available = Gauge(
            "model_server_available",
            "Model server circuit breaker: 1 closed, 0.5 half-open, 0 open.",
            registry=self.registry,
        )
        self.upstream_available.set(1.0)
        self.rate_limit_requests = Counter(
            "rate_limit_requests",
            "Rate-limited requests by result: allowed, rejected, fail_open, fail_closed.",
            ["result"],
            registry=self.registry,
        )
        self._rate_limit_results = {
            result: self.rate_limit_requests.labels(result=result) for result in RATE_LIMIT_RESULTS
        }
        self._request_children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished request (``MetricsMiddleware`` calls it exactly once)."""
        children = self._request_children.get((method, route, status))
        if children is None:
            # ``labels()`` validates and locks on every call: bind each (method, route,
            # status) once. Bounded like the labels: methods, route templates, statuses.
            label = method if method in KNOWN_METHODS else "OTHER"
            children = (
                self.requests.labels(method=label, route=route, status=str(status)),
                self.duration.labels(method=label, route=route),
            )
            if len(self._request_children) < MAX_BOUND_REQUEST_CHILDREN:
                self._request_children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def cache_hit(self) -> None:
        self._cache_results["hit"].inc()

    def cache_miss(self) -> None:
        self._cache_results["miss"].inc()

    def cache_error(self) -> None:
        self._cache_results["error"].inc()

    def observe_upstream(self, outcome: str, seconds: float) -> None:
        """One model server call ended with ``outcome`` (one of ``UPSTREAM_OUTCOMES``)."""
        self.upstream_duration.labels(outcome=outcome).observe(seconds)

    def set_upstream_availability(self, value: float) -> None:
        self.upstream_available.set(value)

    def rate_limit_result(self, result: str) -> None:
        """Count one rate-limit decision (one of ``RATE_LIMIT_RESULTS``)."""
        child = self._rate_limit_results.get(result)
        (child if child is not None else self.rate_limit_requests.labels(result=result)).inc()

    def set_pool_stats(self, callback: PoolStats | None) -> None:
        """Install the callback read at each scrape for ``db_pool_connections``."""
        self._pool.callback = callback

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text exposition and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def sample(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """The current value of one sample (for tests and health reports), or None."""
        return self.registry.get_sample_value(name, dict(labels) if labels else None)


class MetricsMiddleware:
    """Counts every HTTP request once, by route template, after it finished.

    Example::

        app = MetricsMiddleware(app, metrics=HttpMetrics())
    """

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = str(scope.get("method", "GET"))
        started_at = time.perf_counter()
        # An app that ends (or fails) before answering gets the 500 the outer wrapper sends.
        status = 500

        async def send_observing(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_observing)
        finally:
            self.metrics.observe_request(method, route_template(scope), status, time.perf_counter() - started_at)


class MetricsApp:
    """ASGI app answering ``GET /metrics`` with the exposition text (mount or route it).

    Example::

        app.add_route("/metrics", MetricsApp(metrics), include_in_schema=False)
    """

    def __init__(self, metrics: HttpMetrics) -> None:
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, content_type = self.metrics.exposition()
        headers = [
            (b"content-type", content_type.encode("latin-1")),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
