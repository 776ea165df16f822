"""Property 26: errors after retry exhaustion are classified (component) and answered as
problem+json without internals (http)."""

from __future__ import annotations

from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.upstream import check_classified_errors


@pytest.mark.property(26, level="component")
async def test_failed_upstream_calls_raise_the_classified_status(gauntlet_config: GauntletConfig) -> None:
    def build(**keywords: Any) -> Any:
        return component(gauntlet_config, "upstream_client", **keywords)

    await check_classified_errors(build)
