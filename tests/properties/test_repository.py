"""2, 3, 4, 5 fail on repositories with one rule broken (the reference IncidentRecords, mutated)."""

from __future__ import annotations

from collections import Counter
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime

import orjson
import pytest
from sqlalchemy import Date, String, cast, func, select, text

from properties.component.repository import (
    check_aggregation_in_sql,
    check_cursor_walks,
    check_hot_queries_use_indexes,
    check_statements_name_their_columns,
)
from reference_app.db.models import Incident, IncidentStatus
from reference_app.repositories.component import IncidentRecords, Page, Record

#: Smaller than the property's default, so the large table seeds quickly.
SEQ_SCAN_MAX_ROWS = 500


class MissingOwnerIndexes(IncidentRecords):
    """Its schema lacks the (owner, created_at, id) indexes every listing needs."""

    async def prepare(self):
        await super().prepare()
        async with self.session() as session:
            await session.execute(text("DROP INDEX ix_incidents_owner_created"))
            await session.execute(text("DROP INDEX ix_incidents_owner_status_created"))
            await session.commit()


class CastOwnerInCounts(IncidentRecords):
    """Counts compare owner_id as text: no index on the expression, a full scan."""

    async def counts_per_day(self, owner):
        day = cast(func.timezone("UTC", Incident.created_at), Date).label("day")
        statement = (
            select(day, Incident.status, func.count(Incident.id))
            .where(cast(Incident.owner_id, String) == str(owner))
            .group_by(day, Incident.status)
        )
        async with self.session() as session:
            rows = (await session.execute(statement)).all()
        return {(d, IncidentStatus(s).value): n for d, s, n in rows}


class SelectStarGet(IncidentRecords):
    """Looks an incident up with ``SELECT *``."""

    star = "*"

    async def get(self, owner, record_id):
        sql = f"SELECT {self.star} FROM incidents WHERE id = :id AND owner_id = :owner"
        async with self.session() as session:
            row = (await session.execute(text(sql), {"id": record_id, "owner": owner})).mappings().first()
        return Record(row["id"], row["created_at"], row["status"]) if row else None


class TableStarGet(SelectStarGet):
    star = "incidents.*"


class OffsetPages(IncidentRecords):
    """Pages by OFFSET: a row inserted or deleted before the position shifts every later page."""

    async def list_page(self, owner, *, limit, cursor, order, category=None, text=None):
        try:
            offset = int(orjson.loads(bytes.fromhex(cursor))["offset"]) if cursor else 0
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError("bad cursor") from exc
        descending = order == "newest_first"
        keys = (Incident.created_at.desc(), Incident.id.desc()) if descending else (Incident.created_at, Incident.id)
        statement = select(Incident).where(Incident.owner_id == owner)
        if category:
            statement = statement.where(Incident.status == IncidentStatus(category))
        statement = statement.order_by(*keys).offset(offset).limit(limit + 1)
        async with self.session() as session:
            rows = (await session.execute(statement)).scalars().all()
        items = tuple(Record.of(row) for row in rows[:limit])
        following = orjson.dumps({"offset": offset + limit}).hex() if len(rows) > limit else None
        return Page(items, following)


class NoTieBreak(IncidentRecords):
    """Keyset on created_at alone: rows sharing the boundary's created_at are skipped."""

    async def list_page(self, owner, *, limit, cursor, order, category=None, text=None):
        try:
            after = date_time(cursor) if cursor else None
        except ValueError as exc:
            raise ValueError("bad cursor") from exc
        descending = order == "newest_first"
        statement = select(Incident).where(Incident.owner_id == owner)
        if category:
            statement = statement.where(Incident.status == IncidentStatus(category))
        if after is not None:
            statement = statement.where(Incident.created_at < after if descending else Incident.created_at > after)
        key = Incident.created_at.desc() if descending else Incident.created_at
        statement = statement.order_by(key).limit(limit + 1)
        async with self.session() as session:
            rows = (await session.execute(statement)).scalars().all()
        items = tuple(Record.of(row) for row in rows[:limit])
        return Page(items, items[-1].created_at.isoformat() if len(rows) > limit else None)


