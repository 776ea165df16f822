"""migrations/: one head, reversible on PostgreSQL, and the models match the DDL."""

from __future__ import annotations

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Engine

from reference_app.db.models import Base
from reference_app.migrations import downgrade, head_revision, upgrade
from reference_app.migrations.runner import alembic_config


def sync_engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def schema_snapshot(url: str) -> dict[str, object]:
    """Tables, columns, indexes, constraints and enum types, as PostgreSQL reports them
    (Alembic's own version table aside)."""
    engine = sync_engine(url)
    try:
        inspector = inspect(engine)
        tables = {}
        for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
            tables[table] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"], c["default"]) for c in inspector.get_columns(table)
                ],
                "indexes": sorted(str(sorted(i.items())) for i in inspector.get_indexes(table)),
                "foreign_keys": sorted(str(fk) for fk in inspector.get_foreign_keys(table)),
                "unique": sorted(str(u) for u in inspector.get_unique_constraints(table)),
            }
        with psycopg.connect(url) as connection:
            enums = connection.execute(
                "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) "
                "FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname "
                "ORDER BY t.typname"
            ).fetchall()
        return {"tables": tables, "enums": enums}
    finally:
        engine.dispose()


def test_there_is_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert heads == [head_revision()]


def test_base_head_base_head_on_postgresql(fresh_database_url):
    upgrade(fresh_database_url, "head")
    at_head = schema_snapshot(fresh_database_url)
    assert {"users", "api_keys", "refresh_tokens", "incidents"} <= set(at_head["tables"])
    downgrade(fresh_database_url, "base")
    at_base = schema_snapshot(fresh_database_url)
    assert at_base["tables"] == {}
    assert at_base["enums"] == []
    upgrade(fresh_database_url, "head")
    assert schema_snapshot(fresh_database_url) == at_head


def test_every_revision_downgrades_to_the_previous_schema(fresh_database_url):
    script = ScriptDirectory.from_config(alembic_config(fresh_database_url))
    revisions = list(reversed(list(script.walk_revisions())))
    previous = schema_snapshot(fresh_database_url)
    for revision in revisions:
        upgrade(fresh_database_url, revision.revision)
        after = schema_snapshot(fresh_database_url)
        downgrade(fresh_database_url, revision.down_revision or "base")
        assert schema_snapshot(fresh_database_url) == previous, revision.revision
        upgrade(fresh_database_url, revision.revision)
        assert schema_snapshot(fresh_database_url) == after
        previous = after


def test_models_match_the_migrated_schema(migrated):
    engine = sync_engine(migrated)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "compare_server_default": True}
            )
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_the_search_index_is_a_gin_index(migrated):
    with psycopg.connect(migrated) as connection:
        (definition,) = connection.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_incidents_search'"
        ).fetchone()
    assert "USING gin" in definition
    assert "to_tsvector" in definition


@pytest.mark.parametrize("url_prefix", ["sqlite:///", "sqlite+aiosqlite:///"])
def test_migrations_also_run_on_sqlite(tmp_path, url_prefix):
    url = f"{url_prefix}{tmp_path / 'app.db'}"
    upgrade(url, "head")
    downgrade(url, "base")
    upgrade(url, "head")
