"""The app's repository layer as the property suite's ``Repository`` component (properties 2–5).

Records are incidents: ``category`` is the status, ``text`` the title and description.
Every call goes through the repositories the API uses (``IncidentRepository``,
``AnalyticsRepository``, ``UserRepository``) on a session of its own, as a request
would; cursors are the API's own signed keysets (``reference_app.cursor``), bound to
the order and filters they were issued for. The cache is not involved: these
properties are about what reaches the database.

>>> repository = build(database_url="postgresql://postgres@127.0.0.1/scratch")
>>> await repository.prepare()                      # migrations to head
>>> owner = await repository.new_owner()
>>> with repository.capture() as statements:
...     page = await repository.list_page(owner, limit=20, cursor=None, order="newest_first")
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from reference_app.cursor import CursorCodec, Keyset, filters_fingerprint
from reference_app.db.engine import create_session_factory
from reference_app.db.models import Incident, IncidentStatus, Severity
from reference_app.errors import InvalidCursorError
from reference_app.migrations.runner import upgrade
from reference_app.query_analyzer import RecordedStatement, StatementRecorder
from reference_app.repositories.analytics import AnalyticsRepository
from reference_app.repositories.incidents import IncidentFilter, IncidentRepository
from reference_app.repositories.users import UserRepository
from reference_app.settings import normalise_database_url

#: Orders ``list_page`` serves: the API's (newest first) and its reverse.
ORDERS = {"newest_first": True, "oldest_first": False}
#: Longest title the schema holds; the whole text is also the description.
TITLE_LENGTH = 200
#: Stands in for a password hash: no password verifies against it (not argon2 format).
UNUSABLE_PASSWORD_HASH = "!"  # noqa: S105 - not a secret: matches no password


class Draft(Protocol):
    """A ``RecordDraft`` (structural: the app never imports the harness's protocols)."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def category(self) -> str: ...

    @property
    def text(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Record:
    id: uuid.UUID
    created_at: datetime
    category: str

    @classmethod
    def of(cls, incident: Incident) -> Record:
        return cls(incident.id, incident.created_at, IncidentStatus(incident.status).value)


@dataclass(frozen=True, slots=True)
class Page:
    items: tuple[Record, ...]
    next_cursor: str | None


class IncidentRecords:
    """Incidents of generated owners, through the app's repositories."""

    categories = tuple(status.value for status in IncidentStatus)
    orders = tuple(ORDERS)

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._engine = create_async_engine(normalise_database_url(database_url))
        self._sessions = create_session_factory(self._engine)
        self._cursors = CursorCodec(secrets.token_bytes(32))

    async def prepare(self) -> None:
        await asyncio.to_thread(upgrade, self._url, "head")

    async def new_owner(self) -> uuid.UUID:
        async with self._sessions() as session:
            user = await UserRepository(session).create(f"records-{secrets.token_hex(6)}", UNUSABLE_PASSWORD_HASH)
            return user.id

    async def insert_many(self, owner: uuid.UUID, drafts: Sequence[Draft]) -> list[Record]:
        rows: list[dict[str, Any]] = [
            {
                "id": uuid.uuid4(),
                "owner_id": owner,
                "title": draft.text[:TITLE_LENGTH],
                "description": draft.text,
                "status": IncidentStatus(draft.category),
                "severity": Severity.MEDIUM,
                "created_at": draft.created_at,
                "updated_at": draft.created_at,
            }
            for draft in drafts
        ]
        if rows:
            async with self._sessions() as session:
                await session.execute(insert(Incident), rows)
                await session.commit()
        return [Record(row["id"], row["created_at"], IncidentStatus(row["status"]).value) for row in rows]

    async def create(self, owner: uuid.UUID, draft: Draft) -> Record:
        async with self._sessions() as session:
            incident = await IncidentRepository(session).create(
                owner,
                title=draft.text[:TITLE_LENGTH],
                description=draft.text,
                status=IncidentStatus(draft.category),
                severity=Severity.MEDIUM,
            )
            return Record.of(incident)

    async def get(self, owner: uuid.UUID, record_id: uuid.UUID) -> Record | None:
        async with self._sessions() as session:
            incident = await IncidentRepository(session).get(owner, record_id)
            return Record.of(incident) if incident is not None else None

    async def list_page(
        self,
        owner: uuid.UUID,
        *,
        limit: int,
        cursor: str | None,
        order: str,
        category: str | None = None,
        text: str | None = None,
    ) -> Page:
        if order not in ORDERS:
            raise ValueError(f"unknown order {order!r}; orders: {', '.join(ORDERS)}")
        filters = IncidentFilter(status=IncidentStatus(category) if category else None, q=text)
        fingerprint = filters_fingerprint({**filters.as_mapping(), "order": order})
        try:
            after = self._cursors.decode(cursor, fingerprint=fingerprint) if cursor is not None else None
        except InvalidCursorError as exc:
            raise ValueError(exc.detail) from exc
        async with self._sessions() as session:
            rows = await IncidentRepository(session).list_page(
                owner, limit=limit, after=after, filters=filters, descending=ORDERS[order]
            )
        items = tuple(Record.of(row) for row in rows[:limit])
        next_cursor = None
        if len(rows) > limit:
            last = items[-1]
            next_cursor = self._cursors.encode(Keyset(last.created_at, last.id), fingerprint=fingerprint)
        return Page(items, next_cursor)

    async def delete(self, owner: uuid.UUID, record_id: uuid.UUID) -> bool:
        async with self._sessions() as session:
            return await IncidentRepository(session).delete(owner, record_id)

    async def counts_per_day(self, owner: uuid.UUID) -> dict[tuple[date, str], int]:
        async with self._sessions() as session:
            counts = await AnalyticsRepository(session).status_counts_per_day(owner)
        return {(row.day, row.status.value): row.count for row in counts}

    @contextmanager
    def capture(self) -> Iterator[list[RecordedStatement]]:
        with StatementRecorder(self._engine) as recorder:
            yield recorder.statements

    async def aclose(self) -> None:
        await self._engine.dispose()

    def session(self) -> AsyncSession:
        """A session on the same engine, for variants that issue their own queries."""
        return self._sessions()


def build(*, database_url: str) -> IncidentRecords:
    return IncidentRecords(database_url)
