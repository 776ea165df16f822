"""alerting/evaluator.py against a reference model of "holds for the for-duration" (property 24)."""

from __future__ import annotations

import itertools
import json

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from gauntlet.components.factories import build_component
from reference_app.alerting import AlertEvaluator, AlertingError, build_evaluator, load_rules
from reference_app.settings import build_settings

COMPARE = {">": float.__gt__, ">=": float.__ge__, "<": float.__lt__, "<=": float.__le__}


def model_value(aggregation: str, window: list[tuple[float, float]]) -> float | None:
    """The window aggregate, written independently of rules.aggregate."""
    if not window:
        return None
    values = [v for _, v in window]
    if aggregation == "avg":
        return sum(values) / len(values)
    if aggregation == "rate":
        if window[-1][0] == window[0][0]:
            return None
        return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])
    return {"max": max, "min": min, "last": lambda vs: vs[-1]}[aggregation](values)


def model_transitions(rule: dict, timeline: list[tuple[str, float, float | None]]) -> list[tuple[str, float]]:
    """Batch reference model: which evaluations hold, then per maximal run of holding
    evaluations fire at the first one >= for_seconds after the run began, resolve at the
    first evaluation after the run (only if it fired)."""
    seen: list[tuple[float, float]] = []
    evaluations: list[tuple[float, bool]] = []
    for kind, at, value in timeline:
        if kind == "sample":
            seen.append((at, value))
            continue
        window = [(t, v) for t, v in seen if at - rule["window_seconds"] < t <= at]
        aggregate = model_value(rule["aggregation"], window)
        evaluations.append((at, aggregate is not None and COMPARE[rule["comparison"]](aggregate, rule["threshold"])))
    transitions = []
    index = 0
    for holds, group in itertools.groupby(evaluations, key=lambda e: e[1]):
        run = list(group)
        end = index + len(run)
        if holds:
            start = run[0][0]
            fire = next((at for at, _ in run if at - start >= rule["for_seconds"]), None)
            if fire is not None:
                transitions.append(("firing", fire))
                if end < len(evaluations):
                    transitions.append(("resolved", evaluations[end][0]))
        index = end
    return transitions


rules = st.fixed_dictionaries(
    {
        "name": st.just("r"),
        "metric": st.just("m"),
        "comparison": st.sampled_from([">", ">=", "<", "<="]),
        "threshold": st.integers(-3, 3).map(float),
        "window_seconds": st.sampled_from([0.5, 1.0, 2.0, 5.0, 10.0]),
        "for_seconds": st.sampled_from([0.0, 0.5, 1.0, 3.0, 7.5]),
        "aggregation": st.sampled_from(["avg", "max", "min", "last", "rate"]),
    }
)
steps = st.lists(
    st.tuples(
        st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]),  # time advance
        st.one_of(st.none(), st.integers(-5, 5).map(float)),  # a sample, or an evaluation
    ),
    max_size=60,
)


def timeline_of(raw: list[tuple[float, float | None]]) -> list[tuple[str, float, float | None]]:
    now, timeline = 0.0, []
    for advance, value in raw:
        now += advance
        timeline.append(("sample", now, value) if value is not None else ("evaluate", now, None))
    return timeline


def run(evaluator: AlertEvaluator, timeline) -> list:
    events = []
    for kind, at, value in timeline:
        if kind == "sample":
            evaluator.observe("m", value, at)
        else:
            events.extend(evaluator.evaluate(at))
    return events


@given(rules, steps)
def test_firing_and_resolution_times_match_the_reference_model(rule, raw):
    timeline = timeline_of(raw)
    events = run(build_evaluator(rules=[rule]), timeline)
    assert [(e.state, e.at) for e in events] == model_transitions(rule, timeline)


