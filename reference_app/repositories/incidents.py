"""Incidents of one owner: get, keyset listing, create, update, delete.

Object-level authorization lives here: every query is scoped to ``owner_id``, so another
user's incident is indistinguishable from a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, literal_column, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.cursor import Keyset
from reference_app.db.base import utcnow
from reference_app.db.models import (
    SEARCH_CONFIG_SQL,
    SEARCH_DOCUMENT_SQL,
    Incident,
    IncidentStatus,
    Severity,
)


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    status: IncidentStatus | None = None
    q: str | None = None

    def as_mapping(self) -> Mapping[str, str | None]:
        return {"status": self.status.value if self.status else None, "q": self.q}


class IncidentRepository:
    """Incidents seen through one session.

    >>> repo = IncidentRepository(session)
    >>> rows = await repo.list_page(owner_id, limit=20, after=None, filters=IncidentFilter())
    """

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, owner_id: uuid.UUID, incident_id: uuid.UUID) -> Incident | None:
        statement = select(Incident).where(Incident.id == incident_id, Incident.owner_id == owner_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def list_page(
        self,
        owner_id: uuid.UUID,
        *,
        limit: int,
        after: Keyset | None,
        filters: IncidentFilter,
        descending: bool = True,
    ) -> Sequence[Incident]:
        """Up to ``limit + 1`` rows in (created_at, id) order after ``after``: newest first
        (the API's order) unless ``descending`` is False.

        The extra row only tells the caller whether another page exists.
        """
        statement = select(Incident).where(Incident.owner_id == owner_id)
        if filters.status is not None:
            statement = statement.where(Incident.status == filters.status)
        if filters.q:
            statement = statement.where(self._matches(filters.q))
        key = tuple_(Incident.created_at, Incident.id)
        if after is not None:
            # Row-value comparison: one index range scan, no OFFSET (spec: Pagination).
            boundary = tuple_(after.created_at, after.id)
            statement = statement.where(key < boundary if descending else key > boundary)
        if descending:
            statement = statement.order_by(Incident.created_at.desc(), Incident.id.desc())
        else:
            statement = statement.order_by(Incident.created_at, Incident.id)
        statement = statement.limit(limit + 1)
        return (await self._session.execute(statement)).scalars().all()

    async def create(
        self,
        owner_id: uuid.UUID,
        *,
        title: str,
        description: str,
        status: IncidentStatus,
        severity: Severity,
    ) -> Incident:
        now = utcnow()
        incident = Incident(
            id=uuid.uuid4(),
            owner_id=owner_id,
            title=title,
            description=description,
            status=status,
            severity=severity,
            created_at=now,
            updated_at=now,
        )
        self._session.add(incident)
        await self._session.commit()
        return incident

    async def update(self, incident: Incident, changes: Mapping[str, object]) -> Incident:
        for name, value in changes.items():
            setattr(incident, name, value)
        if changes:
            incident.updated_at = utcnow()
            await self._session.commit()
        return incident

    async def delete(self, owner_id: uuid.UUID, incident_id: uuid.UUID) -> bool:
        statement = delete(Incident).where(Incident.id == incident_id, Incident.owner_id == owner_id)
        result = await self._session.execute(statement)
        await self._session.commit()
        return bool(getattr(result, "rowcount", 0))

    def _matches(self, q: str) -> ColumnElement[bool]:
        if self._session.get_bind().dialect.name == "postgresql":
            # Same expression as the GIN index, so the planner can use it.
            query = func.plainto_tsquery(literal_column(SEARCH_CONFIG_SQL), q)
            return literal_column(SEARCH_DOCUMENT_SQL).bool_op("@@")(query)
        return Incident.title.icontains(q, autoescape=True) | Incident.description.icontains(q, autoescape=True)
