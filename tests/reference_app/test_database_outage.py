"""PostgreSQL stopped and restarted under a running app (a private cluster, never the
shared one): readiness goes 503 ``fail`` and back to 200, and requests work again, all in
one app instance. Plus the start-up retry of ``python -m reference_app --migrate``."""

from __future__ import annotations

import asyncio
import time
from functools import partial

import httpx
import pytest

from gauntlet.services.postgres import find_postgres_bindir, restart_private_postgres, start_private_postgres
from gauntlet.services.processes import ProcessGroup
from reference_app import __main__ as cli
from reference_app.app import create_app
from reference_app.db.wait import DatabaseUnreachable, backoff_delays, retry_until_reachable
from reference_app.migrations import upgrade
from reference_app.settings import build_settings
from tests.reference_app.conftest import sign_up

#: Seconds readiness gets to turn 200 again once PostgreSQL answers.
RECOVERY_TIMEOUT = 10.0


@pytest.fixture
def private_postgres(tmp_path):
    with ProcessGroup() as group:
        server = start_private_postgres(tmp_path, group=group)
        upgrade(server.url, "head")
        yield server, group


@pytest.fixture
async def app_on_private_postgres(settings_overrides, private_postgres):
    server, group = private_postgres
    # No cache: every read after the restart must come from PostgreSQL itself.
    overrides = {**settings_overrides, "database_url": server.url, "cache": {"enabled": False}}
    app = create_app(build_settings(overrides))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client, server, group


async def ready_within(client: httpx.AsyncClient, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        response = await client.get("/health/ready")
        if response.status_code == 200 or time.monotonic() >= deadline:
            return response
        await asyncio.sleep(0.2)


@pytest.mark.slow
@pytest.mark.skipif(find_postgres_bindir() is None, reason="no PostgreSQL server binaries")
async def test_readiness_follows_postgres_down_and_back_without_restart(app_on_private_postgres):
    client, server, group = app_on_private_postgres
    user = await sign_up(client)
    created = await client.post("/api/v1/incidents", json={"title": "before the outage"}, headers=user.headers)
    assert created.status_code == 201, created.text
    path = f"/api/v1/incidents/{created.json()['id']}"
    assert (await client.get("/health/ready")).status_code == 200

    server.process.stop()

    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "fail"
    assert body["checks"]["database:connection"][0]["status"] == "fail"
    assert body["checks"]["redis:connection"][0]["status"] == "pass"
    assert server.url.split("@")[-1] not in ready.text  # fixed words, never the DSN
    live = await client.get("/health/live")
    assert live.status_code == 200
    assert live.json()["status"] == "pass"

    server = restart_private_postgres(server, group=group)

    ready = await ready_within(client, RECOVERY_TIMEOUT)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "pass"
    again = await client.get(path, headers=user.headers)
    assert again.status_code == 200
    assert again.json()["title"] == "before the outage"
    second = await client.post("/api/v1/incidents", json={"title": "after the outage"}, headers=user.headers)
    assert second.status_code == 201, second.text
    assert (await client.get(f"/api/v1/incidents/{second.json()['id']}", headers=user.headers)).status_code == 200

    # A blip nobody noticed: the pool's connections all died, yet the very next request
    # succeeds first time (pool_pre_ping replaces them before use).
    server.process.stop()
    server = restart_private_postgres(server, group=group)
    assert (await client.get(path, headers=user.headers)).status_code == 200


def test_backoff_doubles_is_capped_and_spends_the_budget():
    assert backoff_delays(30.0, 0.5, 8.0) == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 6.5]


def test_startup_retry_succeeds_once_the_database_answers(caplog):
    slept: list[float] = []
    outcomes: list[BaseException | None] = [ConnectionRefusedError(111, "refused"), OSError("reset"), None]

    def connect() -> str:
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome
        return "migrated"

    with caplog.at_level("WARNING", logger="reference_app.db"):
        assert retry_until_reachable(connect, sleep=slept.append) == "migrated"
    assert slept == [0.5, 1.0]
    assert [record.getMessage().split(":")[0] for record in caplog.records] == [
        "database not reachable (attempt 1, ConnectionRefusedError)",
        "database not reachable (attempt 2, OSError)",
    ]


def test_startup_retry_gives_up_after_the_bound():
    slept: list[float] = []
    attempts = 0

    def never_up() -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionRefusedError(111, "Connect call failed ('10.0.0.9', 5432)")

    with pytest.raises(DatabaseUnreachable) as raised:
        retry_until_reachable(never_up, sleep=slept.append)
    assert slept == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 6.5]
    assert sum(slept) == 30.0
    assert attempts == len(slept) + 1 == raised.value.attempts
    assert "10.0.0.9" not in str(raised.value)


def test_startup_retry_does_not_retry_other_errors():
    slept: list[float] = []

    def broken_migration() -> None:
        raise ValueError("bad revision")

    with pytest.raises(ValueError):
        retry_until_reachable(broken_migration, sleep=slept.append)
    assert slept == []


def test_migrate_exits_2_with_one_line_when_the_database_never_answers(monkeypatch, capsys):
    monkeypatch.setenv("APP_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/app")
    monkeypatch.setattr(cli, "retry_until_reachable", partial(retry_until_reachable, sleep=lambda _seconds: None))
    assert cli.main(["migrate"]) == 2
    last_line = capsys.readouterr().err.splitlines()[-1]
    assert last_line == "database unreachable after 8 attempts over 30.0 s: giving up"
