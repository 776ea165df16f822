"""Property 21 (component): the configured request metrics middleware, in process."""

from __future__ import annotations

from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.request_metrics import check_request_metrics


@pytest.mark.property(21, level="component")
def test_each_request_is_counted_once_by_route_template(gauntlet_config: GauntletConfig) -> None:
    def build() -> Any:
        return component(gauntlet_config, "request_metrics")

    check_request_metrics(build)
