"""Property 26: errors after retry exhaustion are classified (component) and answered as
problem+json without internals (http)."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gauntlet.bundled import app_environment
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from properties.component.fixtures import component
from properties.component.upstream import check_classified_errors
from properties.http.failing_upstream import FAULT_RUN_ENV, FailingUpstream
from properties.http.target import HttpTarget, connect
from properties.http.upstream_errors import (
    UPSTREAM_STATUSES,
    NoUpstreamOperation,
    check_fault_modes,
    check_upstream_errors,
)


@pytest.mark.property(26, level="component")
async def test_failed_upstream_calls_raise_the_classified_status(gauntlet_config: GauntletConfig) -> None:
    def build(**keywords: Any) -> Any:
        return component(gauntlet_config, "upstream_client", **keywords)

    await check_classified_errors(build)


# ---------------------------------------------------------------- http level

#: Seconds one request may take (a failing call is at most two 0.3 s attempts; sign-up hashes).
REQUEST_TIMEOUT_S = 30.0


@pytest.fixture
def failing_upstream() -> Iterator[FailingUpstream]:
    with FailingUpstream(hang_s=3.0) as upstream:
        yield upstream


@pytest.fixture
def app_over_failing_upstream(
    gauntlet_config: GauntletConfig,
    service_session: Any,
    properties_settings: PropertiesSettings,
    failing_upstream: FailingUpstream,
    tmp_path: Path,
) -> Iterator[HttpTarget]:
    """A private instance of the bundled app whose model server is ``failing_upstream``.

    Private (its own process and Redis key prefix, so its breaker is its own): the faults
    never reach the session's shared target.
    """
    settings = gauntlet_config.target
    env = {
        **os.environ,
        **app_environment(
            database_url=service_session.database_url,
            redis_url=service_session.redis_url,
            key_prefix=f"{service_session.key_prefix}p26:{secrets.token_hex(4)}:",
        ),
        **settings.app_env,
        **FAULT_RUN_ENV,
        "APP_MODEL_SERVER_URL": failing_upstream.url,
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", settings.app_module, "--host", "127.0.0.1", "--port", str(port), "--migrate"]
    with ProcessGroup() as processes:
        app = processes.start(ManagedProcess("p26-app", command, tmp_path, env=env))
        wait_until(lambda: _ready(url), settings.startup_timeout_s, f"the private app at {url} to be ready",
                   process=app, interval=0.2)  # fmt: skip
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            yield connect(client, properties_settings, openapi=f"{url}/openapi.json")


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/ready", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.property(26, level="http")
def test_exhausted_retries_answer_a_classified_problem(gauntlet_config: GauntletConfig, request: Any) -> None:
    if gauntlet_config.target.external:
        http: HttpTarget = request.getfixturevalue("http")
        try:
            statuses = check_upstream_errors(http)
        except NoUpstreamOperation as exc:
            pytest.skip(f"property 26 (http) cannot run against {gauntlet_config.target.url}: {exc}")
        if not statuses.keys() & UPSTREAM_STATUSES:
            pytest.skip(
                f"the target's upstream never failed during the run (statuses {dict(statuses)}), so no answer "
                "after exhausted retries could be checked; run it while the upstream is failing (a chaos run)"
            )
        return
    http = request.getfixturevalue("app_over_failing_upstream")
    upstream: FailingUpstream = request.getfixturevalue("failing_upstream")
    seen = check_fault_modes(http, upstream)
    assert upstream.requests > 0, "the failing upstream was never called: the app did not depend on it"
    assert 503 in seen, f"the breaker never opened during the fault run (statuses {dict(seen)})"
