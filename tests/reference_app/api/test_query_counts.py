"""No N+1 on the list endpoints: a listing of 1 row and one of 30 send the same number of
SQL statements, and no statement selects ``*``. Counted with ``StatementRecorder`` (the
engine's ``before_cursor_execute``) on an app with the cache off, so every read reaches
PostgreSQL."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from reference_app.auth.tokens import decode_token
from reference_app.db.models import BackgroundTask, Incident, IncidentStatus, TaskPriority, TaskStatus
from reference_app.query_analyzer import StatementRecorder
from reference_app.settings import build_settings
from reference_app.state import app_settings
from tests.reference_app.api.served import ServedApp, served
from tests.reference_app.conftest import UserSession, sign_up

#: Rows of the small and the large listing; the large one fits in one page (limit 100).
FEW, MANY = 1, 30
#: ``SELECT *``, ``SELECT DISTINCT *`` or ``table.*``: every query names its columns.
SELECT_STAR = re.compile(r"\bselect\s+(?:distinct\s+)?\*|\w\.\*", re.IGNORECASE)

LISTINGS = [
    pytest.param("/api/v1/incidents?limit=100", "items", id="incidents"),
    pytest.param("/api/v1/incidents?limit=100&fields=title,status", "items", id="incidents-fields"),
    pytest.param("/api/v1/incidents?limit=100&q=outage", "items", id="incidents-search"),
    pytest.param("/api/v1/tasks?limit=100", "items", id="tasks"),
    pytest.param("/api/v1/analytics/summary", "days", id="analytics"),
]


class UncachedApp(ServedApp):
    async def user_with_rows(self, rows: int) -> UserSession:
        """A new user with ``rows`` incidents (spread over days and statuses) and tasks."""
        user = await sign_up(self.client)
        owner = decode_token(app_settings(self.app.state), user.access_token, kind="access").user_id
        base = datetime(2025, 4, 1, tzinfo=UTC)
        statuses = itertools.cycle(IncidentStatus)
        incidents, tasks = [], []
        for i in range(rows):
            at = base + timedelta(days=i % 7, minutes=i)
            incidents.append(
                Incident(
                    id=uuid.uuid4(),
                    owner_id=owner,
                    title=f"outage {i}",
                    description="the database is on fire",
                    status=next(statuses),
                    created_at=at,
                    updated_at=at,
                )
            )
            tasks.append(
                BackgroundTask(
                    id=uuid.uuid4(),
                    owner_id=owner,
                    kind="export",
                    status=TaskStatus.PENDING,
                    priority=TaskPriority.NORMAL,
                    params={"format": "csv"},
                    retries=0,
                    version=1,
                    created_at=at,
                    updated_at=at,
                )
            )
        async with self.resources.sessions() as session:
            session.add_all([*incidents, *tasks])
            await session.commit()
        return user

    async def statements_for(self, path: str, user: UserSession, key: str) -> tuple[list[str], int]:
        """The SQL one GET of ``path`` sends, and how many entries its ``key`` list holds."""
        with StatementRecorder(self.resources.engine) as recorder:
            response = await self.client.get(path, headers=user.headers)
        assert response.status_code == 200, response.text
        return recorder.sql, len(response.json()[key])


@pytest.fixture(scope="module")
async def uncached(settings_overrides, migrated) -> AsyncIterator[UncachedApp]:
    async with served(build_settings({**settings_overrides, "cache": {"enabled": False}}), UncachedApp) as app:
        yield app


@pytest.fixture(scope="module")
async def few_and_many(uncached) -> tuple[UserSession, UserSession]:
    return await uncached.user_with_rows(FEW), await uncached.user_with_rows(MANY)


@pytest.mark.parametrize(("path", "key"), LISTINGS)
async def test_listing_sends_the_same_statements_for_1_and_30_rows(uncached, few_and_many, path, key):
    few, many = few_and_many
    await uncached.statements_for(path, few, key)  # first use of this query: nothing extra counted
    few_sql, few_items = await uncached.statements_for(path, few, key)
    many_sql, many_items = await uncached.statements_for(path, many, key)
    assert few_items < many_items, "the larger listing is not larger: the comparison proves nothing"
    assert few_sql, "no statement reached the database (served from a cache?)"
    assert len(many_sql) == len(few_sql), many_sql
    assert many_sql == few_sql, "the same listing sent different statements"


@pytest.mark.parametrize(("path", "key"), LISTINGS)
async def test_no_listing_statement_selects_star(uncached, few_and_many, path, key):
    _, many = few_and_many
    sql, _ = await uncached.statements_for(path, many, key)
    assert sql
    assert [statement for statement in sql if SELECT_STAR.search(statement)] == []


def test_the_select_star_pattern_finds_star_selects():
    assert SELECT_STAR.search("SELECT * FROM incidents")
    assert SELECT_STAR.search("select distinct *\nfrom incidents")
    assert SELECT_STAR.search("SELECT incidents.* FROM incidents")
    assert not SELECT_STAR.search("SELECT count(*) AS n FROM incidents")
    assert not SELECT_STAR.search("SELECT incidents.id, incidents.title FROM incidents")
