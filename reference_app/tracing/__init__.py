"""OpenTelemetry tracing of the reference app: off by default (``APP_TRACING__EXPORTER``).

When on, spans cover each incoming request (``TracingMiddleware``, continuing a W3C
``traceparent``), each SQL statement, each Redis command, each call to the model server
(which receives ``traceparent``) and each attempt of a background task (the message
carries ``traceparent``; the worker continues the trace). When off, none of it exists:
no middleware layer, no instrumented client.

- ``provider``: ``build_tracing(settings)`` → :class:`Tracing` (provider, exporter, instrumentation)
- ``middleware``: :class:`TracingMiddleware`, the server span
- ``tasks``: trace headers of Celery messages, and the worker's task span
"""

from reference_app.tracing.middleware import TracingMiddleware
from reference_app.tracing.provider import Tracing, build_tracing
from reference_app.tracing.tasks import add_trace_headers, task_span

__all__ = ["Tracing", "TracingMiddleware", "add_trace_headers", "build_tracing", "task_span"]
