"""The alert state machine: inactive → pending → firing → (resolved) inactive.

At each evaluation instant every rule is checked against its window (see
:mod:`reference_app.alerting.rules`). A rule *holds continuously* from the first
evaluation of an unbroken run of evaluations where it holds; it **fires** at the first
evaluation of that run at least ``for_seconds`` after the run began, and **resolves** at
the first evaluation where it no longer holds. Between evaluations nothing is known, so
what "continuously" means is exactly this sampled view (Prometheus ``for:`` semantics).
One run is one episode: it fires at most once and resolves at most once, so there are no
duplicate notifications and no flapping within an episode.

>>> evaluator = AlertEvaluator(rules, clock=time.monotonic)
>>> evaluator.observe("queue_depth", 120.0)
>>> for event in evaluator.evaluate():
...     print(event.state, event.rule)
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog

from reference_app.alerting.errors import AlertingError
from reference_app.alerting.rules import AlertRule, Sample, SeriesKey, ensure_unique_names, series_key

#: Samples kept per series at most, whatever the windows: a bound on memory if ``observe``
#: is called without ``evaluate`` pruning old samples.
MAX_SAMPLES_PER_SERIES = 100_000

_log = structlog.get_logger("reference_app.alerting")


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One transition: ``firing`` (the episode began ``since``) or ``resolved``."""

    rule: str
    state: Literal["firing", "resolved"]
    #: Evaluation instant of the transition, on the evaluator's clock.
    at: float
    #: The window aggregate at ``at`` (None: no data in the window).
    value: float | None
    #: Firing: when the rule started to hold. Resolved: when it fired.
    since: float
    metric: str
    labels: Mapping[str, str]
    comparison: str
    threshold: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "state": self.state,
            "at": self.at,
            "since": self.since,
            "value": self.value,
            "metric": self.metric,
            "labels": dict(self.labels),
            "comparison": self.comparison,
            "threshold": self.threshold,
        }


@dataclass(slots=True)
class _RuleState:
    #: First evaluation of the current run where the rule held (None: not holding).
    holding_since: float | None = None
    fired_at: float | None = None


@dataclass(slots=True)
class _Series:
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=MAX_SAMPLES_PER_SERIES))
    longest_window: float = 0.0


class AlertEvaluator:
    """Threshold rules over observed series; ``evaluate`` returns (and logs) transitions.

    ``clock`` (seconds, default ``time.monotonic``) stamps ``observe`` and ``evaluate``
    calls made without ``at``. Times must not go backwards: per series for samples, and
    for evaluations (:class:`AlertingError` otherwise).
    """

    def __init__(self, rules: Sequence[AlertRule], *, clock: Callable[[], float] = time.monotonic) -> None:
        ensure_unique_names(rules)
        self.rules = tuple(rules)
        self._clock = clock
        self._states = {rule.name: _RuleState() for rule in self.rules}
        self._series: dict[SeriesKey, _Series] = {}
        for rule in self.rules:
            series = self._series.setdefault(rule.series, _Series())
            series.longest_window = max(series.longest_window, rule.window_seconds)
        self._last_evaluation: float | None = None

    def series(self) -> list[tuple[str, dict[str, str]]]:
        """The (metric, labels) series the rules read: what a sampler must observe."""
        return [(metric, dict(labels)) for metric, labels in self._series]

    def observe(
        self, metric: str, value: float, at: float | None = None, *, labels: Mapping[str, str] | None = None
    ) -> None:
        """Record one sample; samples of series no rule reads are ignored."""
        series = self._series.get(series_key(metric, labels))
        if series is None:
            return
        when = self._clock() if at is None else at
        if series.samples and when < series.samples[-1][0]:
            raise AlertingError(
                f"Sample of {metric!r} at {when} is older than the previous one ({series.samples[-1][0]}): "
                "observe samples in time order."
            )
        series.samples.append((when, float(value)))

    def evaluate(self, at: float | None = None) -> list[AlertEvent]:
        """Check every rule at ``at`` (default: now); returns the transitions, in rule order."""
        when = self._clock() if at is None else at
        if self._last_evaluation is not None and when < self._last_evaluation:
            raise AlertingError(
                f"Evaluation at {when} is before the previous one ({self._last_evaluation}): "
                "the clock must not go backwards (use time.monotonic)."
            )
        self._last_evaluation = when
        events = [event for rule in self.rules if (event := self._step(rule, when)) is not None]
        self._prune(when)
        for event in events:
            if event.state == "firing":
                _log.warning("alert_firing", **event.as_dict())
            else:
                _log.info("alert_resolved", **event.as_dict())
        return events

    def firing(self) -> list[str]:
        """Names of the rules currently firing."""
        return [name for name, state in self._states.items() if state.fired_at is not None]

    def _step(self, rule: AlertRule, at: float) -> AlertEvent | None:
        state = self._states[rule.name]
        value = rule.window_value(self._series[rule.series].samples, at)
        if rule.holds_for(value):
            if state.holding_since is None:
                state.holding_since = at
            if state.fired_at is None and at - state.holding_since >= rule.for_seconds:
                state.fired_at = at
                return self._event(rule, "firing", at, value, since=state.holding_since)
            return None
        fired_at = state.fired_at
        state.holding_since = state.fired_at = None
        if fired_at is None:
            return None
        return self._event(rule, "resolved", at, value, since=fired_at)

    def _prune(self, at: float) -> None:
        # Later evaluations are at or after ``at``: older samples can never be in a window again.
        for series in self._series.values():
            while series.samples and series.samples[0][0] <= at - series.longest_window:
                series.samples.popleft()

    @staticmethod
    def _event(
        rule: AlertRule, state: Literal["firing", "resolved"], at: float, value: float | None, *, since: float
    ) -> AlertEvent:
        return AlertEvent(
            rule=rule.name,
            state=state,
            at=at,
            value=value,
            since=since,
            metric=rule.metric,
            labels=dict(rule.labels),
            comparison=rule.comparison.value,
            threshold=rule.threshold,
        )
