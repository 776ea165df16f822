"""structlog configured for one JSON object per line (properties 33, 34 and 35).

Every record, from structlog loggers and from stdlib loggers alike (uvicorn, SQLAlchemy,
httpx...), goes through the same chain and comes out as one JSON object on one line:

    {"timestamp": "2025-01-02T03:04:05.678Z", "level": "warning", "service": "reference-app",
     "event": "http_request", "correlation_id": "9f1c...", "logger": "...", ...}

- ``timestamp``: RFC 3339, UTC, milliseconds, ``Z``;
- ``correlation_id``: bound into structlog's contextvars by ``CorrelationIdMiddleware``
  (falls back to ``problem.current_correlation_id``; null outside a request);
- exceptions: the traceback text goes into ``exception``, in the log only;
- ``Redactor`` is the last processor before rendering: nothing reaches the stream without
  passing it, whatever earlier processors added.

Named ``log_config`` so it never shadows the stdlib ``logging`` module. uvicorn must run
with ``log_config=None`` so its loggers propagate here instead of installing its own
handlers.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from reference_app.http import problem
from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.redaction import Redactor

__all__ = ["AccessLogMiddleware", "Redactor", "configure_logging", "render_json"]

#: Marks the handler ``configure_logging`` installed, so a second call replaces it
#: instead of stacking another (tests configure many times in one process).
_HANDLER_MARK = "_reference_app_json_handler"


#: JSON allows these raw inside strings, but many line readers (Python's
#: ``str.splitlines``, JavaScript before ES2019) split on them: escape them.
_LINE_BREAK_ESCAPES = {0x85: "\\u0085", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def add_timestamp(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """``timestamp`` as RFC 3339 UTC with milliseconds and ``Z``."""
    now = datetime.now(UTC)
    event_dict["timestamp"] = f"{now:%Y-%m-%dT%H:%M:%S}.{now.microsecond // 1000:03d}Z"
    return event_dict


def add_correlation_id(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """``correlation_id`` of the current request (null outside one)."""
    event_dict.setdefault("correlation_id", problem.current_correlation_id.get())
    return event_dict


def drop_color_message(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
    """uvicorn passes an ANSI-coloured copy of each message as ``extra``: not for JSON."""
    event_dict.pop("color_message", None)
    return event_dict


def _service_adder(service: str) -> Processor:
    def add_service(logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _json_safe(obj: Any) -> Any:
    # Only on orjson's refusals: ints beyond 64 bits, NaN/inf for the stdlib encoder.
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj if -(2**63) <= obj < 2**64 else str(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return str(obj)
    return obj


def render_json(obj: MutableMapping[str, Any], **_: Any) -> str:
    """One JSON object on one line, never failing: unknown objects become ``str()``."""
    try:
        text = orjson.dumps(obj, default=str, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except (TypeError, orjson.JSONEncodeError):
        text = json.dumps(_json_safe(obj), default=str, allow_nan=False, ensure_ascii=False)
    return text.translate(_LINE_BREAK_ESCAPES)


def _level_number(level: str) -> int:
    number = logging.getLevelName(level.upper())
    if not isinstance(number, int):
        raise ValueError(f"Log level {level!r} is not a level. Use one of DEBUG, INFO, WARNING, ERROR, CRITICAL.")
    return number


def configure_logging(
    service: str,
    level: str = "INFO",
    stream: TextIO | None = None,
    *,
    redactor: Redactor | None = None,
) -> None:
    """Route structlog and stdlib logging to ``stream`` as redacted JSON lines.

    Example::

        configure_logging("reference-app", "INFO", sys.stdout)
        structlog.get_logger("reference_app").info("started", port=8000)
    """
    level_number = _level_number(level)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _service_adder(service),
        add_correlation_id,
        add_timestamp,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), drop_color_message],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redactor if redactor is not None else Redactor(),
            structlog.processors.JSONRenderer(serializer=render_json),
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_number)