@given(rules, steps)
def test_one_firing_per_episode_and_never_before_the_for_duration(rule, raw):
    events = run(build_evaluator(rules=[rule]), timeline_of(raw))
    states = [e.state for e in events]
    # firing, resolved, firing, resolved...: never two firings without a resolution between.
    assert states == ["firing", "resolved"] * (len(states) // 2) + ["firing"] * (len(states) % 2)
    for event in events:
        if event.state == "firing":
            assert event.at - event.since >= rule["for_seconds"]
        else:
            assert event.since < event.at


def test_fires_exactly_at_the_for_duration_and_resolves_when_it_stops_holding(clock):
    evaluator = build_evaluator(
        rules=[
            {"name": "hot", "metric": "t", "comparison": ">", "threshold": 80, "window_seconds": 5, "for_seconds": 10}
        ],
        clock=clock,
    )
    transitions = []
    for _ in range(12):  # one sample of 90 and one evaluation every 2 s
        evaluator.observe("t", 90)
        transitions += [(e.state, clock.now) for e in evaluator.evaluate()]
        clock.advance(2)
    assert transitions == [("firing", 1010.0)]  # held since 1000: fires at the first evaluation >= 10 s later
    assert evaluator.firing() == ["hot"]
    evaluator.observe("t", 10)
    clock.advance(4)  # the 90s are out of the 5 s window now: the average is 10
    [resolved] = evaluator.evaluate()
    assert (resolved.state, resolved.since, resolved.value) == ("resolved", 1010.0, 10.0)
    assert evaluator.firing() == []


def test_no_data_never_fires_and_resolves_a_firing_alert(clock):
    evaluator = build_evaluator(
        rules=[{"name": "low", "metric": "q", "comparison": "<", "threshold": 1, "window_seconds": 1}], clock=clock
    )
    assert evaluator.evaluate() == []  # an empty window does not hold, even for "<"
    evaluator.observe("q", 0)
    assert [e.state for e in evaluator.evaluate()] == ["firing"]
    clock.advance(5)
    assert [e.state for e in evaluator.evaluate()] == ["resolved"]


def test_transitions_are_logged_as_alert_firing_and_alert_resolved(clock):
    evaluator = build_evaluator(
        rules=[{"name": "x", "metric": "m", "comparison": ">=", "threshold": 1, "window_seconds": 1}], clock=clock
    )
    with structlog.testing.capture_logs() as logs:
        evaluator.observe("m", 1)
        evaluator.evaluate()
        clock.advance(2)
        evaluator.evaluate()
    assert [(r["event"], r["log_level"], r["rule"]) for r in logs] == [
        ("alert_firing", "warning", "x"),
        ("alert_resolved", "info", "x"),
    ]


def test_labels_select_the_series(clock):
    rule = {"name": "5xx", "metric": "req", "labels": {"status": "500"}, "comparison": ">", "threshold": 0,
            "window_seconds": 10}  # fmt: skip
    evaluator = build_evaluator(rules=[rule], clock=clock)
    evaluator.observe("req", 5, labels={"status": "200"})
    assert evaluator.evaluate() == []
    evaluator.observe("req", 1, labels={"status": "500"})
    assert [e.state for e in evaluator.evaluate()] == ["firing"]


def test_time_must_not_go_backwards():
    evaluator = build_evaluator(
        rules=[{"name": "a", "metric": "m", "comparison": ">", "threshold": 0, "window_seconds": 1}]
    )
    evaluator.observe("m", 1, at=10)
    with pytest.raises(AlertingError, match="older than the previous"):
        evaluator.observe("m", 1, at=9)
    evaluator.evaluate(10)
    with pytest.raises(AlertingError, match="backwards"):
        evaluator.evaluate(9)


def test_rules_load_from_json_and_refuse_duplicates_and_bad_fields():
    text = json.dumps([{"name": "a", "metric": "m", "comparison": "<=", "threshold": 1, "window_seconds": 3}])
    [rule] = load_rules(text)
    assert (rule.comparison.value, rule.aggregation.value, rule.for_seconds) == ("<=", "avg", 0.0)
    with pytest.raises(AlertingError, match="used twice"):
        load_rules([rule, rule])
    with pytest.raises(AlertingError, match="Example rule"):
        load_rules('[{"name": "a", "metric": "m", "comparison": "=", "threshold": 1, "window_seconds": 3}]')


def test_rules_come_from_settings(monkeypatch):
    monkeypatch.setenv(
        "APP_ALERTING__RULES",
        '[{"name": "slow", "metric": "latency", "comparison": ">", "threshold": 0.5, "window_seconds": 60}]',
    )
    monkeypatch.setenv("APP_ALERTING__WEBHOOK_URL", "http://127.0.0.1:9/hook")
    settings = build_settings()
    assert [r.name for r in settings.alerting.rules] == ["slow"]
    assert settings.alerting.webhook_url == "http://127.0.0.1:9/hook"


def test_default_settings_have_no_rules():
    assert build_settings({}).alerting.rules == []


def test_the_harness_builds_it_through_the_component_protocol(clock):
    rule = {"name": "a", "metric": "m", "comparison": ">", "threshold": 0, "window_seconds": 1}
    evaluator = build_component("alert_evaluator", {}, rules=[rule], clock=clock)
    evaluator.observe("m", 1)
    assert [(e.rule, e.state, e.at) for e in evaluator.evaluate()] == [("a", "firing", clock.now)]
