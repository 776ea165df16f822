"""Property 1 (component): the configured QueryAnalyzer over a scratch SQLite database."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from gauntlet.config.model import GauntletConfig
from gauntlet.services.postgres import create_database, drop_database
from properties.component.fixtures import component
from properties.component.query_plans import check_plan_analysis_postgres, check_plan_analysis_sqlite


@pytest.mark.property(1, level="component")
async def test_sqlite_plan_analysis(gauntlet_config: GauntletConfig, tmp_path: Path) -> None:
    path = tmp_path / "plans.db"

    def make_analyzer() -> Any:
        # Factory keyword: database_url (the reference factory also takes engine=).
        return component(gauntlet_config, "query_analyzer", database_url=f"sqlite:///{path}")

    await check_plan_analysis_sqlite(make_analyzer, path)


@pytest.mark.property(1, level="component")
async def test_postgres_plan_analysis(gauntlet_config: GauntletConfig, database_url: str) -> None:
    name = f"gauntlet_p1_{secrets.token_hex(4)}"
    url = create_database(database_url, name)
    try:

        def make_analyzer() -> Any:
            return component(gauntlet_config, "query_analyzer", database_url=url)

        await check_plan_analysis_postgres(make_analyzer, url)
    finally:
        drop_database(database_url, name)
