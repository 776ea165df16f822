"""Fixtures of the property suite.

``http``: the target (``--target URL`` or the bundled app) with an account of the suite's
own. For the bundled app started by this session, one CORS origin is allowed so E3 can
check both halves; ``[properties] cors_allowed_origins`` names them for other targets.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from gauntlet.config.model import GauntletConfig, PropertiesSettings
from gauntlet.target import Target
from properties.http.target import HttpTarget, connect

#: The origin the bundled app started by this session allows (APP_CORS_ORIGINS).
BUNDLED_CORS_ORIGIN = "https://app.gauntlet.test"
#: Seconds one request may take on a busy shared 2-core machine before it is an error.
REQUEST_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def target(
    gauntlet_config: GauntletConfig, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Target]:
    """The root ``target``, except that a bundled app started here allows one CORS origin."""
    from gauntlet.target import external_target

    if gauntlet_config.target.url:
        yield external_target(gauntlet_config.target)
        return
    from gauntlet.bundled import BundledApp
    from gauntlet.services.processes import ProcessGroup

    session = request.getfixturevalue("service_session")
    with ProcessGroup() as processes:
        app = BundledApp(
            gauntlet_config.target,
            database_url=session.database_url,
            redis_url=session.redis_url,
            key_prefix=session.key_prefix,
            workdir=tmp_path_factory.mktemp("bundled"),
            processes=processes,
        )
        app.env["APP_CORS_ORIGINS"] = BUNDLED_CORS_ORIGIN
        yield app.start()


@pytest.fixture(scope="session")
def properties_settings(gauntlet_config: GauntletConfig, target: Target) -> PropertiesSettings:
    settings = gauntlet_config.properties
    if not gauntlet_config.target.url and not settings.cors_allowed_origins:
        settings = settings.model_copy(update={"cors_allowed_origins": (BUNDLED_CORS_ORIGIN,)})
    return settings


@pytest.fixture(scope="session")
def http(target: Target, properties_settings: PropertiesSettings) -> Iterator[HttpTarget]:
    with httpx.Client(base_url=target.url, headers=target.headers, timeout=REQUEST_TIMEOUT_S) as client:
        yield connect(client, properties_settings, openapi=target.openapi)
