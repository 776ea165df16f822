"""Idempotency as wired into the app: scoped to the verified caller, never to a bogus credential."""

from __future__ import annotations

import uuid


async def test_a_retried_create_replays_the_first_response(client, user):
    key = uuid.uuid4().hex
    headers = {**user.headers, "Idempotency-Key": key}
    first = await client.post("/api/v1/incidents", json={"title": "retried create"}, headers=headers)
    again = await client.post("/api/v1/incidents", json={"title": "retried create"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    listed = (await client.get("/api/v1/incidents", headers=user.headers)).json()["items"]
    assert [item["title"] for item in listed].count("retried create") == 1


async def test_the_same_key_with_another_body_is_422(client, user):
    headers = {**user.headers, "Idempotency-Key": uuid.uuid4().hex}
    assert (await client.post("/api/v1/incidents", json={"title": "a"}, headers=headers)).status_code == 201
    reused = await client.post("/api/v1/incidents", json={"title": "b"}, headers=headers)
    assert reused.status_code == 422
    assert reused.headers["content-type"].startswith("application/problem+json")


async def test_unauthenticated_requests_are_never_deduplicated(client):
    """Two requests with the same bogus token share no scope: each is simply refused."""
    headers = {"Authorization": "Bearer not-a-token", "Idempotency-Key": "shared-key"}
    first = await client.post("/api/v1/incidents", json={"title": "a"}, headers=headers)
    second = await client.post("/api/v1/incidents", json={"title": "b"}, headers=headers)
    assert first.status_code == second.status_code == 401
    assert "idempotent-replayed" not in second.headers
