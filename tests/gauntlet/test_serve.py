"""`gauntlet serve`: everything it starts answers, and nothing outlives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from gauntlet.services.ports import free_port

#: Bound on waiting for serve to print its URLs (private PostgreSQL + migrations).
STARTUP_BOUND_S = 180
#: Bound on waiting for serve to stop everything after the signal.
STOP_BOUND_S = 180
#: Bound on waiting for serve's Celery worker to finish an export.
EXPORT_BOUND_S = 120


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


@pytest.fixture
def serve(tmp_path):
    """`gauntlet serve` with private Redis and PostgreSQL, so killing it can touch nothing shared."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    env["GAUNTLET_SERVICES__PREFER_PRIVATE"] = "true"
    process = subprocess.Popen(
        [sys.executable, "-m", "gauntlet.cli", "serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    deadline = time.monotonic() + STARTUP_BOUND_S
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if line.startswith("Ctrl-C stops"):
            break
    else:
        process.kill()
    assert lines and lines[-1].startswith("Ctrl-C stops"), "\n".join(lines)
    started = descendants(process.pid)
    yield process, port, lines
    # A failed test must not leave serve's children behind: kill the whole tree it had.
    for child in [*started, *descendants(process.pid)]:
        if not gone(child):
            child.kill()
    if process.poll() is None:
        process.kill()
        process.wait()
    process.stdout.close()


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_then_stops_everything_it_started(serve, stop_signal):
    process, port, lines = serve
    url = f"http://127.0.0.1:{port}"
    assert any(line.startswith(f"reference app:  {url}") for line in lines)
    assert any(line.startswith("demo API key (premium): ") for line in lines)
    response = httpx.get(f"{url}/api/v1/no-such-route", headers={"X-Request-ID": "serve-test-1"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["x-request-id"] == "serve-test-1"
    assert response.headers["x-content-type-options"] == "nosniff"
    demo_key = next(line.split(": ", 1)[1] for line in lines if line.startswith("demo API key (premium): "))
    assert_served_end_to_end(url, {"X-API-Key": demo_key})

    started = descendants(process.pid)
    names = {p.name() for p in started}
    assert "redis-server" in names and "postgres" in names  # the private services
    assert sum("python" in p.name() for p in started) >= 2  # the app and the model server

    process.send_signal(stop_signal)
    # A bound, not a performance figure: a loaded 2-core machine stops PostgreSQL slowly.
    process.wait(timeout=STOP_BOUND_S)
    survivors = [p for p in started if not gone(p)]
    assert survivors == []


def assert_served_end_to_end(url: str, headers: dict[str, str]) -> None:
    """The model server drafts through the app, and serve's Celery worker completes an export."""
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        created = client.post("/api/v1/incidents", json={"title": "Disk full", "description": "db-1 at 100%"})
        assert created.status_code == 201, created.text
        draft = client.post(f"/api/v1/incidents/{created.json()['id']}/draft")
        assert draft.status_code == 200, draft.text
        assert draft.json()["summary"]
        accepted = client.post("/api/v1/exports", json={"format": "json"})
        assert accepted.status_code == 202, accepted.text
        status_url = accepted.json()["status_url"]
        deadline = time.monotonic() + EXPORT_BOUND_S
        task = client.get(status_url).json()
        while task["status"] not in ("SUCCESS", "FAILURE") and time.monotonic() < deadline:
            time.sleep(0.2)
            task = client.get(status_url).json()
    assert task["status"] == "SUCCESS", task
    assert task["result"]["rows"] >= 1 and task["result"]["format"] == "json", task
