"""__main__.py: migrate and seed-demo as a user runs them (SQLite quick start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def run_cli(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("APP_")},
        "APP_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "reference_app", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_migrate_then_seed_demo_prints_credentials(tmp_path):
    assert run_cli(tmp_path, "migrate").returncode == 0
    seeded = run_cli(tmp_path, "seed-demo", APP_PASSWORD_HASH__MEMORY_KIB="1024", APP_PASSWORD_HASH__TIME_COST="1")
    assert seeded.returncode == 0, seeded.stderr
    credentials = json.loads(seeded.stdout)
    assert set(credentials["api_keys"]) == {"free", "premium", "enterprise"}
    assert credentials["username"] and credentials["password"]


@pytest.mark.slow
def test_production_refusal_exits_2_naming_the_variable(tmp_path):
    result = run_cli(tmp_path, "migrate", APP_ENVIRONMENT="production")
    assert result.returncode == 2
    assert "APP_SECRET_KEY" in result.stderr
