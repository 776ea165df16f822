"""Fixtures for the middleware tests: JSON log lines captured from ``configure_logging``."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
import structlog

from reference_app.http.log_config import configure_logging

from .support import LogCapture


@pytest.fixture
def log_capture() -> Iterator[LogCapture]:
    stream = io.StringIO()
    root = logging.getLogger()
    level = root.level
    configure_logging("test-service", "INFO", stream)
    try:
        yield LogCapture(stream)
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_reference_app_json_handler", False)]:
            root.removeHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
