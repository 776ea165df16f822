"""The lifespan's alerting loop: read the app's metrics, evaluate, notify.

Every ``interval_seconds`` the sampler reads each series the rules name from the app's
Prometheus registry, feeds the evaluator (monotonic clock) and sends each transition to
the webhook. It runs as one background task, started only when rules are configured and
cancelled at shutdown. A failing round is logged (``alert_sampling_failed``) and the
loop goes on: alerting must never take the app down.

>>> sampler = start_alerting(settings.alerting, metrics.registry, service="reference-app")
>>> ...
>>> if sampler is not None:
...     await sampler.aclose()
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import structlog
from prometheus_client import CollectorRegistry

from reference_app.alerting.evaluator import AlertEvaluator, AlertEvent
from reference_app.alerting.webhook import WebhookNotifier

if TYPE_CHECKING:
    from reference_app.settings import AlertingSettings

#: (sample name, label subset) -> current value, or None when no sample matches.
MetricReader = Callable[[str, Mapping[str, str]], float | None]

_log = structlog.get_logger("reference_app.alerting")


def registry_reader(registry: CollectorRegistry) -> MetricReader:
    """Sum of the samples named ``name`` whose labels include ``labels``.

    With the full label set this is ``HttpMetrics.sample(name, labels)``; with a subset
    it adds up the matching series (``{"status": "500"}`` over every route and method).
    """

    def read(name: str, labels: Mapping[str, str]) -> float | None:
        total: float | None = None
        for family in registry.collect():
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                    total = (total or 0.0) + float(sample.value)
        return total

    return read


class AlertSampler:
    def __init__(
        self,
        evaluator: AlertEvaluator,
        read: MetricReader,
        *,
        interval_s: float,
        notifier: WebhookNotifier | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.evaluator = evaluator
        self._read = read
        self._interval_s = interval_s
        self._notifier = notifier
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[AlertEvent]:
        """One round: sample every series, evaluate, notify; returns the transitions."""
        now = self._clock()
        for metric, labels in self.evaluator.series():
            value = self._read(metric, labels)
            if value is not None:
                self.evaluator.observe(metric, value, now, labels=labels)
        events = self.evaluator.evaluate(now)
        if self._notifier is not None:
            for event in events:
                await self._notifier.send(event)
        return events

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except Exception:  # a bad round is logged; the next one may succeed
                _log.exception("alert_sampling_failed")
            await asyncio.sleep(self._interval_s)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name="alert-sampler")

    async def aclose(self) -> None:
        """Cancel the loop and close the webhook client."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._notifier is not None:
            await self._notifier.aclose()


def start_alerting(
    settings: AlertingSettings, registry: CollectorRegistry, *, service: str = "reference-app"
) -> AlertSampler | None:
    """A started sampler for ``settings``, or None when no rules are configured."""
    if not settings.rules:
        return None
    notifier = (
        WebhookNotifier(settings.webhook_url, timeout_s=settings.webhook_timeout_seconds, service=service)
        if settings.webhook_url
        else None
    )
    sampler = AlertSampler(
        AlertEvaluator(settings.rules),
        registry_reader(registry),
        interval_s=settings.interval_seconds,
        notifier=notifier,
    )
    sampler.start()
    return sampler
