"""Property 32 (component): correlation ids through the configured middleware and logging."""

from __future__ import annotations

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.correlation_ids import check_correlation_ids
from properties.component.fixtures import component


@pytest.mark.property(32, level="component")
def test_valid_ids_propagate_and_invalid_ids_are_replaced(gauntlet_config: GauntletConfig) -> None:
    check_correlation_ids(component(gauntlet_config, "logging"), component(gauntlet_config, "correlation"))
