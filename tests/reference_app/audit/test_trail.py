"""Audit entries over real HTTP through the app: one per action, in the change's transaction,
one valid chain under concurrency, and tampering in the table is detected (property E7)."""

from __future__ import annotations

import asyncio
import json
import secrets

from sqlalchemy import text

from gauntlet.components.factories import build_component
from reference_app.audit import verify_chain
from reference_app.audit.store import read_entries

from ..conftest import TEST_PASSWORD, UserSession


async def entries(app) -> list[dict]:
    async with app.state.resources.engine.connect() as connection:
        return await read_entries(connection)


async def login(client, username: str) -> UserSession:
    issued = await client.post("/api/v1/auth/token", json={"username": username, "password": TEST_PASSWORD})
    assert issued.status_code == 200, issued.text
    return UserSession(username, issued.json()["access_token"], issued.json()["refresh_token"])


async def test_every_audited_action_leaves_one_entry_and_no_secret(app, client):
    username = f"audited-{secrets.token_hex(4)}"
    signed_up = await client.post("/api/v1/users", json={"username": username, "password": TEST_PASSWORD})
    user_id = signed_up.json()["id"]
    session = await login(client, username)

    failed = await client.post("/api/v1/auth/token", json={"username": username, "password": "wrong" * 3})
    assert failed.status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert refreshed.status_code == 200
    reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert reused.status_code == 401
    key = await client.post("/api/v1/api-keys", json={"tier": "free"}, headers=session.headers)
    assert key.status_code == 201, key.text
    created = await client.post("/api/v1/incidents", json={"title": "Disk full"}, headers=session.headers)
    incident = created.json()["id"]
    patched = await client.patch(
        f"/api/v1/incidents/{incident}", json={"status": "resolved", "title": "x"}, headers=session.headers
    )
    assert patched.status_code == 200
    assert (await client.delete(f"/api/v1/incidents/{incident}", headers=session.headers)).status_code == 204
    # Failures that change nothing record nothing: a taken username, a second delete.
    taken = await client.post("/api/v1/users", json={"username": username, "password": TEST_PASSWORD})
    assert taken.status_code == 409
    assert (await client.delete(f"/api/v1/incidents/{incident}", headers=session.headers)).status_code == 404

    mine = [r for r in await entries(app) if user_id in f"{r['actor']} {r['subject']}" or username in str(r["details"])]
    actions = [r["action"] for r in mine]
    assert actions == [
        "user.signed_up",
        "auth.login_succeeded",
        "auth.login_failed",
        "auth.token_refreshed",
        "auth.token_family_revoked",
        "api_key.created",
        "incident.created",
        "incident.updated",
        "incident.deleted",
    ]
    by_action = {r["action"]: r for r in mine}
    family = by_action["auth.login_succeeded"]["subject"]
    assert by_action["auth.token_refreshed"]["subject"] == by_action["auth.token_family_revoked"]["subject"] == family
    assert by_action["auth.login_failed"]["details"] == {"grant": "password", "username": username}
    assert by_action["api_key.created"]["subject"] == f"api_key:{key.json()['id']}"
    assert by_action["incident.created"]["subject"] == f"incident:{incident}"
    assert by_action["incident.updated"]["details"] == {"fields": ["status", "title"], "status": "resolved"}
    dumped = json.dumps([{k: str(v) for k, v in r.items()} for r in mine])
    for secret in (TEST_PASSWORD, "wrong" * 3, session.access_token, session.refresh_token, key.json()["api_key"]):
        assert secret not in dumped
    assert verify_chain(await entries(app)).ok


async def test_concurrent_incident_creations_keep_one_valid_chain(app, client, user):
    async def create(n: int) -> str:
        response = await client.post("/api/v1/incidents", json={"title": f"burst {n}"}, headers=user.headers)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    ids = await asyncio.gather(*(create(n) for n in range(24)))
    rows = await entries(app)
    result = verify_chain(rows)
    assert result.ok, result.reason
    assert [r["id"] for r in rows] == list(range(1, len(rows) + 1))
    created = [r["subject"] for r in rows if r["action"] == "incident.created"]
    for incident in ids:
        assert created.count(f"incident:{incident}") == 1


async def test_tampering_with_the_table_is_detected(app, client, user):
    for n in range(3):
        await client.post("/api/v1/incidents", json={"title": f"t{n}"}, headers=user.headers)
    engine = app.state.resources.engine
    # Each tampering happens in a transaction that is rolled back: the session's chain stays intact.
    async with engine.connect() as connection:
        head = (await read_entries(connection))[-1]
        middle = head["id"] - 1
        await connection.execute(
            text("""UPDATE audit_log SET details = '{"status": "closed"}' WHERE id = :id"""), {"id": middle}
        )
        result = verify_chain(await read_entries(connection))
        assert (result.ok, result.first_bad_id) == (False, middle)
        assert "modified" in result.reason
        await connection.rollback()

        await connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": middle})
        result = verify_chain(await read_entries(connection))
        assert (result.ok, result.first_bad_id) == (False, head["id"])
        assert "missing" in result.reason
        await connection.rollback()

        # Truncating the tail: invisible in the rows, caught against an anchor kept elsewhere.
        await connection.execute(text("DELETE FROM audit_log WHERE id >= :id"), {"id": middle})
        truncated = await read_entries(connection)
        assert verify_chain(truncated).ok
        assert not verify_chain(truncated, anchor=head["hash"]).ok
        await connection.rollback()
    assert verify_chain(await entries(app)).ok


async def test_the_harness_reads_it_through_the_component_protocol(app, client, user, migrated):
    await client.post("/api/v1/incidents", json={"title": "e7"}, headers=user.headers)
    log = build_component("audit_log", {}, database_url=migrated)
    try:
        rows = await log.entries()
        assert log.verify(rows).ok
        assert not log.verify(rows[:-2] + rows[-1:]).ok
    finally:
        await log.aclose()
