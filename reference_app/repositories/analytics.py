"""Aggregations computed by the database: one row per (day, status), never the raw rows."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reference_app.db.models import Incident, IncidentStatus


@dataclass(frozen=True, slots=True)
class DayStatusCount:
    day: date
    status: IncidentStatus
    count: int


class AnalyticsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def status_counts_per_day(self, owner_id: uuid.UUID) -> list[DayStatusCount]:
        """Incident counts of ``owner_id`` per UTC day and status (GROUP BY in SQL)."""
        day_of: ColumnElement[Any]
        if self._session.get_bind().dialect.name == "postgresql":
            day_of = cast(func.timezone("UTC", Incident.created_at), Date)
        else:
            # SQLite stores UTC text; date() keeps the calendar day.
            day_of = func.date(Incident.created_at)
        day = day_of.label("day")
        statement = (
            select(day, Incident.status, func.count(Incident.id).label("n"))
            .where(Incident.owner_id == owner_id)
            .group_by(day, Incident.status)
            .order_by(day, Incident.status)
        )
        rows = (await self._session.execute(statement)).all()
        return [
            DayStatusCount(
                day=day_value if isinstance(day_value, date) else date.fromisoformat(day_value),
                status=IncidentStatus(status),
                count=int(n),
            )
            for day_value, status, n in rows
        ]
