"""model_server/: a real process on a free port answers /health and /v1/draft."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from reference_app.model_server.drafting import MAX_SUMMARY_LENGTH, draft_summary

#: Seconds the process gets to start listening (it imports uvicorn and starlette only).
STARTUP_TIMEOUT_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def model_server_url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_app.model_server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"model server exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                if httpx.get(f"{url}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("model server did not start listening")
            time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.mark.slow
def test_draft_over_http_is_deterministic(model_server_url):
    body = {"title": "Checkout 502", "description": "EU users fail. Started 09:40."}
    first = httpx.post(f"{model_server_url}/v1/draft", json=body, timeout=5)
    second = httpx.post(f"{model_server_url}/v1/draft", json=body, timeout=5)
    assert first.status_code == 200
    assert first.json()["summary"] == "Checkout 502: EU users fail."
    assert first.json() == second.json()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("content", "status"),
    [(b"{", 400), (b"[]", 422), (b'{"title": 1}', 422), (b'{"title": ""}', 422)],
)
def test_bad_requests_are_problem_json(model_server_url, content, status):
    response = httpx.post(
        f"{model_server_url}/v1/draft",
        content=content,
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


@pytest.mark.slow
def test_unknown_route_is_404(model_server_url):
    response = httpx.get(f"{model_server_url}/nope", timeout=5)
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_summaries_are_bounded():
    assert len(draft_summary("t" * 200, "d" * 10_000)) <= MAX_SUMMARY_LENGTH
    assert draft_summary("  A   title ", "") == "A title"
