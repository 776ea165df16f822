"""A :class:`~gauntlet.components.protocols.LogConfigurator` for apps logging with structlog.

The app names its set-up function by import path; it must accept
``(service, level, stream)``, as the reference app's does::

    [components]
    logging = "gauntlet.components.structlog_logging:build"   # the default, i.e.
    # build(configure="reference_app.http.log_config:configure_logging")

Inside a request the app binds the id with structlog's contextvars (what
``request_context`` does here); loggers come from ``structlog.stdlib.get_logger``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TextIO

import structlog

from gauntlet.components.factories import import_object
from gauntlet.components.protocols import EventLogger

#: The reference app's logging set-up.
DEFAULT_CONFIGURE = "reference_app.http.log_config:configure_logging"


class StructlogConfigurator:
    def __init__(self, configure: Callable[..., Any]) -> None:
        self._configure = configure

    def configure(self, *, service: str, level: str, stream: TextIO) -> None:
        self._configure(service, level, stream)

    def get_logger(self, name: str) -> EventLogger:
        logger: EventLogger = structlog.stdlib.get_logger(name)
        return logger

    def request_context(self, correlation_id: str) -> AbstractContextManager[None]:
        context: AbstractContextManager[None] = structlog.contextvars.bound_contextvars(correlation_id=correlation_id)
        return context


def build(*, configure: str = DEFAULT_CONFIGURE) -> StructlogConfigurator:
    """``build(configure="mypkg.logs:setup")``: ``setup(service, level, stream)`` configures logging."""
    return StructlogConfigurator(import_object(configure))
