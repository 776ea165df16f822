"""23 and 26 (component) fail on upstream clients with one rule broken (the reference client, mutated)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from properties.component.upstream import BuildClient, check_classified_errors, check_latency_tracking
from reference_app.http.metrics import HttpMetrics
from reference_app.resilience import (
    BadUpstreamError,
    ObservedModelClient,
    UpstreamError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
    build_upstream_client,
)


class SkipsTimeoutsMetrics(HttpMetrics):
    """Timeouts "are not latencies": they are never observed."""

    def observe_upstream(self, outcome: str, seconds: float) -> None:
        if outcome != "timeout":
            super().observe_upstream(outcome, seconds)


class StuckGaugeMetrics(HttpMetrics):
    """The availability gauge is set once at start and never follows the breaker."""

    def set_upstream_availability(self, value: float) -> None:
        return None


class TimeoutAsBadGatewayClient(ObservedModelClient):
    """Every failure is a 502, timeouts included."""

    async def draft(self, **kwargs: Any) -> Any:
        try:
            return await super().draft(**kwargs)
        except UpstreamTimeoutError:
            raise BadUpstreamError("the model server failed") from None


class LeakyErrorsClient(ObservedModelClient):
    """Adds the underlying error to the message "to help debugging"."""

    async def draft(self, **kwargs: Any) -> Any:
        try:
            return await super().draft(**kwargs)
        except UpstreamUnavailableError:
            raise
        except UpstreamError as exc:
            raise type(exc)(f"{exc}: {exc.__context__!r}") from None


def builder(
    metrics: Callable[[], HttpMetrics] = HttpMetrics, client: type[ObservedModelClient] | None = None
) -> BuildClient:
    def build(**keywords: Any) -> Any:
        built = build_upstream_client(metrics=metrics(), **keywords)
        return built if client is None else client(built.client, built.metrics)

    return build


async def test_the_properties_hold_on_the_reference_client() -> None:
    await check_latency_tracking(builder())
    await check_classified_errors(builder())


@pytest.mark.mutant(23)
async def test_tracking_fails_when_timeouts_are_not_observed() -> None:
    with pytest.raises(AssertionError, match=r"\(timeout\) moved the latency histogram by nothing"):
        await check_latency_tracking(builder(SkipsTimeoutsMetrics))


@pytest.mark.mutant(23)
async def test_tracking_fails_when_the_gauge_ignores_the_breaker() -> None:
    with pytest.raises(AssertionError, match=r"the availability gauge reads 1\.0 while the breaker is 'open'"):
        await check_latency_tracking(builder(StuckGaugeMetrics))


@pytest.mark.mutant(26)
async def test_errors_fail_when_a_timeout_is_a_bad_gateway() -> None:
    with pytest.raises(AssertionError, match=r"\(timeout\) raised BadUpstreamError with status 502, expected 504"):
        await check_classified_errors(builder(client=TimeoutAsBadGatewayClient))


@pytest.mark.mutant(26)
async def test_errors_fail_when_they_carry_the_transport_error_text() -> None:
    with pytest.raises(AssertionError, match="carries upstream internals"):
        await check_classified_errors(builder(client=LeakyErrorsClient))