def date_time(text_value):
    value = datetime.fromisoformat(text_value)
    if value.tzinfo is None:
        raise ValueError("naive")
    return value


class AcceptsAnyCursor(IncidentRecords):
    """A cursor it cannot read restarts the listing instead of being refused."""

    async def list_page(self, owner, *, limit, cursor, order, category=None, text=None):
        try:
            return await super().list_page(owner, limit=limit, cursor=cursor, order=order, category=category, text=text)
        except ValueError:
            return await super().list_page(owner, limit=limit, cursor=None, order=order, category=category, text=text)


class CountsInPython(IncidentRecords):
    """Fetches every row of the owner and counts them in Python (right numbers, wrong place)."""

    async def counts_per_day(self, owner):
        statement = select(Incident.created_at, Incident.status).where(Incident.owner_id == owner)
        async with self.session() as session:
            rows = (await session.execute(statement)).all()
        return dict(Counter((at.astimezone(UTC).date(), IncidentStatus(s).value) for at, s in rows))


class LocalDayCounts(IncidentRecords):
    """Buckets by the calendar day in New York, not the UTC day."""

    async def counts_per_day(self, owner):
        day = cast(func.timezone("America/New_York", Incident.created_at), Date).label("day")
        statement = (
            select(day, Incident.status, func.count(Incident.id))
            .where(Incident.owner_id == owner)
            .group_by(day, Incident.status)
        )
        async with self.session() as session:
            rows = (await session.execute(statement)).all()
        return {(d if isinstance(d, date) else date.fromisoformat(d), IncidentStatus(s).value): n for d, s, n in rows}


@asynccontextmanager
async def prepared(cls, url):
    repository = cls(url)
    await repository.prepare()
    try:
        yield repository
    finally:
        await repository.aclose()


@pytest.mark.mutant(2)
@pytest.mark.parametrize("mutant", [MissingOwnerIndexes, CastOwnerInCounts])
async def test_index_use_fails_on_full_scans(mutant, scratch_database):
    async with prepared(mutant, scratch_database) as repository:
        with pytest.raises(AssertionError, match="sequential scan of incidents"):
            await check_hot_queries_use_indexes(repository, scratch_database, SEQ_SCAN_MAX_ROWS)


@pytest.mark.mutant(3)
@pytest.mark.parametrize("mutant", [SelectStarGet, TableStarGet])
async def test_named_columns_fail_on_star_selects(mutant, scratch_database):
    async with prepared(mutant, scratch_database) as repository:
        with pytest.raises(AssertionError, match=r"instead of naming its columns"):
            await check_statements_name_their_columns(repository)


@pytest.mark.mutant(4)
@pytest.mark.parametrize(
    ("mutant", "caught"),
    [
        (OffsetPages, "uses OFFSET"),
        (NoTieBreak, "were not served|is not strictly"),
        (AcceptsAnyCursor, "was accepted instead of raising ValueError"),
    ],
)
async def test_cursor_walks_fail_on_broken_pagination(mutant, caught, scratch_database):
    async with prepared(mutant, scratch_database) as repository:
        with pytest.raises(AssertionError, match=caught):
            await check_cursor_walks(repository)


@pytest.mark.mutant(5)
@pytest.mark.parametrize(
    ("mutant", "caught"),
    [(CountsInPython, "not done in SQL"), (LocalDayCounts, "differ from a count")],
)
async def test_aggregation_fails_on_python_counts_and_wrong_days(mutant, caught, scratch_database):
    async with prepared(mutant, scratch_database) as repository:
        with pytest.raises(AssertionError, match=caught):
            await check_aggregation_in_sql(repository, scratch_database)
