"""A :class:`~gauntlet.components.protocols.Migrations` for apps migrating with Alembic.

Three import paths describe the app (the defaults are the reference app's)::

    build(
        runner="reference_app.migrations",          # module with upgrade(url, rev), downgrade(url, rev)
        script_location="reference_app:migrations", # Alembic script directory
        metadata="reference_app.db.models:Base.metadata",  # the models' MetaData
    )

The runner functions are the app's own (its ``env.py`` decides how to connect); the
revision graph is read from the script directory, and the model comparison is
Alembic's autogenerate diff over a synchronous psycopg connection.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any, cast

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, create_engine, make_url

from gauntlet.components.factories import import_object

DEFAULT_RUNNER = "reference_app.migrations"
DEFAULT_SCRIPT_LOCATION = "reference_app:migrations"
DEFAULT_METADATA = "reference_app.db.models:Base.metadata"


def sync_url(database_url: str) -> str:
    """Any PostgreSQL URL with the synchronous psycopg 3 driver."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


class AlembicMigrations:
    def __init__(self, *, runner: Any, script_location: str, metadata: MetaData) -> None:
        self._upgrade = cast(Callable[[str, str], None], runner.upgrade)
        self._downgrade = cast(Callable[[str, str], None], runner.downgrade)
        config = Config()
        config.set_main_option("script_location", script_location)
        self._script = ScriptDirectory.from_config(config)
        self._metadata = metadata

    def revisions(self) -> Sequence[str]:
        # walk_revisions goes from the heads down to the base.
        return [revision.revision for revision in reversed(list(self._script.walk_revisions()))]

    def heads(self) -> Sequence[str]:
        return list(self._script.get_heads())

    def upgrade(self, database_url: str, revision: str) -> None:
        self._upgrade(database_url, revision)

    def downgrade(self, database_url: str, revision: str) -> None:
        self._downgrade(database_url, revision)

    def model_differences(self, database_url: str) -> Sequence[str]:
        engine = create_engine(sync_url(database_url))
        try:
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "compare_server_default": True}
                )
                return [repr(diff) for diff in compare_metadata(context, self._metadata)]
        finally:
            engine.dispose()


def build(
    *,
    runner: str = DEFAULT_RUNNER,
    script_location: str = DEFAULT_SCRIPT_LOCATION,
    metadata: str = DEFAULT_METADATA,
) -> AlembicMigrations:
    loaded = import_object(metadata)
    if not isinstance(loaded, MetaData):
        raise TypeError(f"metadata = {metadata!r} is a {type(loaded).__name__}, not a sqlalchemy MetaData")
    return AlembicMigrations(runner=importlib.import_module(runner), script_location=script_location, metadata=loaded)
