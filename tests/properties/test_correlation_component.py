"""32 (component) fails on correlation middlewares with one rule broken (the reference, mutated)."""

from __future__ import annotations

from typing import Any

import pytest
import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from gauntlet.components.structlog_logging import build as build_logging
from properties.component.correlation_ids import check_correlation_ids
from reference_app.http import problem
from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.correlation_component import CorrelationComponent
from tests.properties.shrinking import no_shrinking


class TrustingLayer:
    """Inside the reference middleware, puts the raw incoming header back as the request's id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = dict(scope["headers"]).get(b"x-request-id")
        if raw is not None:
            scope["state"]["correlation_id"] = raw.decode("utf-8")
            structlog.contextvars.bind_contextvars(correlation_id=raw.decode("utf-8"))
        await self.app(scope, receive, send)


class ReflectingCorrelation(CorrelationComponent):
    def wrap(self, app: ASGIApp) -> ASGIApp:
        return CorrelationIdMiddleware(TrustingLayer(app))


class ContextDroppingLayer:
    """Inside the reference middleware, clears the id from the log context (e.g. a misplaced
    ``clear_contextvars()`` at the start of a handler)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Both places the reference log set-up reads the id from.
        structlog.contextvars.unbind_contextvars("correlation_id")
        token = problem.current_correlation_id.set(None)
        try:
            await self.app(scope, receive, send)
        finally:
            problem.current_correlation_id.reset(token)


class ContextDroppingCorrelation(CorrelationComponent):
    def wrap(self, app: ASGIApp) -> ASGIApp:
        return CorrelationIdMiddleware(ContextDroppingLayer(app))


def _logs() -> Any:
    return build_logging()


def test_the_property_holds_on_the_reference_middleware() -> None:
    check_correlation_ids(_logs(), CorrelationComponent())


@pytest.mark.mutant(32)
def test_correlation_fails_when_any_id_is_trusted() -> None:
    with no_shrinking(), pytest.raises(AssertionError, match=r"has correlation_id|outgoing call sent"):
        check_correlation_ids(_logs(), ReflectingCorrelation())


@pytest.mark.mutant(32)
def test_correlation_fails_when_the_id_leaves_the_log_context() -> None:
    with no_shrinking(), pytest.raises(AssertionError, match=r"has correlation_id None"):
        check_correlation_ids(_logs(), ContextDroppingCorrelation())
