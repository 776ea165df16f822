"""Property 30: error responses are logged once, at their level, complete.

component: the configured ErrorLoggingApp; http: the target, whose JSON-lines log is
``[properties] log_file`` (the bundled app's own process log when unset).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gauntlet.components.protocols import ErrorLoggingApp
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.target import Target
from properties.component.error_logs import check_error_logging
from properties.component.fixtures import component
from properties.http.error_logs import check_error_logging_http
from properties.http.target import HttpTarget


@pytest.mark.property(30, level="component")
def test_every_error_response_is_logged_once(gauntlet_config: GauntletConfig) -> None:
    built: ErrorLoggingApp = component(gauntlet_config, "error_logging_app")
    check_error_logging(built)


@pytest.mark.property(30, level="http")
def test_every_error_response_is_in_the_targets_log(
    http: HttpTarget, properties_settings: PropertiesSettings, target: Target
) -> None:
    log_file = properties_settings.log_file or target.log_file
    if log_file is None:
        pytest.skip("property 30 (http) reads the target's log: set [properties] log_file to its JSON-lines file")
    path = Path(log_file)
    if not path.is_file():
        pytest.fail(f"[properties] log_file = {log_file!r} is not a readable file; point it at the target's log")
    check_error_logging_http(http, path)
