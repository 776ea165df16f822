"""Property 36 (component): the configured Migrations, on a fresh PostgreSQL database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from gauntlet.components.protocols import Migrations
from gauntlet.config.model import GauntletConfig
from gauntlet.services.postgres import create_database, drop_database
from properties.component.fixtures import component
from properties.component.migrations import check_models_match, check_round_trips, check_single_head


@pytest.fixture(scope="module")
def migrations(gauntlet_config: GauntletConfig) -> Migrations:
    built: Migrations = component(gauntlet_config, "migrations")
    return built


@pytest.fixture
def empty_database(service_session: object) -> Iterator[str]:
    admin = service_session.postgres.url  # type: ignore[attr-defined]
    name = f"gauntlet_migrations_{secrets.token_hex(4)}"
    url = create_database(admin, name)
    try:
        yield url
    finally:
        drop_database(admin, name)


@pytest.mark.property(36, level="component")
def test_there_is_a_single_head(migrations: Migrations) -> None:
    check_single_head(migrations)


@pytest.mark.property(36, level="component")
def test_every_revision_round_trips(migrations: Migrations, empty_database: str) -> None:
    check_round_trips(migrations, empty_database)


@pytest.mark.property(36, level="component")
def test_the_migrated_schema_matches_the_models(migrations: Migrations, empty_database: str) -> None:
    check_models_match(migrations, empty_database)
