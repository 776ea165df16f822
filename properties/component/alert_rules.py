"""24: threshold alerting through the configured ``AlertEvaluator`` (component level).

Hypothesis draws one rule (comparison, threshold, window, for-duration, aggregation) and a
time-ordered script of observations (on the rule's series and on an unrelated one) and
evaluations, with explicit timestamps. An independent model of the Protocol's semantics
(exact arithmetic with :class:`fractions.Fraction`) replays the same script; the
evaluator's transitions must equal the model's, evaluation by evaluation, and ``firing()``
must agree with the model's state after each evaluation. The model fires at the first
evaluation of an unbroken holding run at least ``for_seconds`` after the run began,
resolves at the first evaluation after that where the rule does not hold, and fires at
most once per run.

Times and values are small integers so that the implementation's floats are exact and a
comparison at the threshold means the same thing in both.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from gauntlet.components.protocols import AlertEvaluator

METRIC = "queue_depth"
#: A series no rule reads: its samples must never change an outcome.
NOISE_METRIC = "unrelated_gauge"
RULE_NAME = "busy"
#: Examples at least, whatever the profile (see check_threshold_alerting).
MIN_EXAMPLES = 200

_COMPARE: dict[str, Callable[[Fraction, Fraction], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}

rules = st.fixed_dictionaries(
    {
        "name": st.just(RULE_NAME),
        "metric": st.just(METRIC),
        "comparison": st.sampled_from(sorted(_COMPARE)),
        "threshold": st.integers(-3, 3),
        "window_seconds": st.sampled_from([1, 2, 3, 5, 10]),
        "for_seconds": st.sampled_from([0, 1, 2, 3, 5, 8]),
        "aggregation": st.sampled_from(["avg", "max", "min", "last", "rate"]),
    }
)
#: (what, seconds after the previous step, value): "observe" the rule's series, "noise"
#: the unrelated one, "evaluate" (value unused). Zero gaps put steps at the same instant.
steps = st.lists(
    st.tuples(
        st.sampled_from(["observe", "observe", "evaluate", "evaluate", "noise"]),
        st.integers(0, 3),
        st.integers(-5, 5),
    ),
    min_size=1,
    max_size=40,
)

EPISODE_RULE: dict[str, Any] = {
    "name": RULE_NAME,
    "metric": METRIC,
    "comparison": ">",
    "threshold": 0,
    "window_seconds": 1,
    "for_seconds": 2,
    "aggregation": "max",
}
EPISODE_SCRIPT = [step for value in (1, 1, 1, 1, -1, 1, 1) for step in (("observe", 1, value), ("evaluate", 0, 0))]

#: (state, instant) of one transition.
Transition = tuple[str, float]


@dataclass
class AlertModel:
    """The Protocol's rule semantics, written from its docstring, for one rule."""

    rule: Mapping[str, Any]
    samples: list[tuple[int, int]] = field(default_factory=list)
    holding_since: int | None = None
    fired: bool = False

    def observe(self, at: int, value: int) -> None:
        self.samples.append((at, value))

    def value(self, at: int) -> Fraction | None:
        window = [(t, Fraction(v)) for t, v in self.samples if at - self.rule["window_seconds"] < t <= at]
        if not window:
            return None
        values = [v for _, v in window]
        match self.rule["aggregation"]:
            case "avg":
                return sum(values, Fraction(0)) / len(values)
            case "max":
                return max(values)
            case "min":
                return min(values)
            case "last":
                return values[-1]
        (first_t, first_v), (last_t, last_v) = window[0], window[-1]
        return None if last_t == first_t else (last_v - first_v) / (last_t - first_t)

    def evaluate(self, at: int) -> list[Transition]:
        value = self.value(at)
        holds = value is not None and _COMPARE[self.rule["comparison"]](value, Fraction(self.rule["threshold"]))
        if holds:
            if self.holding_since is None:
                self.holding_since = at
            if not self.fired and at - self.holding_since >= self.rule["for_seconds"]:
                self.fired = True
                return [("firing", float(at))]
            return []
        was_firing, self.fired, self.holding_since = self.fired, False, None
        return [("resolved", float(at))] if was_firing else []


def check_threshold_alerting(build: Callable[[Sequence[Mapping[str, Any]]], AlertEvaluator]) -> None:
    """24: the evaluator's transitions equal the model's at every evaluation."""

    # In-memory and sub-millisecond per example: a floor of examples makes whole episodes
    # (hold, fire, keep holding, stop) likely even under the small ci profile.
    @settings(report_multiple_bugs=False, max_examples=max(settings().max_examples, MIN_EXAMPLES))
    @given(rule=rules, script=steps)
    # One whole episode and the start of a second, always tried first: hold (pending),
    # fire after for_seconds, keep holding, stop (resolve), hold again.
    @example(rule=EPISODE_RULE, script=EPISODE_SCRIPT)
    def fires_and_resolves_like_the_model(rule: dict[str, Any], script: list[tuple[str, int, int]]) -> None:
        evaluator = build([rule])
        model = AlertModel(rule)
        now = 0
        history: list[str] = []
        for what, gap, value in script:
            now += gap
            if what == "observe":
                evaluator.observe(METRIC, float(value), float(now))
                model.observe(now, value)
                history.append(f"t={now} {METRIC}={value}")
            elif what == "noise":
                evaluator.observe(NOISE_METRIC, float(value), float(now))
                history.append(f"t={now} {NOISE_METRIC}={value}")
            else:
                got = [(t.state, float(t.at)) for t in evaluator.evaluate(float(now)) if t.rule == RULE_NAME]
                expected = model.evaluate(now)
                history.append(f"t={now} evaluate -> {got}")
                assert got == expected, (
                    f"rule {rule}: evaluation at t={now} gave transitions {got}, expected {expected} "
                    f"(window value {model.value(now)}); script so far: {'; '.join(history)}"
                )
                firing = RULE_NAME in evaluator.firing()
                assert firing == model.fired, (
                    f"rule {rule}: after evaluation at t={now} firing() says {'firing' if firing else 'not firing'}, "
                    f"expected {'firing' if model.fired else 'not firing'}; script so far: {'; '.join(history)}"
                )

    fires_and_resolves_like_the_model()
