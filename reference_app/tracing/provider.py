"""``build_tracing(settings)``: one TracerProvider per app or worker, and what it instruments.

>>> tracing = build_tracing(settings)            # None when APP_TRACING__EXPORTER=none
>>> tracing.instrument_engine(engine); tracing.instrument_redis(redis)
>>> client = httpx.AsyncClient(transport=tracing.http_transport(httpx.AsyncHTTPTransport()))
>>> tracing.shutdown()                           # flushes the exporter

Everything is per instance, never global: the provider is not installed as OpenTelemetry's
global one and no library is monkey-patched, so two apps in one process (tests) trace
independently and an app with tracing off has nothing in its request path. Propagation
uses OpenTelemetry's global propagator (W3C ``traceparent`` unless ``OTEL_PROPAGATORS``
says otherwise).
"""

from __future__ import annotations

import sys
from typing import TextIO

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.httpx import AsyncOpenTelemetryTransport
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from reference_app.settings import Settings, TracingSettings

#: Instrumentation scope of the spans the app makes itself (server and task spans).
TRACER_NAME = "reference_app"
#: No metrics from the instrumentations: the app's Prometheus metrics already count these.
_NO_METRICS = NoOpMeterProvider()


class Tracing:
    """A TracerProvider with one exporter, and the instrumentation of the app's clients."""

    def __init__(self, provider: TracerProvider, exporter: SpanExporter) -> None:
        self.provider = provider
        #: The exporter spans go to (tests read an :class:`InMemorySpanExporter`'s spans).
        self.exporter = exporter
        self.tracer = provider.get_tracer(TRACER_NAME)
        self._shut_down = False

    def instrument_engine(self, engine: AsyncEngine | Engine) -> None:
        """One CLIENT span per statement on ``engine`` (its event listeners; no global patch).

        ``EngineTracer`` is what ``SQLAlchemyInstrumentor().instrument(engine=...)`` builds;
        the instrumentor itself is a process-wide singleton that also patches
        ``create_engine`` everywhere, so it cannot give two apps two providers.
        """
        sync_engine = engine.sync_engine if isinstance(engine, AsyncEngine) else engine
        counter = _NO_METRICS.get_meter(TRACER_NAME).create_up_down_counter("db.client.connections.usage")
        tracer = self.provider.get_tracer("opentelemetry.instrumentation.sqlalchemy")
        EngineTracer(tracer, sync_engine, counter)  # type: ignore[no-untyped-call]  # registers listeners

    def instrument_redis(self, client: Redis | SyncRedis) -> None:
        """One CLIENT span per command (and pipeline) of this client only."""
        RedisInstrumentor.instrument_client(client, tracer_provider=self.provider)

    def http_transport(self, inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        """``inner`` with one CLIENT span per request, and ``traceparent`` injected into it."""
        return AsyncOpenTelemetryTransport(inner, tracer_provider=self.provider, meter_provider=_NO_METRICS)

    def shutdown(self) -> None:
        """Flush pending spans and stop the exporter (end of the lifespan or the worker); once."""
        if not self._shut_down:
            self._shut_down = True
            self.provider.shutdown()


def _one_line(span: ReadableSpan) -> str:
    # One JSON object per line, like the app's logs: readable by line-oriented tools.
    return str(span.to_json(indent=None)) + "\n"


def _exporter(settings: TracingSettings, out: TextIO) -> tuple[SpanExporter, SpanProcessor]:
    if settings.exporter == "otlp":
        otlp = OTLPSpanExporter(endpoint=settings.otlp_endpoint) if settings.otlp_endpoint else OTLPSpanExporter()
        return otlp, BatchSpanProcessor(otlp)  # network export off the request path
    exporter: SpanExporter
    if settings.exporter == "console":
        exporter = ConsoleSpanExporter(out=out, formatter=_one_line)
    else:
        exporter = InMemorySpanExporter()
    # Synchronous: a span is visible (printed, or in memory) the moment it ends.
    return exporter, SimpleSpanProcessor(exporter)


def build_tracing(settings: Settings, *, out: TextIO | None = None) -> Tracing | None:
    """The app's (or worker's) tracing from ``settings.tracing``; None when the exporter is ``none``.

    ``out`` is where the ``console`` exporter writes (default: stdout).
    """
    config = settings.tracing
    if not config.enabled:
        return None
    exporter, processor = _exporter(config, out if out is not None else sys.stdout)
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: settings.service_name}),
        # A caller's sampling decision (the traceparent flag) wins; new traces by ratio.
        sampler=ParentBased(TraceIdRatioBased(config.sample_ratio)),
    )
    provider.add_span_processor(processor)
    return Tracing(provider, exporter)
