"""The model server client as the harness sees it (properties 23, 26): client + its metrics.

``build_upstream_client`` is the default ``[components] upstream_client`` factory: the
app's own :class:`ModelServerClient` stack (breaker(retry(transport)), spec defaults) with
an :class:`HttpMetrics` of its own, read back through ``observations``/``availability``.
It has no retry budget: the properties count outcomes per call, and a budget shared
between their examples would make the number of retries depend on earlier examples.

    client = build_upstream_client(transport=httpx.MockTransport(handler), sleep=no_sleep)
    await client.draft(title="DB down", description="...", correlation_id=None, idempotency_key="k")
    client.observations()   # {"success": 1, "error": 0, "timeout": 0, "circuit_open": 0}
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx

from reference_app.http.metrics import UPSTREAM_OUTCOMES, HttpMetrics
from reference_app.resilience.breaker import CircuitBreaker
from reference_app.resilience.breaker_storage import MemoryBreakerStorage
from reference_app.resilience.retry import RetryPolicy
from reference_app.resilience.upstream import DEFAULT_TIMEOUT_S, Draft, ModelServerClient

#: The histogram whose count per outcome ``observations`` reads.
UPSTREAM_HISTOGRAM_COUNT = "model_server_request_duration_seconds_count"
UPSTREAM_GAUGE = "model_server_available"


class ObservedModelClient:
    """A :class:`ModelServerClient` and the metrics it reports to."""

    def __init__(self, client: ModelServerClient, metrics: HttpMetrics) -> None:
        self.client = client
        self.metrics = metrics

    async def draft(self, *, title: str, description: str, correlation_id: str | None, idempotency_key: str) -> Draft:
        return await self.client.draft(
            title=title, description=description, correlation_id=correlation_id, idempotency_key=idempotency_key
        )

    def observations(self) -> dict[str, int]:
        return {
            outcome: int(self.metrics.sample(UPSTREAM_HISTOGRAM_COUNT, {"outcome": outcome}) or 0)
            for outcome in UPSTREAM_OUTCOMES
        }

    def availability(self) -> float:
        value = self.metrics.sample(UPSTREAM_GAUGE)
        return float("nan") if value is None else value

    async def breaker_state(self) -> str:
        return str(await self.client.state())

    async def aclose(self) -> None:
        await self.client.aclose()


def build_upstream_client(
    *,
    base_url: str = "http://model-server.invalid",
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    random: Callable[[], float] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    metrics: HttpMetrics | None = None,
) -> ObservedModelClient:
    """The app's client stack over ``transport`` with spec defaults and a fresh breaker."""
    retry = RetryPolicy(clock=clock)
    if sleep is not None:
        retry.sleep = sleep
    if random is not None:
        retry.random = random
    metrics = metrics if metrics is not None else HttpMetrics()
    breaker = CircuitBreaker("model-server", MemoryBreakerStorage(), clock=clock)
    client = ModelServerClient(
        base_url=base_url, breaker=breaker, retry=retry, timeout_s=timeout_s, observer=metrics, transport=transport
    )
    return ObservedModelClient(client, metrics)
