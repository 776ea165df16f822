"""Append audit entries in the same transaction as the change they record.

A route *stages* an entry on its session before calling the code that commits::

    stage(session, AuditEvent(INCIDENT_UPDATED, actor=user_ref(uid), subject=ref("incident", iid)))
    await incidents.update(incident, changes)          # commits: the entry is written with it

The session's next commit writes the staged entries inside that transaction (a
``before_commit`` listener), so an entry exists if and only if the change committed; a
rollback discards them. When an entry depends on what the transaction did (the id of a
created row, whether a row is gone), stage a *resolver* instead: ``(sync Session) ->
AuditEvent | None``, called at each commit; None keeps it staged for a later commit.
Resolvers run before the entries are written and may query the transaction's own state.

Appends are serialised so the chain stays single whatever the concurrency:

- PostgreSQL: ``pg_advisory_xact_lock(CHAIN_LOCK_KEY)``, held until commit or rollback
  (taken at commit time, so it is held only for the final flush). Requires READ
  COMMITTED (the default): the head is read after the lock, by a fresh statement snapshot.
- SQLite (the quick start): a no-op ``UPDATE audit_log`` takes the database write lock,
  which SQLite holds until the transaction ends (one writer at a time, database-wide).

Either way ``UNIQUE(prev_hash)`` turns any failure of that serialisation into an error
(the commit fails, nothing is written), never into a fork.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from reference_app.audit.chain import GENESIS_HASH, entry_hash
from reference_app.audit.events import AuditEvent
from reference_app.db.base import utcnow
from reference_app.db.models import AuditLogEntry

#: A staged entry, or a function deciding it at commit time (None: not yet).
Resolver = Callable[[Session], AuditEvent | None]
Staged = AuditEvent | Resolver

#: PostgreSQL advisory lock guarding the chain head (a fixed 63-bit number derived from a name).
CHAIN_LOCK_KEY = int.from_bytes(hashlib.sha256(b"reference_app.audit_log").digest()[:8], "big") >> 1
_STAGED_KEY = "reference_app.audit.staged"


def stage(session: AsyncSession | Session, entry: Staged) -> None:
    """Write ``entry`` with the session's next commit (see the module docstring)."""
    sync_session = session.sync_session if isinstance(session, AsyncSession) else session
    _listen()
    sync_session.info.setdefault(_STAGED_KEY, []).append(entry)


async def record(session: AsyncSession, entry: AuditEvent) -> None:
    """Append an event that goes with no change (a failed login) in its own commit."""
    stage(session, entry)
    await session.commit()


def _listen() -> None:
    # Listening on the Session class covers every session factory; sessions with nothing
    # staged return at once. Registered on first use, not at import.
    if not event.contains(Session, "before_commit", _write_staged):
        event.listen(Session, "before_commit", _write_staged)
        event.listen(Session, "after_rollback", _discard_staged)


def _write_staged(session: Session) -> None:
    staged: list[Staged] = session.info.get(_STAGED_KEY) or []
    if not staged:
        return
    ready: list[AuditEvent] = []
    waiting: list[Staged] = []
    for item in staged:
        resolved = item if isinstance(item, AuditEvent) else item(session)
        if resolved is None:
            waiting.append(item)
        else:
            ready.append(resolved)
    session.info[_STAGED_KEY] = waiting
    if ready:
        append(session, ready)


def _discard_staged(session: Session) -> None:
    session.info.pop(_STAGED_KEY, None)


def append(session: Session, events: list[AuditEvent]) -> list[dict[str, Any]]:
    """Append ``events`` to the chain inside the session's current transaction; returns the rows."""
    _lock_chain(session)
    head = session.execute(
        select(AuditLogEntry.id, AuditLogEntry.hash).order_by(AuditLogEntry.id.desc()).limit(1)
    ).first()
    last_id, prev_hash = (int(head.id), str(head.hash)) if head is not None else (0, GENESIS_HASH)
    rows = []
    for item in events:
        now = utcnow()
        row: dict[str, Any] = {
            "id": last_id + 1,
            # Microseconds as stored by PostgreSQL and SQLite alike; hashed in canonical form.
            "ts": now,
            "actor": item.actor,
            "action": item.action,
            "subject": item.subject,
            "details": dict(item.details),
            "prev_hash": prev_hash,
        }
        row["hash"] = entry_hash(prev_hash, row)
        rows.append(row)
        last_id, prev_hash = row["id"], row["hash"]
    session.execute(insert(AuditLogEntry), rows)
    return rows


def _lock_chain(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        session.execute(text("UPDATE audit_log SET id = id WHERE 0 = 1"))
