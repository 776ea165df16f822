"""Redis: does a URL answer, a private ``redis-server`` of our own, and key cleanup.

Example::

    with ProcessGroup() as group:
        server = start_private_redis(tmp_path, group=group)
        redis.Redis.from_url(server.url).ping()
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import redis

from gauntlet.errors import ServiceUnavailable
from gauntlet.services.ports import LOOPBACK, free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.services.types import PrivateServer, Probe

logger = logging.getLogger(__name__)

#: The Redis a developer machine or CI runner usually has.
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
#: Seconds a probe waits to connect and for PING's answer.
PROBE_TIMEOUT = 1.0
#: Seconds a private redis-server gets to answer PING after it starts.
STARTUP_TIMEOUT = 15.0
#: Attempts with a fresh port when the chosen one was taken meanwhile.
PORT_ATTEMPTS = 3
#: Keys per SCAN step and per UNLINK call when deleting a session's keys.
SCAN_BATCH = 500


def probe_redis(url: str, timeout: float = PROBE_TIMEOUT) -> Probe:
    """Whether ``url`` answers PING within ``timeout`` seconds (and why not)."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    except ValueError as exc:
        return Probe(url, ok=False, reason=f"invalid Redis URL: {exc}")
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        return Probe(url, ok=False, reason=f"{type(exc).__name__}: {exc}")
    finally:
        client.close()
    return Probe(url, ok=True)


def start_private_redis(
    workdir: Path,
    *,
    binary: str = "redis-server",
    group: ProcessGroup | None = None,
    detached: bool = False,
    timeout: float = STARTUP_TIMEOUT,
) -> PrivateServer:
    """Start ``redis-server`` on a free loopback port, without persistence, and wait for PING.

    With ``group`` the process is owned by it (stopped when it closes); ``detached=True``
    starts it outside any group, to outlive us.
    """
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        data_dir = workdir / f"redis-{port}"
        data_dir.mkdir(parents=True, exist_ok=True)
        process = ManagedProcess(f"redis-{port}", _argv(binary, port, data_dir), workdir)
        url = f"redis://{LOOPBACK}:{port}/0"
        if group is not None:
            group.add(process)
        process.start(detached=detached)
        try:
            wait_until(_answers(url), timeout, f"redis-server at {url}", process=process)
        except ServiceUnavailable:
            process.stop()
            if attempt < PORT_ATTEMPTS and "Address already in use" in process.log_tail():
                logger.info("port %d was taken before redis-server bound it: retrying", port)
                continue
            raise
        except BaseException:
            process.stop()
            raise
        return PrivateServer("redis", url, process, data_dir)
    raise AssertionError("unreachable: the last attempt returns or raises")


def delete_keys(url: str, prefix: str) -> int:
    """Delete every key starting with ``prefix`` (SCAN + UNLINK); returns how many."""
    pattern = _glob_escape(prefix) + "*"
    deleted = 0
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=PROBE_TIMEOUT)
    try:
        batch: list[bytes] = []
        for key in client.scan_iter(match=pattern, count=SCAN_BATCH):
            batch.append(key)
            if len(batch) >= SCAN_BATCH:
                deleted += int(client.unlink(*batch))
                batch.clear()
        if batch:
            deleted += int(client.unlink(*batch))
    finally:
        client.close()
    return deleted


def find_redis_server() -> str | None:
    return shutil.which("redis-server")


def _answers(url: str) -> Callable[[], bool]:
    return lambda: probe_redis(url).ok


def _argv(binary: str, port: int, data_dir: Path) -> list[str]:
    return [
        binary,
        "--port",
        str(port),
        "--bind",
        LOOPBACK,
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
        "--daemonize",
        "no",
    ]


def _glob_escape(text: str) -> str:
    # Redis MATCH is a glob: a prefix with * ? [ ] or \ must not widen the match.
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in text)
