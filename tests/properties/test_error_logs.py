"""30 fails on error paths that log nothing, log twice, drop the id or pick the wrong level."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from properties.component.error_logs import check_error_logging
from properties.component.logging import isolated_logging
from properties.http.error_logs import check_error_logging_http
from reference_app.http import stack
from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.error_logging_app import ErrorLoggingApp
from reference_app.http.log_config import configure_logging
from reference_app.http.problem import problem_response


def _swap_access_log(layers: list[stack.Layer], replacement: type[AccessLogMiddleware]) -> list[stack.Layer]:
    swapped = [
        (replacement if middleware is AccessLogMiddleware else middleware, kwargs) for middleware, kwargs in layers
    ]
    assert swapped != layers, "the stack has no AccessLogMiddleware to swap"
    return swapped


class SilentOn5xx(AccessLogMiddleware):
    """Forgets the 5xx record (the request is still marked logged, so nobody else logs it)."""

    def _log(self, scope: Any, status: int, *args: Any, **kwargs: Any) -> None:
        if status < 500:
            super()._log(scope, status, *args, **kwargs)


class WithoutCorrelationId(AccessLogMiddleware):
    """Its records override the request's id with null."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.logger = self.logger.bind(correlation_id=None)


class ClientErrorsAtError(AccessLogMiddleware):
    """Logs every error response at error, 4xx included."""

    def _log(self, scope: Any, status: int, *args: Any, **kwargs: Any) -> None:
        super()._log(scope, 500 if status >= 400 else status, *args, **kwargs)


class LoggingExceptionHandler:
    """An exception handler inside the access log that logs the 500 itself: two records."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            logging.getLogger("reference_app.errors").error("unhandled exception", exc_info=True)
            await problem_response(500, "Internal Server Error")(scope, receive, send)


class Mutant(ErrorLoggingApp):
    def __init__(self, access_log: type[AccessLogMiddleware] | None = None, handler: bool = False) -> None:
        self.access_log = access_log
        self.handler = handler

    def layers(self) -> list[stack.Layer]:
        layers = super().layers()
        if self.access_log is not None:
            layers = _swap_access_log(layers, self.access_log)
        if self.handler:
            layers = [(LoggingExceptionHandler, {}), *layers]
        return layers


def test_holds_on_the_reference_error_path() -> None:
    check_error_logging(ErrorLoggingApp())


@pytest.mark.mutant(30)
@pytest.mark.parametrize(
    "mutant",
    [
        pytest.param(Mutant(access_log=SilentOn5xx), id="5xx-unlogged"),
        pytest.param(Mutant(handler=True), id="handler-and-access-log-both-log"),
        pytest.param(Mutant(access_log=WithoutCorrelationId), id="no-correlation-id"),
        pytest.param(Mutant(access_log=ClientErrorsAtError), id="4xx-at-error"),
    ],
)
def test_fails_on_a_broken_error_path(mutant: Mutant) -> None:
    with pytest.raises(AssertionError):
        check_error_logging(mutant)


# http level: the reference app in process (open_target), its logging sent to a file.

#: Path prefixes the front router below lets through to the app.
APP_PREFIXES = ("/api/", "/health", "/openapi.json", "/docs", "/metrics")


class FrontRouter:
    """A router in front of the app answering unknown prefixes with a 404 it never logs."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(APP_PREFIXES):
            await problem_response(404, "Not Found")(scope, receive, send)
            return
        await self.app(scope, receive, send)


class ErrorResponseLogger:
    """A gateway logging each error response at error: a second record beside the access log's."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def observed(message: Any) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 400:
                request_id = dict(message.get("headers", ())).get(b"x-request-id", b"").decode("latin-1")
                logging.getLogger("gateway").error(
                    "error response", extra={"correlation_id": request_id, "status": message["status"]}
                )
            await send(message)

        await self.app(scope, receive, observed)


@contextmanager
def logged_target(open_target: Any, wrap: Any, log_file: Path) -> Iterator[Any]:
    with isolated_logging(), open_target(wrap) as http, log_file.open("a", encoding="utf-8") as stream:
        configure_logging("reference-app", "INFO", stream)
        yield http


def test_http_level_holds_on_the_reference_app_in_process(open_target: Any, tmp_path: Path) -> None:
    log_file = tmp_path / "app.log"
    with logged_target(open_target, lambda app: app, log_file) as http:
        check_error_logging_http(http, log_file, log_wait_s=0)


@pytest.mark.mutant(30)
@pytest.mark.parametrize(
    "wrap",
    [
        pytest.param(FrontRouter, id="front-router-404-unlogged"),
        pytest.param(ErrorResponseLogger, id="gateway-logs-errors-again"),
    ],
)
def test_http_level_fails_on_a_broken_error_path(open_target: Any, tmp_path: Path, wrap: Any) -> None:
    log_file = tmp_path / "app.log"
    with logged_target(open_target, wrap, log_file) as http, pytest.raises(AssertionError):
        check_error_logging_http(http, log_file, log_wait_s=0)
