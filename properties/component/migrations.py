"""36: one head; for every revision, upgrade → downgrade → upgrade leaves an identical
schema; the fully migrated schema matches the models.

The schema is read by the harness itself (PostgreSQL catalog through SQLAlchemy's
inspector): tables, columns with types, nullability and defaults, indexes, unique and
check constraints, foreign keys, enum types. Hypothesis walks random up/down sequences
over the revision history; each revision must always look the same.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from gauntlet.components.alembic_migrations import sync_url
from gauntlet.components.protocols import Migrations
from properties.examples import scaled_examples

#: A migration run takes about a second: a walk visits this many revisions at most.
MAX_MOVES = 4
BASE = "base"
#: Tables of the migration tool itself, not of the schema.
TOOL_TABLES = frozenset({"alembic_version"})


def schema_snapshot(database_url: str) -> dict[str, Any]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as connection:
            inspector = inspect(connection)
            tables: dict[str, Any] = {}
            for table in sorted(set(inspector.get_table_names()) - TOOL_TABLES):
                tables[table] = {
                    "columns": [
                        (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                        for c in inspector.get_columns(table)
                    ],
                    "primary_key": inspector.get_pk_constraint(table).get("constrained_columns"),
                    "indexes": sorted(repr(sorted(i.items())) for i in inspector.get_indexes(table)),
                    "unique": sorted(repr(sorted(u.items())) for u in inspector.get_unique_constraints(table)),
                    "checks": sorted(repr(sorted(c.items())) for c in inspector.get_check_constraints(table)),
                    "foreign_keys": sorted(repr(sorted(f.items())) for f in inspector.get_foreign_keys(table)),
                }
            enums = connection.execute(
                text(
                    "SELECT t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_type t "
                    "JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace "
                    "WHERE n.nspname = current_schema() GROUP BY t.typname ORDER BY t.typname"
                )
            ).all()
            return {"tables": tables, "enums": [(name, list(labels)) for name, labels in enums]}
    finally:
        engine.dispose()


def check_single_head(migrations: Migrations) -> None:
    heads = list(migrations.heads())
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}; merge them"
    revisions = list(migrations.revisions())
    assert revisions and revisions[-1] == heads[0], f"the history {revisions} does not end at the head {heads[0]}"


def check_round_trips(migrations: Migrations, database_url: str) -> None:
    """Every revision: upgrade → downgrade → upgrade gives the same schema as the first upgrade.

    ``database_url`` must be an empty database: its schema is the one "base" must restore.
    """
    history = [BASE, *migrations.revisions()]
    snapshots = {BASE: schema_snapshot(database_url)}
    assert not snapshots[BASE]["tables"], (
        f"check_round_trips needs an empty database, got {sorted(snapshots[BASE]['tables'])}"
    )
    for previous, revision in itertools.pairwise(history):
        migrations.upgrade(database_url, revision)
        snapshots[revision] = schema_snapshot(database_url)
        migrations.downgrade(database_url, previous)
        assert schema_snapshot(database_url) == snapshots[previous], (
            f"downgrading {revision} does not restore {previous}"
        )
        migrations.upgrade(database_url, revision)
        assert schema_snapshot(database_url) == snapshots[revision], f"upgrade→downgrade→upgrade changes {revision}"

    @settings(max_examples=scaled_examples(2))
    @given(walk=st.lists(st.sampled_from(history), min_size=1, max_size=MAX_MOVES))
    def every_revision_always_looks_the_same(walk: Sequence[str]) -> None:
        position = history[-1]
        for target in walk:
            if history.index(target) > history.index(position):
                migrations.upgrade(database_url, target)
            elif history.index(target) < history.index(position):
                migrations.downgrade(database_url, target)
            position = target
            assert schema_snapshot(database_url) == snapshots[target], f"the walk {list(walk)} changed {target}"
        migrations.upgrade(database_url, history[-1])

    every_revision_always_looks_the_same()


def check_models_match(migrations: Migrations, database_url: str) -> None:
    migrations.upgrade(database_url, "head")
    differences = list(migrations.model_differences(database_url))
    assert not differences, f"the migrated schema differs from the models: {differences}"
