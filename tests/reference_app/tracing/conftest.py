"""A reference app with tracing on and the in-memory exporter, and helpers to read its spans."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator, Sequence

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from reference_app.app import create_app
from reference_app.settings import build_settings

#: The model server's address for the traced app: answered by respx, never a socket.
MODEL_SERVER_URL = "http://model.test"


@pytest.fixture(scope="module")
def traced_queue() -> str:
    """The Celery queue of the traced app (and of the traced worker), its own per module."""
    return f"q-traced-{secrets.token_hex(4)}"


@pytest.fixture(scope="module")
async def traced_app(settings_overrides, migrated, traced_queue) -> AsyncIterator[FastAPI]:
    settings = build_settings(
        {
            **settings_overrides,
            "tracing": {"exporter": "memory"},
            "model_server_url": MODEL_SERVER_URL,
            "tasks": {"queue": traced_queue},
        }
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
def exported(traced_app: FastAPI) -> Iterator[InMemorySpanExporter]:
    """The traced app's exporter, emptied before the test."""
    exporter = traced_app.state.tracing.exporter
    assert isinstance(exporter, InMemorySpanExporter)
    exporter.clear()
    yield exporter


@pytest.fixture
async def traced_client(traced_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=traced_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def server_spans(spans: Sequence[ReadableSpan]) -> list[ReadableSpan]:
    return [span for span in spans if span.kind is SpanKind.SERVER]


def only_server_span(spans: Sequence[ReadableSpan], name: str) -> ReadableSpan:
    matching = [span for span in server_spans(spans) if span.name == name]
    assert len(matching) == 1, [span.name for span in server_spans(spans)]
    return matching[0]


def descendants(spans: Sequence[ReadableSpan], root: ReadableSpan) -> list[ReadableSpan]:
    """Spans below ``root`` (children, their children...), by parent links."""
    below: list[ReadableSpan] = []
    frontier = {root.context.span_id}
    remaining = [span for span in spans if span is not root]
    while frontier:
        children = [span for span in remaining if span.parent is not None and span.parent.span_id in frontier]
        below.extend(children)
        remaining = [span for span in remaining if span not in children]
        frontier = {span.context.span_id for span in children}
    return below


def trace_hex(span: ReadableSpan) -> str:
    return format(span.context.trace_id, "032x")
