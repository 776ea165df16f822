"""No secret is ever logged (spec: Configuration, Logging): sign-up, login with a password
and with an API key, refresh and API key creation, on their success and error paths,
through the real app with logging configured as ``python -m reference_app`` configures it
(``configure_logging``), at DEBUG, with SQLAlchemy's statements and parameters, and every
response logged by the access log. None of the passwords, tokens or keys sent or issued
appears anywhere in the output."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import structlog

from reference_app.app import create_app
from reference_app.http.log_config import configure_logging
from tests.reference_app.conftest import TEST_PASSWORD, TEST_SECRET

USERS = "/api/v1/users"
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/refresh"
API_KEYS = "/api/v1/api-keys"
#: Loggers whose level is raised to DEBUG for the test (SQLAlchemy pins its own to WARNING).
LIBRARY_LOGGERS = ("sqlalchemy",)


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """Every record of the process, as the app's JSON lines, at DEBUG."""
    stream = io.StringIO()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *LIBRARY_LOGGERS)}
    configure_logging("reference-app", "DEBUG", stream)
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        for handler in [h for h in root.handlers if getattr(h, "_reference_app_json_handler", False)]:
            root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        structlog.reset_defaults()


@pytest.fixture
async def logged_client(app_settings, migrated, log_stream) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, its access log also logging successes (``APP_HTTP__LOG_SUCCESS``)."""
    http_settings = app_settings.http.model_copy(update={"log_success": True})
    app = create_app(app_settings.model_copy(update={"http": http_settings}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    return f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"


async def exercise_auth_flows(client: httpx.AsyncClient, username: str) -> tuple[list[str], set[tuple[str, int]]]:
    """Run every flow; return the secrets involved and the (path, status) pairs answered."""
    wrong_password = "wrong-" + secrets.token_urlsafe(12)
    short_password = "S" + secrets.token_hex(3)  # 7 characters: one below the minimum
    unknown_key = "rak_" + secrets.token_urlsafe(32)
    answered: set[tuple[str, int]] = set()
    sent: list[str] = [TEST_PASSWORD, wrong_password, short_password, unknown_key, TEST_SECRET]

    async def post(path: str, expected: int, **kwargs: object) -> httpx.Response:
        response = await client.post(path, **kwargs)  # type: ignore[arg-type]
        assert response.status_code == expected, (path, response.text)
        answered.add((path, expected))
        return response

    # Sign-up: success, taken username, too-short password, unknown field, malformed JSON.
    await post(USERS, 201, json={"username": username, "password": TEST_PASSWORD})
    await post(USERS, 409, json={"username": username, "password": TEST_PASSWORD})
    await post(USERS, 422, json={"username": f"{username}-b", "password": short_password})
    await post(USERS, 422, json={"username": f"{username}-c", "password": TEST_PASSWORD, "api_key": unknown_key})
    await post(
        USERS, 400, content=f'{{"username": "{username}-d", "password": "{TEST_PASSWORD}"', headers=json_header()
    )
    # Password login: success, wrong password, unknown user, malformed and invalid bodies.
    tokens = (await post(TOKEN, 200, json={"username": username, "password": TEST_PASSWORD})).json()
    await post(TOKEN, 401, json={"username": username, "password": wrong_password})
    await post(TOKEN, 401, json={"username": f"{username}-nobody", "password": wrong_password})
    await post(TOKEN, 400, content=f'{{"username": "{username}", "password": "{wrong_password}', headers=json_header())
    await post(TOKEN, 422, json={"username": username, "password": wrong_password, "otp": short_password})
    access, refresh = tokens["access_token"], tokens["refresh_token"]
    sent += [access, refresh, tampered(access), tampered(refresh)]
    bearer = {"Authorization": f"Bearer {access}"}
    # API keys: created with a bearer token and with a key; refused with bad credentials.
    api_key = (await post(API_KEYS, 201, json={"tier": "free"}, headers=bearer)).json()["api_key"]
    second_key = (await post(API_KEYS, 201, json={}, headers={"X-API-Key": api_key})).json()["api_key"]
    sent += [api_key, second_key]
    await post(API_KEYS, 401, json={"tier": "free"}, headers={"Authorization": f"Bearer {tampered(access)}"})
    await post(API_KEYS, 401, json={"tier": "free"}, headers={"Authorization": f"Bearer {refresh}"})
    await post(API_KEYS, 401, json={"tier": "free"}, headers={"X-API-Key": unknown_key})
    await post(API_KEYS, 422, json={"tier": "platinum"}, headers=bearer)
    # API key login: success, unknown key, key with a password field.
    key_tokens = (await post(TOKEN, 200, json={"api_key": api_key})).json()
    sent += [key_tokens["access_token"], key_tokens["refresh_token"]]
    await post(TOKEN, 401, json={"api_key": unknown_key})
    await post(TOKEN, 422, json={"api_key": api_key, "password": TEST_PASSWORD})
    # Refresh: rotation, reuse (revokes the family), tampered, an access token, bad body.
    rotated = (await post(REFRESH, 200, json={"refresh_token": refresh})).json()
    sent += [rotated["access_token"], rotated["refresh_token"]]
    await post(REFRESH, 401, json={"refresh_token": refresh})
    await post(REFRESH, 401, json={"refresh_token": rotated["refresh_token"]})
    await post(REFRESH, 401, json={"refresh_token": tampered(key_tokens["refresh_token"])})
    await post(REFRESH, 401, json={"refresh_token": access})
    await post(REFRESH, 422, json={"refresh_token": refresh, "access_token": access})
    await post(REFRESH, 400, content=f'{{"refresh_token": "{refresh}', headers=json_header())
    return sent, answered


def json_header() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def fragments(secret: str) -> list[str]:
    """The secret, and for a JWT its signature alone (a token logged in part still leaks)."""
    parts = secret.split(".")
    return [secret, parts[2]] if len(parts) == 3 else [secret]


async def test_no_password_token_or_api_key_is_ever_logged(logged_client, log_stream):
    username = f"logged-{secrets.token_hex(4)}"
    sent, answered = await exercise_auth_flows(logged_client, username)
    output = log_stream.getvalue()
    records = [json.loads(line) for line in output.splitlines() if line]
    access = {(r["path"], r["status"]) for r in records if r.get("event") == "http_request"}
    # The capture saw what the app emitted: every response (successes too), and the SQL
    # with its parameters, whose values came from the same request bodies as the secrets.
    assert access == answered
    assert any(r["logger"].startswith("sqlalchemy.engine") for r in records)
    assert username in output
    leaked = [secret for secret in sent for fragment in fragments(secret) if fragment in output]
    assert leaked == []
