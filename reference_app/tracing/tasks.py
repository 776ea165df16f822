"""Trace context across the broker: the API puts ``traceparent`` into a task's message
headers, the worker continues that trace with one CONSUMER span per attempt.

>>> headers = {"request_id": correlation_id}; add_trace_headers(headers)   # API side
>>> with task_span(tracing, "reference_app.export", request.headers, task_id): ...  # worker

Both ends are no-ops without tracing: no active span means nothing is injected, and a
worker without a :class:`Tracing` opens no span.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import SpanKind

from reference_app.tracing.provider import Tracing


def add_trace_headers(headers: MutableMapping[str, Any]) -> None:
    """Add ``traceparent`` (and ``tracestate``) of the active span to a message's headers."""
    propagate.inject(headers)


def _text_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    return {str(key): value for key, value in (headers or {}).items() if isinstance(value, str)}


@contextmanager
def task_span(
    tracing: Tracing | None, task_name: str, headers: Mapping[str, Any] | None, task_id: str
) -> Iterator[None]:
    """One attempt of a task as a CONSUMER span, child of the ``traceparent`` it carries."""
    if tracing is None:
        yield
        return
    parent = propagate.extract(_text_headers(headers))
    attributes = {"messaging.system": "celery", "messaging.operation.type": "process", "messaging.message.id": task_id}
    with tracing.tracer.start_as_current_span(
        f"process {task_name}", context=parent, kind=SpanKind.CONSUMER, attributes=attributes
    ):
        yield
