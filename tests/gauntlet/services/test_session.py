"""ServiceSession: a fresh database and key prefix, cleaned up, and no process left behind
however the process using it ends (SIGTERM, SIGINT, an exception)."""

import json
import selectors
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest
import redis

from gauntlet.services.postgres import (
    find_postgres_bindir,
    probe_postgres,
    start_private_postgres,
)
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import probe_redis, start_private_redis
from gauntlet.services.session import ServiceSession, new_session_id

from .helpers import gone

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[3]
#: Seconds the child script gets to start both private servers and print its pids.
CHILD_START_TIMEOUT = 60.0

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from gauntlet.services.session import ServiceSession

    with ServiceSession(None, None, Path(sys.argv[1]), "5e55", prefer_private=True) as s:
        pids = [pid for process in s.processes for pid in process.group_pids()]
        print(json.dumps({"pids": pids, "origins": [s.redis.origin, s.postgres.origin],
                          "urls": [s.redis_url, s.database_url]}), flush=True)
        if sys.argv[2] == "raise":
            raise RuntimeError("boom inside the block")
        time.sleep(120)
    """
)


@pytest.fixture(scope="module")
def shared_urls(tmp_path_factory):
    """Servers the session must treat as shared (passed as configured URLs): the local
    defaults when they answer, else private instances standing in for them."""
    redis_url = "redis://127.0.0.1:6379/0"
    database_url = "postgresql://postgres@127.0.0.1:5432/postgres"
    with ProcessGroup() as group:
        if not probe_redis(redis_url).ok:
            redis_url = start_private_redis(tmp_path_factory.mktemp("redis"), group=group).url
        if not probe_postgres(database_url).ok:
            if find_postgres_bindir() is None:
                pytest.skip("no PostgreSQL on 127.0.0.1:5432 and no server binaries")
            database_url = start_private_postgres(tmp_path_factory.mktemp("pg"), group=group).url
        yield redis_url, database_url


def test_session_uses_a_fresh_database_and_prefix_and_cleans_both(tmp_path, shared_urls):
    redis_url, database_url = shared_urls
    session_id = new_session_id()
    with ServiceSession(redis_url, database_url, tmp_path, session_id) as session:
        assert session.redis.origin == session.postgres.origin == "configured"
        assert session.key_prefix == f"gauntlet:{session_id}:"
        assert session.database_url.endswith(f"/gauntlet_{session_id}")
        with psycopg.connect(session.database_url) as conn:
            name = conn.execute("SELECT current_database()").fetchone()
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert (name, tables.fetchone()) == ((f"gauntlet_{session_id}",), (0,))
        client = redis.Redis.from_url(session.redis_url)
        outside = f"gauntlet-test-outside:{session_id}"
        try:
            client.set(f"{session.key_prefix}a", 1)
            client.set(f"{session.key_prefix}b", 2)
            client.set(outside, 3)
            assert any(session_id in line for line in session.describe())
        finally:
            client.close()
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys(f"gauntlet:{session_id}:*") == []
        assert client.get(outside) == b"3"  # other keys are not ours to delete
        client.delete(outside)
    finally:
        client.close()
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'gauntlet_%'")
        assert (f"gauntlet_{session_id}",) not in rows.fetchall()


def test_session_id_must_be_short_lowercase_hex(tmp_path):
    with pytest.raises(ValueError, match="hex"):
        ServiceSession(None, None, tmp_path, "Robert'); DROP TABLE--")


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    """One child per way of ending, started together: their initdb runs overlap."""
    workdir = tmp_path_factory.mktemp("children")
    script = workdir / "child.py"
    script.write_text(SCRIPT)
    modes = {"SIGTERM": "sleep", "SIGINT": "sleep", "raise": "raise"}
    procs = {
        name: subprocess.Popen(
            [sys.executable, str(script), str(workdir / name), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=REPO_ROOT,
            text=True,
        )
        for name, mode in modes.items()
    }
    try:
        yield {name: (child, read_started(child)) for name, child in procs.items()}
    finally:
        for child in procs.values():
            if child.poll() is None:
                child.terminate()  # SIGTERM: the child cleans up after itself
            child.communicate(timeout=60)


def read_started(child: subprocess.Popen) -> dict:
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        ready = selector.select(CHILD_START_TIMEOUT)
    if not ready:
        pytest.fail(f"the child did not print its pids within {CHILD_START_TIMEOUT} s")
    line = child.stdout.readline()
    if not line:
        pytest.fail(f"the child exited before printing its pids:\n{child.stderr.read()}")
    return json.loads(line)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_no_process_left_behind_when_the_user_is_killed(children, signum):
    child, started = children[signal.Signals(signum).name]
    assert started["origins"] == ["private", "private"]
    assert len(started["pids"]) >= 4  # redis-server, runuser/postmaster and its backends
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    # SystemExit(143) from our handler; an uncaught KeyboardInterrupt re-raises SIGINT.
    expected = 128 + signal.SIGTERM if signum == signal.SIGTERM else -signal.SIGINT
    assert child.returncode == expected, err
    assert all(gone(pid) for pid in started["pids"]), err


def test_no_process_left_behind_when_the_block_raises(children):
    child, started = children["raise"]
    _, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert "boom inside the block" in err
    assert all(gone(pid) for pid in started["pids"]), err
    assert not probe_redis(started["urls"][0]).ok
