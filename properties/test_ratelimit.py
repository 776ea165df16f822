"""Property E1: the configured RateLimiter across instances (component), the target over HTTP."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gauntlet.bundled import app_environment
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from properties.component.fixtures import component
from properties.component.ratelimit import check_distributed_limit
from properties.http.ratelimit import check_rate_limits
from properties.http.target import HttpTarget, connect


@pytest.mark.property("E1", level="component")
async def test_limiter_instances_sharing_redis_hold_one_limit(
    gauntlet_config: GauntletConfig, redis_url: str, redis_key_prefix: str
) -> None:
    def make_limiter(**kwargs: Any) -> Any:
        return component(gauntlet_config, "rate_limiter", **kwargs)

    await check_distributed_limit(make_limiter, redis_url, f"{redis_key_prefix}props-rl:{secrets.token_hex(4)}:")


#: Tight limits of the dedicated app, per tier, over an hour (nothing refills mid-example).
LIMITS = {"free": 4, "premium": 9, "enterprise": 15}
WINDOW_S = 3600
#: App processes behind the one port: a client's requests land on both.
WORKERS = 2
#: Seconds one request may take on a busy shared 2-core machine.
REQUEST_TIMEOUT_S = 30.0


@pytest.fixture(scope="module")
def rate_limited(
    gauntlet_config: GauntletConfig,
    properties_settings: PropertiesSettings,
    service_session: object,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[HttpTarget, dict[str, int] | None]]:
    """--target: the target as it is. Bundled: ``--workers 2`` with tight limits, its own Redis prefix."""
    if gauntlet_config.target.external:
        with httpx.Client(base_url=gauntlet_config.target.url, timeout=REQUEST_TIMEOUT_S) as client:
            yield connect(client, properties_settings, openapi=gauntlet_config.target.openapi or "/openapi.json"), None
        return
    settings = gauntlet_config.target
    env = {
        **app_environment(
            database_url=service_session.database_url,  # type: ignore[attr-defined]
            redis_url=service_session.redis_url,  # type: ignore[attr-defined]
            key_prefix=f"{service_session.key_prefix}e1-{secrets.token_hex(4)}:",  # type: ignore[attr-defined]
        ),
        **settings.app_env,
        **{f"APP_RATE_LIMIT__{tier.upper()}": str(limit) for tier, limit in LIMITS.items()},
        "APP_RATE_LIMIT__WINDOW_SECONDS": str(WINDOW_S),
        # Concurrent bursts on 2 shared cores can keep Redis replies past the default
        # timeout, and a timed-out decision fails open: here every request must be decided.
        "APP_RATE_LIMIT__REDIS_TIMEOUT_SECONDS": "10",
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", settings.app_module, "--host", "127.0.0.1", "--port", str(port), "--migrate",
               "--workers", str(WORKERS)]  # fmt: skip
    workdir = tmp_path_factory.mktemp("e1-workers")
    with ProcessGroup() as group:
        app = group.start(ManagedProcess("e1-app", command, workdir, env={**os.environ, **env}))
        with httpx.Client(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
            wait_until(lambda: _ready(client), settings.startup_timeout_s, f"the app at {url}", process=app)
            yield connect(client, properties_settings, openapi=f"{url}/openapi.json"), LIMITS


def _ready(client: httpx.Client) -> bool:
    try:
        return client.get("/health/ready").status_code == 200
    except httpx.TransportError:
        return False


@pytest.mark.slow
@pytest.mark.property("E1", level="http")
def test_no_client_exceeds_its_tier_quota_over_http(rate_limited: tuple[HttpTarget, dict[str, int] | None]) -> None:
    http, expected = rate_limited
    if not check_rate_limits(http, expected):
        pytest.skip("no operation issues API keys by tier (a 'tier' enum in its body): E1 has no tier to check")
