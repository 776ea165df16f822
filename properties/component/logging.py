"""33: every log line is one JSON object; 34: every record has ``timestamp`` (ISO-8601,
UTC), ``level``, ``service``, ``event``, and ``correlation_id`` inside a request.

Hypothesis logs random records through the configured :class:`LogConfigurator`: its
structured loggers and the standard library's ``logging`` (the app's dependencies log
that way), inside and outside a request context, with awkward messages and values.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from hypothesis import given
from hypothesis import strategies as st

from gauntlet.components.protocols import LogConfigurator

SERVICE = "gauntlet-props"
LEVELS = ("debug", "info", "warning", "error")
#: ISO-8601 date-time with a UTC designator (``Z`` or ``+00:00``).
ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)")
REQUIRED = ("timestamp", "level", "service", "event")

#: Text a log message may hold: any unicode, line breaks and separators included.
messages = st.text(min_size=1, max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)
field_names = st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).filter(
    lambda name: name not in {"event", "level", "timestamp", "service", "correlation_id", "logger", "exc_info"}
)


@dataclass(frozen=True)
class Record:
    via: str  # "structured" or "stdlib"
    level: str
    message: str
    fields: dict[str, Any] = field(default_factory=dict)
    correlation_id: str | None = None
    with_exception: bool = False


records = st.builds(
    Record,
    via=st.sampled_from(["structured", "stdlib"]),
    level=st.sampled_from(LEVELS),
    message=messages,
    fields=st.dictionaries(field_names, json_values, max_size=4),
    correlation_id=st.one_of(st.none(), st.from_regex(r"[a-f0-9]{32}", fullmatch=True)),
    with_exception=st.booleans(),
)


@contextmanager
def isolated_logging() -> Iterator[None]:
    """Restore the root logger and structlog's configuration after the component changed them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    structlog_config = structlog.get_config()
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        structlog.configure(**structlog_config)


def emit(component: LogConfigurator, record: Record) -> None:
    context = component.request_context(record.correlation_id) if record.correlation_id else nullcontext()
    with context:
        try:
            if record.with_exception:
                raise ValueError("gauntlet planted failure")
            raise LookupError  # no exception: caught right below
        except ValueError:
            _log(component, record, exc_info=True)
        except LookupError:
            _log(component, record, exc_info=False)


def _log(component: LogConfigurator, record: Record, *, exc_info: bool) -> None:
    if record.via == "structured":
        logger = component.get_logger("gauntlet.props")
        getattr(logger, record.level)(record.message, exc_info=exc_info, **record.fields)
    else:
        logging.getLogger("gauntlet.props.stdlib").log(
            logging.getLevelName(record.level.upper()), "%s %s", record.message, record.fields, exc_info=exc_info
        )


def parsed_lines(text: str) -> list[Any]:
    lines = text.split("\n")
    assert lines[-1] == "", f"the output does not end with a line break: {text[-80:]!r}"
    parsed = []
    for line in lines[:-1]:
        try:
            parsed.append(json.loads(line))
        except ValueError:
            raise AssertionError(f"a log line is not JSON: {line[:200]!r}") from None
    return parsed


def check_json_lines(component: LogConfigurator) -> None:
    """33: N records at or above the level give exactly N lines, each one JSON object."""

    @given(batch=st.lists(records, min_size=1, max_size=5))
    def every_line_is_one_json_object(batch: list[Record]) -> None:
        stream = io.StringIO()
        with isolated_logging():
            component.configure(service=SERVICE, level="DEBUG", stream=stream)
            for record in batch:
                emit(component, record)
        lines = parsed_lines(stream.getvalue())
        assert len(lines) == len(batch), f"{len(batch)} records gave {len(lines)} lines: {stream.getvalue()[:500]!r}"
        for line in lines:
            assert isinstance(line, dict), f"a log line is JSON but not an object: {line!r}"

    every_line_is_one_json_object()


def check_required_fields(component: LogConfigurator) -> None:
    """34: timestamp (ISO-8601 UTC), level, service, event; correlation_id inside a request."""

    @given(record=records)
    def every_record_has_the_required_fields(record: Record) -> None:
        stream = io.StringIO()
        with isolated_logging():
            component.configure(service=SERVICE, level="DEBUG", stream=stream)
            before = datetime.now().astimezone()
            emit(component, record)
            after = datetime.now().astimezone()
        [line] = parsed_lines(stream.getvalue())
        missing = [name for name in REQUIRED if not line.get(name)]
        assert not missing, f"record {record} logged without {missing}: {line}"
        timestamp = str(line["timestamp"])
        assert ISO_UTC.fullmatch(timestamp), f"timestamp {timestamp!r} is not ISO-8601 UTC"
        moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
        slack = timedelta(seconds=1)
        assert before - slack <= moment <= after + slack, f"timestamp {timestamp} is not now ({before}): wrong zone?"
        assert str(line["level"]).lower() == record.level, f"level {line['level']!r}, logged at {record.level}"
        assert line["service"] == SERVICE, f"service {line['service']!r}, configured {SERVICE!r}"
        assert record.message in str(line["event"]), f"event {line['event']!r} lacks the message {record.message!r}"
        if record.correlation_id is not None:
            assert line.get("correlation_id") == record.correlation_id, (
                f"inside a request with id {record.correlation_id}, correlation_id is {line.get('correlation_id')!r}"
            )

    every_record_has_the_required_fields()
