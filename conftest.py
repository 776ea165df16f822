"""pytest options and the fixtures every suite shares.

    --target URL      run the http-level tests against a deployment instead of the bundled app
    --profile NAME    Gauntlet profile (ci, full, or one from gauntlet.toml); also picks the
                      Hypothesis profile unless HYPOTHESIS_PROFILE is set

Services are real: Redis and PostgreSQL are found or started by gauntlet.services
(DESIGN.md "Services"); each session gets its own database and Redis key prefix.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from gauntlet.config import GauntletConfig, load_config
from gauntlet.errors import GauntletError
from gauntlet.target import Target

pytest_plugins = ["gauntlet.pytest_plugin", "pytester"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gauntlet")
    group.addoption("--target", default=None, help="Base URL of the service under test (default: the bundled app).")
    group.addoption("--profile", default=None, help="Gauntlet profile: ci (default), full, or one from gauntlet.toml.")


def _load(config: pytest.Config) -> GauntletConfig:
    flags = {("profile",): config.getoption("--profile"), ("target", "url"): config.getoption("--target")}
    try:
        loaded, _ = load_config(cwd=Path(str(config.rootpath)), environ=os.environ, flags=flags)
    except GauntletError as exc:
        raise pytest.UsageError(str(exc)) from None
    return loaded


def pytest_configure(config: pytest.Config) -> None:
    gauntlet_config = _load(config)
    config.stash[_CONFIG_KEY] = gauntlet_config
    for name, profile in gauntlet_config.profiles.items():
        settings.register_profile(
            name,
            max_examples=profile.hypothesis_max_examples,
            derandomize=profile.hypothesis_derandomize,
            # Real services answer in milliseconds to seconds on a shared 2-core machine:
            # per-example deadlines would measure the machine, not the property.
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            print_blob=True,
        )
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", gauntlet_config.profile))
    _plain_structlog_tracebacks()


def _plain_structlog_tracebacks() -> None:
    """An in-process app that logs before anyone configured structlog gets structlog's
    defaults, whose rich tracebacks render every frame's locals: about a minute per 500
    on this machine. Same console output, plain tracebacks."""
    import structlog

    if structlog.is_configured():
        return
    *processors, _renderer = structlog.get_config()["processors"]
    structlog.configure(
        processors=[*processors, structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)]
    )


_CONFIG_KEY = pytest.StashKey[GauntletConfig]()


@pytest.fixture(scope="session")
def gauntlet_config(pytestconfig: pytest.Config) -> GauntletConfig:
    return pytestconfig.stash[_CONFIG_KEY]


@pytest.fixture(scope="session")
def service_session(gauntlet_config: GauntletConfig, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Redis + PostgreSQL for this session: a fresh database and key prefix, cleaned up after."""
    import secrets

    from gauntlet.services.session import ServiceSession

    with ServiceSession(
        redis_url=gauntlet_config.services.redis_url,
        database_url=gauntlet_config.services.database_url,
        workdir=tmp_path_factory.mktemp("services"),
        session_id=secrets.token_hex(4),
        allow_install=gauntlet_config.services.allow_install,
        prefer_private=gauntlet_config.services.prefer_private,
    ) as session:
        yield session


@pytest.fixture(scope="session")
def database_url(service_session: object) -> str:
    """postgresql:// URL of this session's own, empty database."""
    return str(service_session.database_url)  # type: ignore[attr-defined]


@pytest.fixture
def scratch_database(database_url: str) -> Iterator[str]:
    """postgresql:// URL of a database of the test's own on the session's server, dropped after it."""
    import secrets

    from gauntlet.services.postgres import create_database, drop_database

    name = f"gauntlet_scratch_{secrets.token_hex(4)}"
    yield create_database(database_url, name)
    drop_database(database_url, name)


@pytest.fixture(scope="session")
def redis_url(service_session: object) -> str:
    return str(service_session.redis_url)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def redis_key_prefix(service_session: object) -> str:
    """Every Redis key this session writes starts with it."""
    return str(service_session.key_prefix)  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def target(
    gauntlet_config: GauntletConfig, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Target]:
    """The service under test over real HTTP: --target URL, or the bundled app started once."""
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
        yield app.start()
