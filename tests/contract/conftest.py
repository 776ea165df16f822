"""The planted-bug service, started as a real uvicorn process on a free port."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gauntlet.services.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
#: How long uvicorn may take to answer its first request on a busy 2-core machine.
STARTUP_TIMEOUT_S = 30.0


@pytest.fixture(scope="session")
def planted_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.contract.planted_app:asgi", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "error"],
        cwd=ROOT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while True:
            try:
                httpx.get(url + "/openapi.json", timeout=1.0)
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"planted app did not start on {url} (exit {process.poll()})") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
