"""E4 fails when duplicates execute again or a reused key's new body is not refused."""

from __future__ import annotations

import pytest

from properties.http.idempotency import check_request_deduplication
from tests.properties.asgi import RewriteRequest, with_headers

KEY = b"idempotency-key"


def _forget_keys(app):
    """Drops the Idempotency-Key before the app sees it: every duplicate executes again."""
    return RewriteRequest(app, lambda scope: with_headers(scope, [h for h in scope["headers"] if h[0] != KEY]))


class _FirstBodyWins:
    """Replays a key's first body for every later request with that key: no fingerprint check."""

    def __init__(self, app):
        self.app = app
        self.bodies: dict[bytes, bytes] = {}

    async def __call__(self, scope, receive, send):
        key = dict(scope.get("headers", [])).get(KEY) if scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = self.bodies.setdefault(key, b"".join(chunks))
        headers = [(n, str(len(body)).encode() if n == b"content-length" else v) for n, v in scope["headers"]]
        sent = False

        async def replay():
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(with_headers(scope, headers), replay, send)


def test_the_property_holds_on_the_reference_app(open_target):
    with open_target() as http:
        assert check_request_deduplication(http) == ["POST /api/v1/incidents"]


@pytest.mark.mutant("E4")
def test_deduplication_fails_when_keys_are_ignored(open_target):
    with open_target(_forget_keys) as http, pytest.raises(AssertionError, match="not the first response"):
        check_request_deduplication(http)


@pytest.mark.mutant("E4")
def test_deduplication_fails_when_a_new_body_replays_the_first(open_target):
    with open_target(_FirstBodyWins) as http, pytest.raises(AssertionError, match="expected 422"):
        check_request_deduplication(http)
