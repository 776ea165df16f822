"""36 fails on two heads, a downgrade that leaves something behind, or models that drift."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import Column, Integer, MetaData, create_engine, text

from gauntlet.components.alembic_migrations import AlembicMigrations, build, sync_url
from gauntlet.services.postgres import create_database, drop_database
from properties.component.migrations import check_models_match, check_round_trips, check_single_head
from reference_app import migrations as migrations_module
from reference_app.db.models import Base


@pytest.fixture
def empty_database(service_session):
    admin = service_session.postgres.url
    name = f"gauntlet_migrations_{secrets.token_hex(4)}"
    url = create_database(admin, name)
    yield url
    drop_database(admin, name)


class TwoHeads:
    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def heads(self):
        return [*self.real.heads(), "f00dfeed"]


class LeakyDowngrade(TwoHeads):
    """Its downgrade to base forgets a table the upgrade created."""

    def heads(self):
        return self.real.heads()

    def downgrade(self, database_url, revision):
        self.real.downgrade(database_url, revision)
        if revision == "base":
            engine = create_engine(sync_url(database_url))
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE IF NOT EXISTS gauntlet_leftover (id integer)"))
            engine.dispose()


def _drifted() -> AlembicMigrations:
    """Models with a column no migration creates."""
    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    metadata.tables["incidents"].append_column(Column("gauntlet_extra", Integer))
    return AlembicMigrations(runner=migrations_module, script_location="reference_app:migrations", metadata=metadata)


def test_all_hold_on_the_reference_migrations(empty_database):
    migrations = build()
    check_single_head(migrations)
    check_round_trips(migrations, empty_database)
    check_models_match(migrations, empty_database)


@pytest.mark.mutant(36)
def test_single_head_fails_with_two_heads():
    with pytest.raises(AssertionError, match="2 heads"):
        check_single_head(TwoHeads(build()))


@pytest.mark.mutant(36)
def test_round_trips_fail_when_a_downgrade_leaves_a_table(empty_database):
    with pytest.raises(AssertionError, match=r"does not restore|changed|changes"):
        check_round_trips(LeakyDowngrade(build()), empty_database)


@pytest.mark.mutant(36)
def test_models_match_fails_when_the_models_drift(empty_database):
    with pytest.raises(AssertionError, match="differs from the models"):
        check_models_match(_drifted(), empty_database)
