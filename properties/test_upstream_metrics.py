"""Property 23 (component): the configured upstream client observes every call by outcome."""

from __future__ import annotations

from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.upstream import check_latency_tracking


@pytest.mark.property(23, level="component")
async def test_every_upstream_call_is_observed_by_outcome(gauntlet_config: GauntletConfig) -> None:
    def build(**keywords: Any) -> Any:
        return component(gauntlet_config, "upstream_client", **keywords)

    await check_latency_tracking(build)
