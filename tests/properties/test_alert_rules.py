"""24 fails on evaluators with one rule broken (the reference evaluator, mutated)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from properties.component.alert_rules import check_threshold_alerting
from reference_app.alerting import AlertEvaluator, AlertEvent, AlertRule, load_rules


class ImmediateEvaluator(AlertEvaluator):
    """Fires at the first holding evaluation, ignoring ``for_seconds``."""

    def _step(self, rule: AlertRule, at: float) -> AlertEvent | None:
        return super()._step(rule.model_copy(update={"for_seconds": 0.0}), at)


class DuplicatingEvaluator(AlertEvaluator):
    """Announces the alert again at every evaluation while it keeps holding."""

    def _step(self, rule: AlertRule, at: float) -> AlertEvent | None:
        event = super()._step(rule, at)
        state = self._states[rule.name]
        if event is None and state.fired_at is not None and state.holding_since is not None:
            return self._event(rule, "firing", at, None, since=state.holding_since)
        return event


class NeverResolvingEvaluator(AlertEvaluator):
    """Once firing, stays firing: stopping to hold is ignored."""

    def _step(self, rule: AlertRule, at: float) -> AlertEvent | None:
        state = self._states[rule.name]
        if state.fired_at is not None and not rule.holds_for(rule.window_value(self._series[rule.series].samples, at)):
            return None
        return super()._step(rule, at)


def _builder(cls: type[AlertEvaluator]) -> Any:
    def build(rules: Sequence[Mapping[str, Any]]) -> AlertEvaluator:
        return cls(load_rules(rules))

    return build


def test_the_property_holds_on_the_reference_evaluator() -> None:
    check_threshold_alerting(_builder(AlertEvaluator))


@pytest.mark.mutant(24)
def test_alerting_fails_when_for_seconds_is_ignored() -> None:
    with pytest.raises(AssertionError, match=r"gave transitions \[\('firing'"):
        check_threshold_alerting(_builder(ImmediateEvaluator))


@pytest.mark.mutant(24)
def test_alerting_fails_when_a_holding_alert_fires_again() -> None:
    with pytest.raises(AssertionError, match=r"gave transitions \[\('firing', [0-9.]+\)\], expected \[\]"):
        check_threshold_alerting(_builder(DuplicatingEvaluator))


@pytest.mark.mutant(24)
def test_alerting_fails_when_alerts_never_resolve() -> None:
    with pytest.raises(AssertionError, match=r"gave transitions \[\], expected \[\('resolved'"):
        check_threshold_alerting(_builder(NeverResolvingEvaluator))
