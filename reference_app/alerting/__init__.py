"""Threshold alerting on the app's own metrics (property 24).

Rules (:mod:`.rules`) are evaluated over sampled series by :class:`AlertEvaluator`
(:mod:`.evaluator`: fires once per episode when a rule held for its ``for_seconds``,
resolves when it stops holding); transitions are logged (``alert_firing`` /
``alert_resolved``) and POSTed to an optional webhook (:mod:`.webhook`). In the app, the
lifespan runs :class:`AlertSampler` (:mod:`.sampler`) when ``APP_ALERTING__RULES`` is set.

``build_evaluator`` is the factory the harness calls by default
(``[components] alert_evaluator = "reference_app.alerting:build_evaluator"``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reference_app.alerting.errors import AlertingError
from reference_app.alerting.evaluator import AlertEvaluator, AlertEvent
from reference_app.alerting.rules import Aggregation, AlertRule, Comparison, aggregate, load_rules
from reference_app.alerting.sampler import AlertSampler, registry_reader, start_alerting
from reference_app.alerting.webhook import WebhookNotifier

__all__ = [
    "Aggregation",
    "AlertEvaluator",
    "AlertEvent",
    "AlertRule",
    "AlertSampler",
    "AlertingError",
    "Comparison",
    "WebhookNotifier",
    "aggregate",
    "build_evaluator",
    "load_rules",
    "registry_reader",
    "start_alerting",
]


def build_evaluator(
    *,
    rules: str | bytes | Sequence[Mapping[str, Any] | AlertRule],
    clock: Callable[[], float] = time.monotonic,
) -> AlertEvaluator:
    """An evaluator for ``rules`` (JSON text, mappings or :class:`AlertRule`), on ``clock``.

    >>> evaluator = build_evaluator(rules=[{"name": "hot", "metric": "temp", "comparison": ">",
    ...                                     "threshold": 80, "window_seconds": 10, "for_seconds": 30}])
    """
    return AlertEvaluator(load_rules(rules), clock=clock)
