"""1 fails on analyzers with one rule broken (the reference QueryAnalyzer, mutated)."""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path
from typing import Any

import pytest

from gauntlet.services.postgres import create_database, drop_database
from properties.component.query_plans import check_plan_analysis_postgres, check_plan_analysis_sqlite
from reference_app.query_analyzer import IndexSuggestion, PlanReport, QueryAnalyzer, build


class NeverSuggests(QueryAnalyzer):
    """Reports scans faithfully but never suggests an index."""

    async def analyze(self, sql: str, params: Any = None) -> PlanReport:
        return dataclasses.replace(await super().analyze(sql, params), suggestions=())


class SuggestsPrimaryKey(QueryAnalyzer):
    """Suggests an index on ``id`` instead of the filtered column."""

    async def analyze(self, sql: str, params: Any = None) -> PlanReport:
        report = await super().analyze(sql, params)
        wrong = tuple(IndexSuggestion(s.table, ("id",)) for s in report.suggestions)
        return dataclasses.replace(report, suggestions=wrong)


def _maker(cls: type[QueryAnalyzer], path: Path) -> Any:
    def make() -> QueryAnalyzer:
        reference = build(database_url=f"sqlite:///{path}")
        mutant = cls.__new__(cls)
        mutant.__dict__.update(reference.__dict__)
        return mutant

    return make


@pytest.mark.mutant(1)
@pytest.mark.parametrize("mutant", [NeverSuggests, SuggestsPrimaryKey])
async def test_plan_analysis_fails_on_broken_analyzers(mutant: type[QueryAnalyzer], tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="suggestion"):
        await check_plan_analysis_sqlite(_maker(mutant, tmp_path / "plans.db"), tmp_path / "plans.db")


@pytest.mark.mutant(1)
async def test_postgres_plan_analysis_fails_on_a_wrong_column(database_url: str) -> None:
    name = f"gauntlet_p1m_{secrets.token_hex(4)}"
    url = create_database(database_url, name)

    def make() -> QueryAnalyzer:
        reference = build(database_url=url)
        mutant = SuggestsPrimaryKey.__new__(SuggestsPrimaryKey)
        mutant.__dict__.update(reference.__dict__)
        return mutant

    try:
        with pytest.raises(AssertionError, match="suggestion"):
            await check_plan_analysis_postgres(make, url)
    finally:
        drop_database(database_url, name)
