"""Properties 2, 3, 4, 5 (component): the configured Repository, each on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from properties.component.fixtures import component
from properties.component.repository import (
    check_aggregation_in_sql,
    check_cursor_walks,
    check_hot_queries_use_indexes,
    check_statements_name_their_columns,
)


@pytest.fixture
async def repository(gauntlet_config: GauntletConfig, scratch_database: str) -> AsyncIterator[Any]:
    # Factory keyword: database_url (empty; prepare() creates the schema).
    built = component(gauntlet_config, "repository", database_url=scratch_database)
    await built.prepare()
    yield built
    await built.aclose()


@pytest.mark.property(2, level="component")
async def test_hot_queries_use_indexes(repository: Any, scratch_database: str, gauntlet_config: GauntletConfig) -> None:
    await check_hot_queries_use_indexes(repository, scratch_database, gauntlet_config.properties.seq_scan_max_rows)


@pytest.mark.property(3, level="component")
async def test_statements_name_their_columns(repository: Any) -> None:
    await check_statements_name_their_columns(repository)


@pytest.mark.property(4, level="component")
async def test_cursor_walks_see_every_row_once(repository: Any) -> None:
    await check_cursor_walks(repository)


@pytest.mark.property(5, level="component")
async def test_aggregation_happens_in_sql(repository: Any, scratch_database: str) -> None:
    await check_aggregation_in_sql(repository, scratch_database)
