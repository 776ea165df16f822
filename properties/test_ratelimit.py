"""Property E1: the configured RateLimiter across instances (component), the target over HTTP."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.ratelimit import check_distributed_limit


@pytest.mark.property("E1", level="component")
async def test_limiter_instances_sharing_redis_hold_one_limit(
    gauntlet_config: GauntletConfig, redis_url: str, redis_key_prefix: str
) -> None:
    def make_limiter(**kwargs: Any) -> Any:
        return component(gauntlet_config, "rate_limiter", **kwargs)

    await check_distributed_limit(make_limiter, redis_url, f"{redis_key_prefix}props-rl:{secrets.token_hex(4)}:")
