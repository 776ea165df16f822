"""``APP_TRACING__*``: off by default, read from the environment, a wrong exporter named."""

from __future__ import annotations

import io
import json

import pytest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from pydantic import ValidationError

from reference_app.settings import Settings, build_settings
from reference_app.tracing import build_tracing


def test_tracing_is_off_by_default():
    settings = Settings()
    assert settings.tracing.exporter == "none"
    assert build_tracing(settings) is None


def test_the_exporter_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("APP_TRACING__EXPORTER", "Memory")
    monkeypatch.setenv("APP_TRACING__SAMPLE_RATIO", "0.5")
    settings = build_settings()
    assert settings.tracing.exporter == "memory" and settings.tracing.sample_ratio == 0.5
    tracing = build_tracing(settings)
    assert tracing is not None and isinstance(tracing.exporter, InMemorySpanExporter)
    tracing.shutdown()


def test_an_unknown_exporter_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("APP_TRACING__EXPORTER", "jaeger")
    with pytest.raises(ValidationError) as raised:
        build_settings()
    message = str(raised.value)
    assert "APP_TRACING__EXPORTER has value 'jaeger'" in message
    assert "none, otlp, console, memory" in message and "Example: APP_TRACING__EXPORTER=otlp" in message


def test_the_console_exporter_writes_one_json_line_per_span():
    out = io.StringIO()
    tracing = build_tracing(build_settings({"tracing": {"exporter": "console"}, "service_name": "svc"}), out=out)
    assert tracing is not None and isinstance(tracing.exporter, ConsoleSpanExporter)
    with tracing.tracer.start_as_current_span("one"), tracing.tracer.start_as_current_span("two"):
        pass
    tracing.shutdown()
    lines = out.getvalue().splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["two", "one"]
    assert json.loads(lines[0])["resource"]["attributes"]["service.name"] == "svc"


def test_the_otlp_exporter_takes_the_endpoint():
    settings = build_settings({"tracing": {"exporter": "otlp", "otlp_endpoint": "http://127.0.0.1:4318/v1/traces"}})
    tracing = build_tracing(settings)
    assert tracing is not None
    assert tracing.exporter._endpoint == "http://127.0.0.1:4318/v1/traces"
    tracing.shutdown()  # nothing was recorded: nothing is sent
