"""api/auth.py and api/users.py: sign-up, tokens, rotation with reuse detection, API keys."""

from __future__ import annotations

import httpx
import jwt
import pytest

from reference_app.app import create_app
from reference_app.http.problem import PROBLEM_MEDIA_TYPE, problem_type
from reference_app.settings import build_settings

from ..conftest import TEST_PASSWORD

TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
API_KEYS = "/api/v1/api-keys"


def assert_401(response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


async def test_token_response_shape(client, user):
    response = await client.post(TOKEN, json={"username": user.username, "password": TEST_PASSWORD})
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"
    assert (await client.get("/api/v1/incidents", headers=user.headers)).status_code == 200


@pytest.mark.parametrize(
    "credentials",
    [
        {"username": "nobody-here", "password": "whatever-long"},
        {"username": "__USER__", "password": "wrong password"},
        {"api_key": "rak_not-a-real-key"},
    ],
)
async def test_wrong_credentials_are_401(client, user, credentials):
    if credentials.get("username") == "__USER__":
        credentials = {**credentials, "username": user.username}
    assert_401(await client.post(TOKEN, json=credentials))


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer not.a.jwt"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"X-API-Key": "rak_unknown"},
    ],
)
async def test_bad_credentials_on_protected_routes_are_401(client, header):
    assert_401(await client.get("/api/v1/incidents", headers=header))


async def test_a_refresh_token_is_not_an_access_token(client, user):
    assert_401(await client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {user.refresh_token}"}))


async def test_refresh_rotates_and_reuse_revokes_the_family(client, user):
    first = await client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != user.refresh_token
    second = await client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200
    newest = second.json()["refresh_token"]

    # The first token again: reuse. The whole family, newest token included, is revoked.
    reuse = await client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert_401(reuse)
    assert "revoked" in reuse.json()["detail"]
    assert_401(await client.post(REFRESH, json={"refresh_token": newest}))


async def test_refresh_families_are_independent(client, user):
    other_login = await client.post(TOKEN, json={"username": user.username, "password": TEST_PASSWORD})
    await client.post(REFRESH, json={"refresh_token": user.refresh_token})
    assert_401(await client.post(REFRESH, json={"refresh_token": user.refresh_token}))
    unaffected = await client.post(REFRESH, json={"refresh_token": other_login.json()["refresh_token"]})
    assert unaffected.status_code == 200


async def test_forged_refresh_token_is_401(client, user):
    claims = jwt.decode(user.refresh_token, options={"verify_signature": False})
    forged = jwt.encode(claims, "guessed-secret-" * 4, algorithm="HS256")
    assert_401(await client.post(REFRESH, json={"refresh_token": forged}))


@pytest.mark.parametrize("tier", ["free", "premium", "enterprise"])
async def test_api_key_is_shown_once_and_authenticates(client, user, tier):
    issued = await client.post(API_KEYS, json={"tier": tier}, headers=user.headers)
    assert issued.status_code == 201
    key = issued.json()
    assert key["tier"] == tier
    assert key["api_key"].startswith(key["prefix"])
    by_key = await client.get("/api/v1/incidents", headers={"X-API-Key": key["api_key"]})
    assert by_key.status_code == 200
    tokens = await client.post(TOKEN, json={"api_key": key["api_key"]})
    assert tokens.status_code == 200
    claims = jwt.decode(tokens.json()["access_token"], options={"verify_signature": False})
    assert claims["tier"] == tier


async def test_api_keys_are_stored_hashed(app, client, user):
    from sqlalchemy import select

    from reference_app.db.models import ApiKey
    from reference_app.state import app_resources

    secret = (await client.post(API_KEYS, json={}, headers=user.headers)).json()["api_key"]
    async with app_resources(app.state).sessions() as session:
        hashes = (await session.execute(select(ApiKey.key_hash))).scalars().all()
    assert secret not in hashes
    assert all(len(value) == 64 for value in hashes)


async def test_creating_an_api_key_needs_authentication(client):
    assert_401(await client.post(API_KEYS, json={"tier": "free"}))


async def test_duplicate_username_is_409(client, user):
    response = await client.post("/api/v1/users", json={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 409
    assert response.json()["type"] == problem_type("username-taken")


async def test_signup_can_be_disabled(settings_overrides, migrated):
    closed = create_app(build_settings({**settings_overrides, "signup_enabled": False}))
    async with closed.router.lifespan_context(closed):
        transport = httpx.ASGITransport(app=closed)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.post("/api/v1/users", json={"username": "someone", "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.json()["type"] == problem_type("signup-disabled")
