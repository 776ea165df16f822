"""``python -m reference_app audit-verify`` on a database of its own, and the SQLite quick start."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import httpx
import psycopg
import pytest

from reference_app.app import create_app
from reference_app.audit import verify_chain
from reference_app.audit.store import verify_database
from reference_app.migrations import upgrade
from reference_app.settings import build_settings

from ..conftest import TEST_PASSWORD


async def populate(settings_overrides, database_url: str, incidents: int) -> None:
    app = create_app(build_settings({**settings_overrides, "database_url": database_url}))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        credentials = {"username": "auditor", "password": TEST_PASSWORD}
        assert (await http.post("/api/v1/users", json=credentials)).status_code == 201
        token = (await http.post("/api/v1/auth/token", json=credentials)).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        created = await asyncio.gather(
            *(http.post("/api/v1/incidents", json={"title": f"i{n}"}, headers=headers) for n in range(incidents))
        )
        assert {response.status_code for response in created} == {201}


def audit_verify(database_url: str, *args: str) -> tuple[int, dict]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("APP_")}, "APP_DATABASE_URL": database_url}
    completed = subprocess.run(
        [sys.executable, "-m", "reference_app", "audit-verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return completed.returncode, json.loads(completed.stdout)


@pytest.mark.slow
async def test_audit_verify_exits_0_then_1_after_tampering(fresh_database_url, settings_overrides):
    upgrade(fresh_database_url, "head")
    await populate(settings_overrides, fresh_database_url, incidents=3)
    code, report = audit_verify(fresh_database_url)
    assert (code, report["ok"], report["entries"]) == (0, True, 5)  # sign-up, login, 3 incidents
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute("""UPDATE audit_log SET details = '{"status": "closed"}' WHERE id = 3""")
    code, report = audit_verify(fresh_database_url)
    assert (code, report["ok"], report["first_bad_id"]) == (1, False, 3)
    assert "modified" in report["reason"]


@pytest.mark.slow
async def test_audit_verify_with_an_anchor_catches_truncation(fresh_database_url, settings_overrides):
    upgrade(fresh_database_url, "head")
    await populate(settings_overrides, fresh_database_url, incidents=2)
    anchor = (await verify_database(fresh_database_url)).head_hash
    with psycopg.connect(fresh_database_url) as connection:
        connection.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    assert (await verify_database(fresh_database_url)).ok  # undetectable from the rows alone
    code, report = audit_verify(fresh_database_url, "--anchor", anchor)
    assert (code, report["ok"]) == (1, False)


async def test_the_chain_holds_on_the_sqlite_quick_start(tmp_path, settings_overrides):
    url = f"sqlite:///{tmp_path / 'quick.db'}"
    upgrade(url, "head")
    await populate(settings_overrides, url, incidents=8)
    result = await verify_database(url)
    assert (result.ok, result.count) == (True, 10), result.reason
    assert verify_chain([]).ok
