"""Property 28: the configured StartupWait (component); outages under the running app (http)."""

from __future__ import annotations

import pytest

from gauntlet.components.protocols import StartupWait
from gauntlet.config.model import GauntletConfig
from properties.component.connection_retry import check_startup_retry
from properties.component.fixtures import component

#: Seconds of delays the wait may spend (recorded, never slept here).
BUDGET_S = 30.0


@pytest.mark.property(28, level="component")
def test_startup_retries_refused_connections_with_backoff(gauntlet_config: GauntletConfig) -> None:
    wait: StartupWait = component(gauntlet_config, "startup_wait", budget_s=BUDGET_S)
    check_startup_retry(wait)
