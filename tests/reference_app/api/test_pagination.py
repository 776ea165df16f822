"""GET /incidents keyset pagination: complete, ordered, stable under inserts; bad cursors 400."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from reference_app.db.models import Incident
from reference_app.http.problem import PROBLEM_MEDIA_TYPE, problem_type
from reference_app.state import app_resources

INCIDENTS = "/api/v1/incidents"


async def insert_rows(app, owner_id: uuid.UUID, created: list[datetime]) -> list[Incident]:
    """Rows with chosen timestamps (some equal, to exercise the id tie-break)."""
    resources = app_resources(app.state)
    rows = [
        Incident(id=uuid.uuid4(), owner_id=owner_id, title=f"row {i}", created_at=at, updated_at=at)
        for i, at in enumerate(created)
    ]
    async with resources.sessions() as session:
        session.add_all(rows)
        await session.commit()
    return rows


async def owner_id(client, user) -> uuid.UUID:
    created = await client.post(INCIDENTS, json={"title": "probe"}, headers=user.headers)
    await client.delete(f"{INCIDENTS}/{created.json()['id']}", headers=user.headers)
    return uuid.UUID(created.json()["owner_id"])


async def walk(client, user, first_url: str, between=None) -> list[dict]:
    items, url, pages = [], first_url, 0
    while url:
        page = (await client.get(url, headers=user.headers)).json()
        assert (page["next_cursor"] is None) == (not page["has_more"])
        assert (page["links"]["next"] is None) == (not page["has_more"])
        assert len(page["items"]) <= page["limit"]
        items.extend(page["items"])
        url = page["links"]["next"]
        pages += 1
        if between is not None and url:
            await between(pages)
    return items


def expected_order(rows: list[Incident]) -> list[str]:
    ordered = sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)
    return [str(row.id) for row in ordered]


async def test_walk_returns_every_row_once_in_order(app, client, user):
    base = datetime(2025, 1, 1, tzinfo=UTC)
    # 23 rows; every third shares its timestamp with the previous one.
    stamps = [base + timedelta(seconds=i - i % 3) for i in range(23)]
    rows = await insert_rows(app, await owner_id(client, user), stamps)
    items = await walk(client, user, f"{INCIDENTS}?limit=5")
    assert [item["id"] for item in items] == expected_order(rows)


async def test_rows_inserted_between_pages_do_not_disturb_the_walk(app, client, user):
    owner = await owner_id(client, user)
    base = datetime(2025, 2, 1, tzinfo=UTC)
    rows = await insert_rows(app, owner, [base + timedelta(minutes=i) for i in range(12)])

    async def insert_more(pages: int) -> None:
        # Newer rows (ahead of the cursor) and rows dated inside the range already served.
        await client.post(INCIDENTS, json={"title": f"new after page {pages}"}, headers=user.headers)
        await insert_rows(app, owner, [base + timedelta(minutes=11, seconds=30)])

    items = await walk(client, user, f"{INCIDENTS}?limit=4", between=insert_more)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids))
    pre_existing = expected_order(rows)
    assert [i for i in ids if i in set(pre_existing)] == pre_existing


async def test_the_cursor_keeps_filters_and_fields(client, user):
    for _ in range(3):
        await client.post(INCIDENTS, json={"title": "c", "status": "closed"}, headers=user.headers)
    first = (
        await client.get(INCIDENTS, params={"status": "closed", "limit": 2, "fields": "status"}, headers=user.headers)
    ).json()
    assert "status=closed" in first["links"]["next"]
    second = (await client.get(first["links"]["next"], headers=user.headers)).json()
    assert {item["status"] for item in first["items"] + second["items"]} == {"closed"}
    assert all(set(item) == {"id", "status"} for item in second["items"])


def assert_invalid_cursor(response) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == 400
    assert body["type"] == problem_type("invalid-cursor")


@pytest.mark.parametrize("cursor", ["", "garbage", "a.b", "%%%", "e30.e30", "x" * 2000, "\u00e9.x"])
async def test_malformed_cursors_are_400(client, user, cursor):
    assert_invalid_cursor(await client.get(INCIDENTS, params={"cursor": cursor}, headers=user.headers))


async def next_cursor(client, user, **params) -> str:
    for _ in range(3):
        await client.post(INCIDENTS, json={"title": "t"}, headers=user.headers)
    page = (await client.get(INCIDENTS, params={"limit": 1, **params}, headers=user.headers)).json()
    return page["next_cursor"]


async def test_tampered_cursor_is_400(client, user):
    cursor = await next_cursor(client, user)
    body, tag = cursor.split(".")
    flipped = body[:-3] + ("A" if body[-3] != "A" else "B") + body[-2:]
    assert_invalid_cursor(await client.get(INCIDENTS, params={"cursor": f"{flipped}.{tag}"}, headers=user.headers))


async def test_cursor_with_other_filters_is_400(client, user):
    cursor = await next_cursor(client, user)
    response = await client.get(INCIDENTS, params={"cursor": cursor, "status": "open"}, headers=user.headers)
    assert_invalid_cursor(response)
    assert "other filters" in response.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "true", "1.5"])
async def test_limit_out_of_range_is_422(client, user, limit):
    response = await client.get(INCIDENTS, params={"limit": limit}, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["status"] == 422
    assert response.json()["errors"][0]["loc"] == ["query", "limit"]


async def test_limit_bounds_are_accepted(client, user):
    for limit in (1, 100):
        assert (await client.get(INCIDENTS, params={"limit": limit}, headers=user.headers)).json()["limit"] == limit
    assert (await client.get(INCIDENTS, headers=user.headers)).json()["limit"] == 20


#: Page sizes of the walks run at once over one user's incidents while rows are inserted
#: (different sizes: the walks' cursors, and their cache entries, differ).
CONCURRENT_WALK_LIMITS = (3, 4, 5)
#: Pages a walk may take before it counts as not terminating (26 rows at 3 a page is 9 pages,
#: plus the rows inserted behind the cursor meanwhile).
MAX_PAGES = 60


async def test_cursor_walk_under_concurrent_inserts_returns_every_pre_existing_row_once(app, client, user):
    owner = await owner_id(client, user)
    base = datetime(2025, 3, 1, tzinfo=UTC)
    rows = await insert_rows(app, owner, [base + timedelta(minutes=i) for i in range(26)])
    pre_existing = expected_order(rows)
    inserted: list[str] = []
    changed = asyncio.Condition()
    stop = asyncio.Event()

    async def insert_concurrently() -> None:
        try:
            while not stop.is_set():
                k = len(inserted)
                if k % 3 == 0:
                    # Dated inside the walked range, between two pre-existing rows: it
                    # lands behind some walks' cursors and ahead of others'. The first one
                    # (just after the oldest row) is behind every cursor after page 1.
                    at = base + timedelta(minutes=(k * 7) % 26, seconds=30)
                    ids = [str(row.id) for row in await insert_rows(app, owner, [at])]
                elif k % 3 == 1:
                    # Same timestamp as a pre-existing row: only the id tie-break orders them.
                    ids = [str(row.id) for row in await insert_rows(app, owner, [base + timedelta(minutes=k % 26)])]
                else:
                    created = await client.post(INCIDENTS, json={"title": f"concurrent {k}"}, headers=user.headers)
                    assert created.status_code == 201, created.text
                    ids = [created.json()["id"]]
                async with changed:
                    inserted.extend(ids)
                    changed.notify_all()
        finally:
            async with changed:
                stop.set()
                changed.notify_all()

    async def walk_during_inserts(limit: int) -> tuple[list[dict], int]:
        pages = 1

        async def after_page(served: int) -> None:
            # The inserts run on their own; this only makes sure at least one more row
            # was committed before the next page is asked for.
            nonlocal pages
            pages = served + 1
            assert served < MAX_PAGES, "the walk does not terminate"
            seen = len(inserted)
            async with changed:
                await changed.wait_for(lambda: len(inserted) > seen or stop.is_set())

        return await walk(client, user, f"{INCIDENTS}?limit={limit}", between=after_page), pages

    inserter = asyncio.create_task(insert_concurrently())
    try:
        walks = await asyncio.gather(*(walk_during_inserts(limit) for limit in CONCURRENT_WALK_LIMITS))
    finally:
        stop.set()
        await inserter
    first_inserted_behind_every_cursor = inserted[0]
    wanted = set(pre_existing)
    for items, pages in walks:
        ids = [item["id"] for item in items]
        assert len(ids) == len(set(ids)), "a row was served twice"
        assert [i for i in ids if i in wanted] == pre_existing
        keys = [(datetime.fromisoformat(item["created_at"]), uuid.UUID(item["id"])) for item in items]
        assert keys == sorted(keys, reverse=True), "the walk left (created_at DESC, id DESC) order"
        assert first_inserted_behind_every_cursor in ids
        assert pages >= 6
        assert len(inserted) >= pages - 1, "fewer rows were inserted during the walk than it has gaps"
