"""Threshold rules: ``aggregate(samples in the window) <comparison> threshold``.

A rule reads one metric series (a Prometheus sample name plus a label subset). At an
evaluation instant ``t`` its window holds the samples with ``t - window_seconds < at <= t``;
the window is reduced to one number by ``aggregation``:

- ``avg`` (default): arithmetic mean of the sample values (not time-weighted: the sampler
  reads at a fixed interval, so the two agree);
- ``max`` / ``min`` / ``last``;
- ``rate``: per-second increase from the oldest to the newest sample (for counters such
  as ``http_requests_total``); needs two samples at distinct instants.

An empty window (or a ``rate`` without two instants) has no value, and no value never
holds: a silent metric does not fire, and a firing alert whose metric goes silent resolves.

Rules load from settings (``APP_ALERTING__RULES`` as JSON) or with :func:`load_rules`::

    rules = load_rules('[{"name": "slow", "metric": "latency", "comparison": ">", '
                       '"threshold": 0.5, "window_seconds": 60, "for_seconds": 120}]')
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from reference_app.alerting.errors import AlertingError

#: One observation of a series: (instant in seconds on the evaluator's clock, value).
Sample = tuple[float, float]
#: A series is identified by its metric name and its sorted label pairs.
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


class Comparison(StrEnum):
    GT = ">"
    GE = ">="
    LT = "<"
    LE = "<="


class Aggregation(StrEnum):
    AVG = "avg"
    MAX = "max"
    MIN = "min"
    LAST = "last"
    RATE = "rate"


_COMPARE: dict[Comparison, Callable[[float, float], bool]] = {
    Comparison.GT: operator.gt,
    Comparison.GE: operator.ge,
    Comparison.LT: operator.lt,
    Comparison.LE: operator.le,
}


def series_key(metric: str, labels: Mapping[str, str] | None = None) -> SeriesKey:
    return metric, tuple(sorted((labels or {}).items()))


class AlertRule(BaseModel):
    """``aggregation(metric{labels} over window_seconds) comparison threshold`` for ``for_seconds``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    #: A Prometheus sample name, e.g. ``http_requests_total`` or ``..._seconds_sum``.
    metric: str = Field(min_length=1, max_length=200, pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    #: Samples whose labels include all of these are summed (``{}``: every sample of the name).
    labels: dict[str, str] = Field(default_factory=dict)
    comparison: Comparison
    threshold: float = Field(allow_inf_nan=False)
    window_seconds: float = Field(gt=0, allow_inf_nan=False)
    #: How long the rule must hold, continuously, before it fires (0: at once).
    for_seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    aggregation: Aggregation = Aggregation.AVG

    @property
    def series(self) -> SeriesKey:
        return series_key(self.metric, self.labels)

    def window_value(self, samples: Iterable[Sample], at: float) -> float | None:
        """The aggregate of the samples inside the window ending at ``at`` (None: no data)."""
        inside = [(t, v) for t, v in samples if at - self.window_seconds < t <= at]
        return aggregate(self.aggregation, inside)

    def holds_for(self, value: float | None) -> bool:
        return value is not None and _COMPARE[self.comparison](value, self.threshold)


def aggregate(aggregation: Aggregation, samples: Sequence[Sample]) -> float | None:
    """Reduce time-ordered ``samples`` to one value, or None when they carry none."""
    if not samples:
        return None
    values = [v for _, v in samples]
    if aggregation is Aggregation.AVG:
        return math.fsum(values) / len(values)
    if aggregation is Aggregation.MAX:
        return max(values)
    if aggregation is Aggregation.MIN:
        return min(values)
    if aggregation is Aggregation.LAST:
        return values[-1]
    (first_t, first_v), (last_t, last_v) = samples[0], samples[-1]
    if last_t <= first_t:
        return None
    return (last_v - first_v) / (last_t - first_t)


_RULES = TypeAdapter(list[AlertRule])


def load_rules(source: str | bytes | Sequence[Mapping[str, Any] | AlertRule]) -> list[AlertRule]:
    """Rules from a JSON array (text) or from mappings; names must be unique.

    >>> load_rules([{"name": "busy", "metric": "queue_depth", "comparison": ">=",
    ...              "threshold": 100, "window_seconds": 30, "for_seconds": 60}])
    """
    try:
        if isinstance(source, str | bytes):
            rules = _RULES.validate_json(source)
        else:
            rules = _RULES.validate_python([r if isinstance(r, AlertRule) else dict(r) for r in source])
    except ValidationError as exc:
        raise AlertingError(
            f"Invalid alert rules: {exc.error_count()} error(s), first: "
            f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}. Example rule: "
            '{"name": "errors", "metric": "http_requests_total", "labels": {"status": "500"}, '
            '"comparison": ">", "threshold": 0, "aggregation": "rate", "window_seconds": 60, "for_seconds": 120}'
        ) from None
    ensure_unique_names(rules)
    return rules


def ensure_unique_names(rules: Iterable[AlertRule]) -> None:
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise AlertingError(f"Alert rule name {rule.name!r} is used twice; give every rule its own name.")
        seen.add(rule.name)
