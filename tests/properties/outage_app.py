"""The reference app in process on private PostgreSQL and Redis, wrapped by a mutant.

For failure proofs of the outage drills (E5, 28): the test stops and restarts servers
of its own, never the session's.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from gauntlet.config.model import PropertiesSettings
from properties.http.outage import PrivateDependencies
from properties.http.target import HttpTarget, connect
from tests.properties.conftest import Wrap

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette asks for httpx2; its TestClient still works over httpx
    from starlette.testclient import TestClient


@contextmanager
def in_process_target(
    dependencies: PrivateDependencies, wrap: Wrap, settings: PropertiesSettings, app_env: dict[str, str]
) -> Iterator[HttpTarget]:
    from reference_app.app import create_app
    from reference_app.migrations import upgrade
    from reference_app.settings import build_settings

    upgrade(dependencies.database_url, "head")
    env = {**app_env, "APP_DATABASE_URL": dependencies.database_url, "APP_REDIS_URL": dependencies.redis_url}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        app = create_app(build_settings())
    with TestClient(wrap(app), base_url="http://testserver", raise_server_exceptions=False) as client:
        yield connect(client, settings, openapi="/openapi.json")
