"""Test helpers shared by the middleware tests (imported, unlike conftest.py)."""

from __future__ import annotations

import io
import json
from typing import Any

import httpx
from starlette.types import ASGIApp


def client_for(app: ASGIApp) -> httpx.AsyncClient:
    """An httpx client speaking ASGI to ``app``; app exceptions become responses."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


class LogCapture:
    """The JSON lines ``configure_logging`` wrote during a test."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stream.getvalue().splitlines() if line]

    def records(self, logger: str | None = None) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.lines]
        return [r for r in parsed if logger is None or r.get("logger") == logger]
