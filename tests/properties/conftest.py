"""Failure proofs run the property functions against the real reference app, in process,
wrapped by a breaking ASGI layer (or with a broken component): the property must fail.

Every in-process app reads the same ``APP_*`` variables as the bundled process (this
session's database and Redis prefix), with a cheap password hash so sign-ups are fast.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from starlette.types import ASGIApp

from gauntlet.bundled import app_environment
from gauntlet.config.model import GauntletConfig, PropertiesSettings
from properties.http.target import HttpTarget, connect

with warnings.catch_warnings():
    # Starlette 1.10 asks for httpx2; its TestClient still is an httpx.Client over httpx.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

#: The origin the in-process app allows (APP_CORS_ORIGINS), for E3's allowed half.
ALLOWED_ORIGIN = "https://app.gauntlet.test"
#: Argon2 at its cheapest: the proofs sign up accounts, they do not test password storage.
FAST_PASSWORD_HASH = {
    "APP_PASSWORD_HASH__TIME_COST": "1",
    "APP_PASSWORD_HASH__MEMORY_KIB": "64",
    "APP_PASSWORD_HASH__PARALLELISM": "1",
}

#: Builds the app under test from the reference app (a wrapper, or the identity).
Wrap = Callable[[ASGIApp], ASGIApp]
OpenTarget = Callable[..., "contextmanager[HttpTarget]"]


def unchanged(app: ASGIApp) -> ASGIApp:
    return app


@pytest.fixture(scope="session")
def app_env(service_session: object) -> dict[str, str]:
    return {
        **app_environment(
            database_url=service_session.database_url,  # type: ignore[attr-defined]
            redis_url=service_session.redis_url,  # type: ignore[attr-defined]
            key_prefix=service_session.key_prefix,  # type: ignore[attr-defined]
        ),
        **FAST_PASSWORD_HASH,
        "APP_CORS_ORIGINS": ALLOWED_ORIGIN,
    }


@pytest.fixture(scope="session")
def migrated(app_env: dict[str, str]) -> None:
    from reference_app.migrations import upgrade

    upgrade(app_env["APP_DATABASE_URL"], "head")


@pytest.fixture(scope="session")
def mutant_settings(gauntlet_config: GauntletConfig) -> PropertiesSettings:
    return gauntlet_config.properties.model_copy(update={"cors_allowed_origins": (ALLOWED_ORIGIN,)})


@pytest.fixture
def open_target(app_env: dict[str, str], migrated: None, mutant_settings: PropertiesSettings):  # type: ignore[no-untyped-def]
    """``with open_target(wrap) as http:`` the reference app wrapped by ``wrap``, in process."""

    @contextmanager
    def opened(wrap: Wrap = unchanged, settings: PropertiesSettings = mutant_settings) -> Iterator[HttpTarget]:
        from reference_app.app import create_app
        from reference_app.settings import build_settings

        with pytest.MonkeyPatch.context() as patch:
            for name, value in app_env.items():
                patch.setenv(name, value)
            app = create_app(build_settings())
        with TestClient(wrap(app), base_url="http://testserver", raise_server_exceptions=False) as client:
            yield connect(client, settings, openapi="/openapi.json")

    return opened
