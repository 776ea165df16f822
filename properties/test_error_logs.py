"""Property 30 (component): error responses are logged once, at their level, complete."""

from __future__ import annotations

import pytest

from gauntlet.components.protocols import ErrorLoggingApp
from gauntlet.config.model import GauntletConfig
from properties.component.error_logs import check_error_logging
from properties.component.fixtures import component


@pytest.mark.property(30, level="component")
def test_every_error_response_is_logged_once(gauntlet_config: GauntletConfig) -> None:
    built: ErrorLoggingApp = component(gauntlet_config, "error_logging_app")
    check_error_logging(built)
