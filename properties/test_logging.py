"""Properties 33, 34 (component): the configured LogConfigurator."""

from __future__ import annotations

import pytest

from gauntlet.components.protocols import LogConfigurator
from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.logging import check_json_lines, check_required_fields


@pytest.fixture
def log_configurator(gauntlet_config: GauntletConfig) -> LogConfigurator:
    built: LogConfigurator = component(gauntlet_config, "logging")
    return built


@pytest.mark.property(33, level="component")
def test_every_log_line_is_one_json_object(log_configurator: LogConfigurator) -> None:
    check_json_lines(log_configurator)


@pytest.mark.property(34, level="component")
def test_every_log_record_has_the_required_fields(log_configurator: LogConfigurator) -> None:
    check_required_fields(log_configurator)
