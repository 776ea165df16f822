"""`gauntlet serve --workers N`: N app processes answer on one port, and none outlives serve."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import httpx
import psutil
import pytest
from click.testing import CliRunner

from gauntlet.cli.main import cli
from gauntlet.services.ports import free_port

#: Bound on waiting for serve to print its URLs (private PostgreSQL + migrations).
STARTUP_BOUND_S = 180
WORKERS = 2
#: Keep-alive connections opened to see which worker accepted each (the kernel spreads them).
CONNECTIONS = 24


def gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def app_workers(serve_pid: int) -> tuple[psutil.Process, list[psutil.Process]]:
    """The app's supervisor (``python -m reference_app ... --workers N``) and its spawned workers."""
    supervisor = next(p for p in psutil.Process(serve_pid).children(recursive=True) if "--workers" in p.cmdline())
    workers = [p for p in supervisor.children() if "multiprocessing.spawn" in " ".join(p.cmdline())]
    return supervisor, workers


@pytest.fixture
def serve_workers(tmp_path):
    """`gauntlet serve --workers 2` with private Redis and PostgreSQL (nothing shared is touched)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    env["GAUNTLET_SERVICES__PREFER_PRIVATE"] = "true"
    command = [sys.executable, "-m", "gauntlet.cli", "serve", "--port", str(port), "--workers", str(WORKERS)]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)  # fmt: skip
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
    assert lines and lines[-1].startswith("Ctrl-C stops"), "\n".join(lines)
    yield process, port, lines
    if process.poll() is None:
        process.kill()
        process.wait()
    process.stdout.close()


@pytest.mark.slow
def test_each_worker_answers_on_the_one_port_and_sigterm_stops_them_all(serve_workers):
    process, port, lines = serve_workers
    assert f"app workers:    {WORKERS} processes sharing Redis and PostgreSQL" in lines
    assert sum(line.startswith("demo API key (") for line in lines) >= 1  # seeded once, by serve
    supervisor, workers = app_workers(process.pid)
    assert len(workers) == WORKERS, [w.cmdline() for w in workers]

    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(CONNECTIONS)]
    try:
        statuses = [client.get("/health/ready").status_code for client in clients]
        owners: Counter[int] = Counter()
        for worker in workers:
            owners[worker.pid] = sum(
                1 for c in worker.net_connections(kind="tcp") if c.laddr.port == port and c.status == "ESTABLISHED"
            )
    finally:
        for client in clients:
            client.close()
    assert statuses == [200] * CONNECTIONS
    # Every worker accepted and answered some of the connections: N processes serve, not 1.
    assert sum(owners.values()) == CONNECTIONS, owners
    assert all(count > 0 for count in owners.values()), owners

    started = psutil.Process(process.pid).children(recursive=True)
    assert supervisor in started and all(worker in started for worker in workers)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    survivors = [p for p in started if not gone(p)]
    assert survivors == []


def test_serve_rejects_a_worker_count_below_one():
    result = CliRunner().invoke(cli, ["serve", "--workers", "0"])
    assert result.exit_code == 2
    assert "--workers" in result.output and "x>=1" in result.output


@pytest.mark.parametrize("value", ["0", "two"])
def test_the_app_rejects_a_bad_worker_count_naming_the_flag(value):
    completed = subprocess.run(
        [sys.executable, "-m", "reference_app", "--workers", value],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert f"--workers must be an integer >= 1, got {value!r}" in completed.stderr
