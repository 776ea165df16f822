"""Fixtures of the property suite.

``http``: the target (``--target URL`` or the bundled app) with an account of the suite's
own. The bundled app allows the CORS origins of ``[target] app_env`` (APP_CORS_ORIGINS),
so E3 checks both halves; ``[properties] cors_allowed_origins`` names them for other targets.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gauntlet.bundled import allowed_origins
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.target import Target
from properties.http.target import HttpTarget, connect

#: Seconds one request may take on a busy shared 2-core machine before it is an error.
REQUEST_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def properties_settings(gauntlet_config: GauntletConfig, target: Target) -> PropertiesSettings:
    settings = gauntlet_config.properties
    if not gauntlet_config.target.url and not settings.cors_allowed_origins:
        # The bundled app started by the root `target` fixture allows these (config data).
        settings = settings.model_copy(update={"cors_allowed_origins": allowed_origins(gauntlet_config.target)})
    return settings


@pytest.fixture(scope="session")
def http(target: Target, properties_settings: PropertiesSettings) -> Iterator[HttpTarget]:
    with httpx.Client(base_url=target.url, headers=target.headers, timeout=REQUEST_TIMEOUT_S) as client:
        yield connect(client, properties_settings, openapi=target.openapi)
