from __future__ import annotations

import io
import json
import logging
import re

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, Router

from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.log_config import configure_logging, render_json
from reference_app.http.redaction import REDACTED

from .support import client_for

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
REQUIRED = ("timestamp", "level", "service", "event", "correlation_id")


async def logs_something(request: Request) -> Response:
    structlog.stdlib.get_logger("reference_app.test").info("inside", n=1)
    logging.getLogger("some.library").warning("stdlib %s", "inside")
    return JSONResponse({})


def test_every_line_is_one_json_object_with_the_required_fields(log_capture):
    structlog.stdlib.get_logger("reference_app.test").info("hello", user_id=7)
    logging.getLogger("uvicorn.error").info("started on %s", "0.0.0.0:8000", extra={"color_message": "\x1b[1m"})
    records = log_capture.records()
    assert len(records) == len(log_capture.lines) == 2
    for record in records:
        for field in REQUIRED:
            assert field in record, field
        assert TIMESTAMP.fullmatch(record["timestamp"])
        assert record["service"] == "test-service"
        assert record["correlation_id"] is None  # outside a request
    assert records[0]["event"] == "hello"
    assert records[0]["level"] == "info"
    assert records[0]["user_id"] == 7
    assert records[1]["event"] == "started on 0.0.0.0:8000"
    assert records[1]["logger"] == "uvicorn.error"
    assert "color_message" not in records[1]


async def test_records_inside_a_request_carry_its_correlation_id(log_capture):
    app = CorrelationIdMiddleware(Router(routes=[Route("/", logs_something)]))
    async with client_for(app) as client:
        await client.get("/", headers={"X-Request-ID": "trace-me"})
    inside = [r for r in log_capture.records() if "inside" in r["event"]]
    assert len(inside) == 2
    assert {r["correlation_id"] for r in inside} == {"trace-me"}


def test_secrets_are_redacted_from_structlog_stdlib_and_context(log_capture):
    structlog.contextvars.bind_contextvars(api_key="ctx-secret")
    try:
        structlog.stdlib.get_logger("t").info("login", password="pw-secret", headers={"Cookie": "c-secret"})
    finally:
        structlog.contextvars.unbind_contextvars("api_key")
    logging.getLogger("t2").info("token %s", "Bearer std-secret", extra={"client_secret": "extra-secret"})
    text = log_capture.stream.getvalue()
    for secret in ("ctx-secret", "pw-secret", "c-secret", "std-secret", "extra-secret"):
        assert secret not in text
    records = log_capture.records()
    assert records[0]["password"] == REDACTED
    assert records[1]["client_secret"] == REDACTED


def test_exceptions_keep_their_traceback_in_the_log_only(log_capture):
    try:
        raise ValueError("with access_token=abc123")
    except ValueError:
        structlog.stdlib.get_logger("t").exception("failed")
    [record] = log_capture.records()
    assert record["level"] == "error"
    assert "Traceback" in record["exception"]
    assert "ValueError" in record["exception"]
    assert "abc123" not in record["exception"]


def test_odd_values_still_give_valid_json(log_capture):
    structlog.stdlib.get_logger("t").info(
        "odd\nmulti-line",
        nan=float("nan"),
        huge=2**80,
        obj=object(),
        raw=b"\xff\xfe",
        nested={1: {"x": (1, 2)}},
    )
    assert len(log_capture.lines) == 1
    record = log_capture.records()[0]
    assert record["event"] == "odd\nmulti-line"
    assert record["huge"] == str(2**80)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=st.text(),
    fields=st.dictionaries(
        st.text(min_size=1).filter(lambda k: k not in {"event", "level", "exc_info", "stack_info"}),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
            max_leaves=10,
        ),
        max_size=4,
    ),
)
def test_any_record_is_one_json_line(log_capture, event, fields):
    before = len(log_capture.lines)
    structlog.stdlib.get_logger("hypothesis-test").warning(event, **fields)
    new = log_capture.lines[before:]
    records = [json.loads(line) for line in new]  # every line parses
    assert [r["logger"] for r in records].count("hypothesis-test") == 1
    assert all(isinstance(r, dict) for r in records)


def test_levels_filter_and_reconfiguring_does_not_stack_handlers(log_capture):
    stream = io.StringIO()
    configure_logging("svc", "warning", stream)
    structlog.stdlib.get_logger("t").info("dropped")
    structlog.stdlib.get_logger("t").warning("kept")
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["kept"]
    assert log_capture.lines == []  # the first handler was replaced, not kept


def test_an_unknown_level_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"'LOUD'.*DEBUG, INFO"):
        configure_logging("svc", "LOUD", io.StringIO())


def test_unicode_line_breaks_are_escaped(log_capture):
    structlog.stdlib.get_logger("t").info("a\u2028b\x85c\u2029d\x1ce")
    assert len(log_capture.lines) == 1
    assert log_capture.records()[0]["event"] == "a\u2028b\x85c\u2029d\x1ce"


def test_render_json_never_fails():
    assert json.loads(render_json({"a": float("inf"), "b": 2**70, 3: "x"})) == {"a": "inf", "b": str(2**70), "3": "x"}
