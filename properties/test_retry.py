"""Properties 25 and 29 (component): the configured RetryPolicy, driven with scripted answers."""

from __future__ import annotations

from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.retry import (
    BuildPolicy,
    check_backoff_delays,
    check_classification,
    check_only_retryable_outcomes_are_retried,
    check_retry_loop,
)


@pytest.fixture
def build_policy(gauntlet_config: GauntletConfig) -> BuildPolicy:
    """Builds the configured retry policy with the keywords an example draws."""

    def build(**keywords: Any) -> Any:
        return component(gauntlet_config, "retry_policy", **keywords)

    return build


@pytest.mark.property(25, level="component")
def test_delays_lie_in_the_capped_jitter_interval(build_policy: BuildPolicy) -> None:
    check_backoff_delays(build_policy)


@pytest.mark.property(25, level="component")
def test_retries_are_bounded_and_stop_at_the_first_success(build_policy: BuildPolicy) -> None:
    check_retry_loop(build_policy)


@pytest.mark.property(29, level="component")
def test_every_outcome_has_exactly_one_class(build_policy: BuildPolicy) -> None:
    check_classification(build_policy)


@pytest.mark.property(29, level="component")
def test_only_retryable_outcomes_are_retried(build_policy: BuildPolicy) -> None:
    check_only_retryable_outcomes_are_retried(build_policy)
