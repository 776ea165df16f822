"""api/incidents.py: CRUD, ownership, strict validation and field filtering."""

from __future__ import annotations

import uuid

import pytest

from reference_app.http.problem import PROBLEM_MEDIA_TYPE, problem_type
from reference_app.schemas.incidents import INCIDENT_FIELDS

INCIDENTS = "/api/v1/incidents"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    body = response.json()
    assert body["status"] == status
    assert {"type", "title", "status", "instance", "correlation_id"} <= body.keys()
    return body


async def test_create_get_update_delete(client, user):
    created = await client.post(
        INCIDENTS,
        json={"title": "Disk full", "description": "db-1 at 100%", "severity": "high"},
        headers=user.headers,
    )
    assert created.status_code == 201
    incident = created.json()
    assert created.headers["location"] == f"{INCIDENTS}/{incident['id']}"
    assert incident["status"] == "open"
    assert incident["severity"] == "high"
    url = f"{INCIDENTS}/{incident['id']}"

    fetched = await client.get(url, headers=user.headers)
    assert fetched.status_code == 200
    assert fetched.json() == incident

    patched = await client.patch(url, json={"status": "resolved"}, headers=user.headers)
    assert patched.status_code == 200
    assert patched.json()["status"] == "resolved"
    assert patched.json()["title"] == "Disk full"
    assert patched.json()["updated_at"] >= incident["updated_at"]

    deleted = await client.delete(url, headers=user.headers)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(await client.get(url, headers=user.headers), 404)
    assert_problem(await client.delete(url, headers=user.headers), 404)


async def test_another_users_incident_is_a_404(client, user, other_user):
    created = await client.post(INCIDENTS, json={"title": "mine"}, headers=user.headers)
    url = f"{INCIDENTS}/{created.json()['id']}"
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method, url, headers=other_user.headers, json={"title": "x"} if method == "PATCH" else None
        )
        body = assert_problem(response, 404)
        assert body["type"] == problem_type("not-found")
    listing = await client.get(INCIDENTS, headers=other_user.headers)
    assert created.json()["id"] not in {item["id"] for item in listing.json()["items"]}
    assert (await client.get(url, headers=user.headers)).status_code == 200


async def test_unknown_incident_is_a_404(client, user):
    assert_problem(await client.get(f"{INCIDENTS}/{uuid.uuid4()}", headers=user.headers), 404)


async def test_requests_without_credentials_are_401(client):
    response = await client.get(INCIDENTS)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "body",
    [
        {"title": True},
        {"title": 123},
        {"title": ""},
        {"title": "x" * 201},
        {"title": "nul \x00 inside"},
        {"title": "ok", "description": "nul \x00"},
        {"title": "ok", "status": "bogus"},
        {"title": "ok", "unexpected": 1},
        {},
        [],
    ],
)
async def test_invalid_bodies_are_422_without_echoing_input(client, user, body):
    response = await client.post(INCIDENTS, json=body, headers=user.headers)
    problem = assert_problem(response, 422)
    assert problem["type"] == problem_type("validation-error")
    assert problem["errors"]
    for error in problem["errors"]:
        assert set(error) == {"loc", "msg", "type"}
    assert "nul \x00" not in response.text and "x" * 201 not in response.text


@pytest.mark.parametrize("body", [{"title": None}, {"status": None}, {"title": False}])
async def test_patch_rejects_null_and_wrong_types(client, user, body):
    created = await client.post(INCIDENTS, json={"title": "t"}, headers=user.headers)
    url = f"{INCIDENTS}/{created.json()['id']}"
    assert_problem(await client.patch(url, json=body, headers=user.headers), 422)


async def test_invalid_idempotency_key_is_400(client, user):
    response = await client.post(INCIDENTS, json={"title": "t"}, headers={**user.headers, "Idempotency-Key": "a" * 256})
    assert assert_problem(response, 400)["type"] == problem_type("invalid-idempotency-key")
    accepted = await client.post(INCIDENTS, json={"title": "t"}, headers={**user.headers, "Idempotency-Key": "key-1"})
    assert accepted.status_code == 201


async def test_fields_returns_exactly_those_plus_id(client, user):
    await client.post(INCIDENTS, json={"title": "f1", "description": "d"}, headers=user.headers)
    full = (await client.get(INCIDENTS, headers=user.headers)).json()["items"]
    partial = (await client.get(INCIDENTS, params={"fields": "title,status"}, headers=user.headers)).json()
    assert partial["items"]
    for whole, item in zip(full, partial["items"], strict=True):
        assert set(item) == {"id", "title", "status"}
        assert item == {key: whole[key] for key in item}
    assert "fields=title%2Cstatus" in partial["links"]["self"]


async def test_fields_with_an_unknown_name_is_422_naming_the_allowed_fields(client, user):
    response = await client.get(INCIDENTS, params={"fields": "title,bogus"}, headers=user.headers)
    problem = assert_problem(response, 422)
    for name in INCIDENT_FIELDS:
        assert name in problem["detail"]
    assert problem["allowed_fields"] == list(INCIDENT_FIELDS)
    assert "bogus" not in response.text


async def test_status_and_q_filters(client, user):
    marker = uuid.uuid4().hex[:10]
    await client.post(INCIDENTS, json={"title": f"router {marker} flapping"}, headers=user.headers)
    await client.post(
        INCIDENTS,
        json={"title": "other", "description": f"see {marker}", "status": "closed"},
        headers=user.headers,
    )
    await client.post(INCIDENTS, json={"title": "unrelated"}, headers=user.headers)
    found = (await client.get(INCIDENTS, params={"q": marker}, headers=user.headers)).json()
    assert len(found["items"]) == 2
    closed = await client.get(INCIDENTS, params={"q": marker, "status": "closed"}, headers=user.headers)
    assert [item["status"] for item in closed.json()["items"]] == ["closed"]
    assert_problem(await client.get(INCIDENTS, params={"q": "a\x00b"}, headers=user.headers), 422)


async def test_analytics_summary_counts_per_status_and_day_for_the_caller_only(client, user, other_user):
    for status in ("open", "open", "resolved"):
        await client.post(INCIDENTS, json={"title": "a", "status": status}, headers=user.headers)
    await client.post(INCIDENTS, json={"title": "b"}, headers=other_user.headers)
    summary = (await client.get("/api/v1/analytics/summary", headers=user.headers)).json()
    assert summary["total"] == 3
    assert summary["totals"] == {"open": 2, "investigating": 0, "resolved": 1, "closed": 0}
    assert sum(day["total"] for day in summary["days"]) == 3


async def test_no_statement_selects_star(app, client, user):
    from sqlalchemy import event

    from reference_app.state import app_resources

    statements: list[str] = []

    def capture(_conn, _cursor, statement, _params, _context, _many):
        statements.append(" ".join(statement.split()))

    engine = app_resources(app.state).engine.sync_engine
    event.listen(engine, "before_cursor_execute", capture)
    try:
        created = await client.post(INCIDENTS, json={"title": "s"}, headers=user.headers)
        url = f"{INCIDENTS}/{created.json()['id']}"
        await client.get(url, headers=user.headers)
        await client.patch(url, json={"title": "t"}, headers=user.headers)
        await client.get(INCIDENTS, params={"q": "s", "status": "open", "limit": 1}, headers=user.headers)
        await client.get("/api/v1/analytics/summary", headers=user.headers)
        await client.delete(url, headers=user.headers)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    selects = [s for s in statements if s.upper().startswith("SELECT")]
    assert selects
    for statement in selects:
        assert "*" not in statement.split(" FROM ")[0].replace("count(", ""), statement
