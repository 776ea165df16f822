"""Run Alembic from code: ``upgrade(url, "head")``, ``downgrade(url, "base")``, heads.

Alembic's ``env.py`` drives an async engine with ``asyncio.run``; when the caller already
runs an event loop (a test, the app's start-up), the command runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import DBAPIError, NoSuchTableError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncConnection

from reference_app.settings import normalise_database_url

#: Where the revisions live, as an importable resource path.
SCRIPT_LOCATION = "reference_app:migrations"

_version_table = Table("alembic_version", MetaData(), Column("version_num", String(32), primary_key=True))


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` (plain ``postgresql://`` is accepted)."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # Passed as an attribute, not an ini option: ini values treat ``%`` as interpolation.
    config.attributes["database_url"] = normalise_database_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` up to ``revision``."""
    _run_outside_loop(lambda: command.upgrade(alembic_config(url), revision))


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` empties it)."""
    _run_outside_loop(lambda: command.downgrade(alembic_config(url), revision))


@cache
def head_revision() -> str:
    """The single head revision of the shipped migrations."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    heads = script.get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}: merge them")
    return heads[0]


async def current_revision(connection: AsyncConnection) -> str | None:
    """The revision the connected database is at, or None when it was never migrated."""
    try:
        result = await connection.execute(select(_version_table.c.version_num))
    except (NoSuchTableError, ProgrammingError, DBAPIError):
        return None
    versions = list(result.scalars())
    return versions[0] if len(versions) == 1 else None


def _run_outside_loop(action: Callable[[], None]) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        action()
        return
    errors: list[BaseException] = []

    def target() -> None:
        try:
            action()
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)

    worker = threading.Thread(target=target, name="alembic")
    worker.start()
    worker.join()
    if errors:
        raise errors[0]
