"""Reading the audit log back: rows for :func:`verify_chain`, and the E7 component.

>>> log = build(database_url="postgresql://127.0.0.1/app")
>>> rows = await log.entries()
>>> log.verify(rows).ok
>>> await log.aclose()

``python -m reference_app audit-verify`` runs :func:`verify_database` on ``APP_DATABASE_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine

from reference_app.audit.chain import VerificationResult, verify_chain
from reference_app.audit.events import AuditEvent
from reference_app.audit.trail import append as append_entries
from reference_app.db.models import AuditLogEntry
from reference_app.settings import normalise_database_url

#: The columns of an entry, as :func:`verify_chain` reads them.
ENTRY_COLUMNS = ("id", "ts", "actor", "action", "subject", "details", "prev_hash", "hash")


async def read_entries(connection: AsyncConnection) -> list[dict[str, Any]]:
    """Every entry, oldest first, as plain mappings."""
    table = AuditLogEntry.__table__
    result = await connection.execute(select(*(table.c[name] for name in ENTRY_COLUMNS)).order_by(table.c.id))
    return [dict(row._mapping) for row in result]


async def verify_database(database_url: str, *, anchor: str | None = None) -> VerificationResult:
    """Read the whole ``audit_log`` at ``database_url`` and verify it."""
    engine = create_async_engine(normalise_database_url(database_url))
    try:
        async with engine.connect() as connection:
            return verify_chain(await read_entries(connection), anchor=anchor)
    finally:
        await engine.dispose()


class AuditLogReader:
    """The audit log of one database (property E7): list entries, verify a list of entries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def append(
        self, action: str, *, actor: str | None = None, subject: str | None = None, details: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Record one entry in its own transaction, as a route's commit would (trail.py)."""
        event = AuditEvent(action, actor=actor, subject=subject, details=details)
        async with AsyncSession(self._engine) as session:
            rows = await session.run_sync(lambda sync_session: append_entries(sync_session, [event]))
            await session.commit()
        return rows[0]

    async def entries(self) -> list[dict[str, Any]]:
        async with self._engine.connect() as connection:
            return await read_entries(connection)

    def verify(self, entries: Sequence[Mapping[str, Any]], *, anchor: str | None = None) -> VerificationResult:
        return verify_chain(entries, anchor=anchor)

    async def aclose(self) -> None:
        await self._engine.dispose()


def build(*, database_url: str) -> AuditLogReader:
    """The harness's default ``audit_log`` component (``reference_app.audit.store:build``)."""
    return AuditLogReader(create_async_engine(normalise_database_url(database_url)))
