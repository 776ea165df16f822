"""Gauntlet's own requests (login, credential probes) to the target, in either mode.

Schemathesis sends the generated cases; these few requests are the harness's own, so
they bypass its hooks and checks. Over the network they use httpx; in process they go
through Schemathesis's ASGI client, which shares the app's lifespan with the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

#: Longest one of Gauntlet's own requests may take.
OWN_REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


class Sender(Protocol):
    """Sends one request to the target; raises nothing for HTTP errors (they are replies)."""

    def send(
        self, method: str, path: str, *, headers: Mapping[str, str], json_body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Reply: ...  # fmt: skip


class HttpSender:
    """Requests to a deployed target: ``HttpSender("https://staging.example.com")``."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")

    def send(
        self, method: str, path: str, *, headers: Mapping[str, str], json_body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Reply:  # fmt: skip
        with httpx.Client(timeout=OWN_REQUEST_TIMEOUT_S) as client:
            response = client.request(
                method, self.base_url + path, headers=dict(headers), json=json_body, params=params
            )
        return Reply(response.status_code, response.content)


class AsgiSender:
    """Requests to an ASGI app in this process (the in-process mode)."""

    def __init__(self, app: Any, base_url: str = "http://testserver") -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")

    def send(
        self, method: str, path: str, *, headers: Mapping[str, str], json_body: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Reply:  # fmt: skip
        from schemathesis.python import asgi

        with asgi.get_client(self.app) as client:
            response = client.request(
                method, self.base_url + path, headers=dict(headers), json=json_body, params=params,
                timeout=OWN_REQUEST_TIMEOUT_S,
            )  # fmt: skip
        return Reply(response.status_code, response.content)
