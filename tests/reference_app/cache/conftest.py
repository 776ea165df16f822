"""Fixtures for the cache tests: the shared Redis under a private key prefix, and a private
``redis-server`` that a test may pause (SIGSTOP) without touching the shared one."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
import redis
from redis.asyncio import Redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def session_prefix(redis_key_prefix: str) -> str:
    """Under the session's own prefix (root conftest), whose keys are deleted at the end."""
    return f"{redis_key_prefix}cache:"


@pytest.fixture
def key_prefix(session_prefix: str) -> str:
    """A prefix of this test's own, so key scans see only what the test wrote."""
    return f"{session_prefix}{secrets.token_hex(4)}:"


@pytest.fixture(scope="session")
async def shared_redis(redis_url: str) -> AsyncIterator[Redis]:
    """The session's Redis (found or started by gauntlet.services): never paused or stopped."""
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@dataclass
class PrivateRedis:
    """A redis-server of the test session's own: it may be paused and resumed."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = PrivateRedis(process, port)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=port, socket_timeout=0.5).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        yield server
    finally:
        server.resume()
        process.terminate()
        process.wait(timeout=10)
