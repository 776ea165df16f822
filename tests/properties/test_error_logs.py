"""30 fails on error paths that log nothing, log twice, drop the id or pick the wrong level."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from properties.component.error_logs import check_error_logging
from reference_app.http import stack
from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.error_logging_app import ErrorLoggingApp
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
