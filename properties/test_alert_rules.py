"""Property 24 (component): the configured AlertEvaluator fires and resolves like the model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.alert_rules import check_threshold_alerting
from properties.component.fixtures import component


def _no_clock() -> float:
    # Every observe/evaluate in the property passes ``at``: reading the clock is a bug.
    raise AssertionError("the evaluator read its clock although every call passed an explicit instant")


@pytest.mark.property(24, level="component")
def test_alerts_fire_once_per_episode_and_resolve(gauntlet_config: GauntletConfig) -> None:
    def build(rules: Sequence[Mapping[str, Any]]) -> Any:
        return component(gauntlet_config, "alert_evaluator", rules=rules, clock=_no_clock)

    check_threshold_alerting(build)
