"""`gauntlet services up|down|status`: detached servers, recorded, stopped exactly."""

import json
import subprocess
from pathlib import Path

import pytest

from gauntlet.services.pgroups import process_tree
from gauntlet.services.postgres import find_postgres_bindir, probe_postgres
from gauntlet.services.redis import find_redis_server, probe_redis
from gauntlet.services.state import (
    format_exports,
    read_state,
    services_down,
    services_status,
    services_up,
)

from .helpers import gone

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_redis_server() is None or find_postgres_bindir() is None,
        reason="redis-server or PostgreSQL server binaries not installed",
    ),
]


def test_up_records_detached_servers_and_down_stops_exactly_them(tmp_path):
    state_file = tmp_path / ".gauntlet" / "services.json"
    try:
        env = services_up(state_file, tmp_path / "services", allow_install=False)
        assert set(env) == {"GAUNTLET_REDIS_URL", "GAUNTLET_DATABASE_URL"}
        assert probe_redis(env["GAUNTLET_REDIS_URL"]).ok
        assert probe_postgres(env["GAUNTLET_DATABASE_URL"]).ok
        assert "export GAUNTLET_REDIS_URL=redis://127.0.0.1:" in format_exports(env)

        recorded = read_state(state_file)
        assert [server.service for server in recorded] == ["redis", "postgres"]
        assert all(server.alive() for server in recorded)
        pids = [proc.pid for server in recorded for proc in process_tree(server.pgid)]
        assert len(pids) >= 4
        assert services_up(state_file, tmp_path / "services") == env  # reused, not restarted
        status = "\n".join(services_status(state_file, None, None))
        assert status.count("alive") == 2
    finally:
        messages = services_down(state_file)
    assert [m.endswith(": stopped") for m in messages] == [True, True]
    assert all(gone(pid) for pid in pids)
    assert not state_file.exists()
    assert not any(Path(server.data_dir).exists() for server in recorded)


def test_down_does_not_touch_a_pid_that_is_now_another_program(tmp_path):
    with subprocess.Popen(["sleep", "60"], start_new_session=True) as stranger:
        try:
            state_file = tmp_path / "services.json"
            record = {
                "service": "redis",
                "url": "redis://127.0.0.1:1/0",
                "pid": stranger.pid,
                "pgid": stranger.pid,
                "process_name": "redis-server",
                "create_time": 0.0,
                "stop_signal": 15,
                "stop_timeout": 1.0,
                "data_dir": str(tmp_path / "nothing"),
                "log_path": str(tmp_path / "nothing.log"),
            }
            state_file.write_text(json.dumps({"version": 1, "servers": [record]}))

            (message,) = services_down(state_file)

            assert "not touched" in message
            assert stranger.poll() is None
        finally:
            stranger.kill()
