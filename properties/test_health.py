"""Property E5 over HTTP: health responses (any target) and readiness under an outage (ours).

Against ``--target`` the dependencies are not ours to stop: only the response shape and
liveness are checked, and the outage test is skipped saying so (it shows in the report).
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup
from properties.http.health import check_health_responses
from properties.http.outage import (
    PrivateDependencies,
    check_readiness_follows_outages,
    spawn_app,
    start_private_dependencies,
    wait_for_readiness,
)
from properties.http.target import HttpTarget, connect

#: Seconds one request may take on a busy shared 2-core machine.
REQUEST_TIMEOUT_S = 30.0
NO_DEPENDENCY_CONTROL = (
    "--target: the target's dependencies are not ours to stop, so readiness during an outage is not "
    "checked; health response shape and liveness are (test_health_answers_are_well_formed)"
)


@pytest.fixture(scope="module")
def outage_app(
    gauntlet_config: GauntletConfig, properties_settings: PropertiesSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[HttpTarget, PrivateDependencies, ManagedProcess]]:
    """The bundled app in a process of its own, on private PostgreSQL and Redis."""
    if gauntlet_config.target.external:
        pytest.skip(NO_DEPENDENCY_CONTROL)
    workdir = tmp_path_factory.mktemp("e5-outage")
    with ProcessGroup() as group:
        dependencies = start_private_dependencies(workdir, group)
        port = free_port()
        app = spawn_app(gauntlet_config.target, dependencies, workdir, group, port=port)
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            wait_for_readiness(client.get, "/health/ready", lambda code, _: code == 200, "answer 200 after start")
            yield connect(client, properties_settings, openapi=f"{url}/openapi.json"), dependencies, app


@pytest.mark.property("E5", level="http")
def test_health_answers_are_well_formed(http: HttpTarget) -> None:
    check_health_responses(http)


@pytest.mark.slow
@pytest.mark.property("E5", level="http")
def test_readiness_fails_while_the_database_is_down_and_liveness_never_does(
    outage_app: tuple[HttpTarget, PrivateDependencies, ManagedProcess],
) -> None:
    http, dependencies, app = outage_app
    check_readiness_follows_outages(
        http, dependencies, app_pid=lambda: app.pid if app.alive() else None, names=["database"]
    )
