"""Property 28: the configured StartupWait (component); outages under the running app (http)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gauntlet.components.protocols import StartupWait
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ProcessGroup
from properties.component.connection_retry import check_startup_retry
from properties.component.fixtures import component
from properties.http.outage import (
    PrivateDependencies,
    check_readiness_follows_outages,
    check_startup_waits_for_dependencies,
    spawn_app,
    start_private_dependencies,
)
from properties.http.target import connect

#: Seconds of delays the wait may spend (recorded, never slept here).
BUDGET_S = 30.0
#: Seconds one request may take on a busy shared 2-core machine.
REQUEST_TIMEOUT_S = 30.0


@pytest.fixture
def private_dependencies(gauntlet_config: GauntletConfig, tmp_path: Path) -> Iterator[PrivateDependencies]:
    if gauntlet_config.target.external:
        pytest.skip("--target: the target's dependencies are not ours to stop; connection retry is not checked")
    with ProcessGroup() as group:
        yield start_private_dependencies(tmp_path, group)


@pytest.mark.property(28, level="component")
def test_startup_retries_refused_connections_with_backoff(gauntlet_config: GauntletConfig) -> None:
    wait: StartupWait = component(gauntlet_config, "startup_wait", budget_s=BUDGET_S)
    check_startup_retry(wait)


@pytest.mark.slow
@pytest.mark.property(28, level="http")
def test_the_app_waits_for_its_dependencies_at_startup_and_recovers_from_outages(
    gauntlet_config: GauntletConfig,
    properties_settings: PropertiesSettings,
    private_dependencies: PrivateDependencies,
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    started = []

    def start_app():  # type: ignore[no-untyped-def]
        started.append(spawn_app(gauntlet_config.target, private_dependencies, tmp_path, private_dependencies.group,
                                 port=port))  # fmt: skip
        return started[0]

    check_startup_waits_for_dependencies(url, private_dependencies, start_app)
    app = started[0]
    with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
        http = connect(client, properties_settings, openapi=f"{url}/openapi.json")
        check_readiness_follows_outages(http, private_dependencies, app_pid=lambda: app.pid if app.alive() else None)
