"""ASGI plumbing for the middleware: read the request body once, give it to the app again,
record the response it sends, replay a stored one."""

from __future__ import annotations

from collections.abc import Collection

from starlette.types import Message, Receive, Scope, Send

from reference_app.idempotency.records import StoredResponse

REPLAYED_HEADER = (b"idempotent-replayed", b"true")


def header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


async def read_body(receive: Receive) -> bytes | None:
    """The whole request body, or None if the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that yields ``body`` once, then defers to the real one (disconnects)."""
    delivered = False

    async def receive_again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


class ResponseRecorder:
    """Forwards the app's messages to the client and keeps a copy of the response."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status: int | None = None
        self.headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            self.headers = [(bytes(k), bytes(v)) for k, v in message.get("headers", ())]
        elif message["type"] == "http.response.body":
            self._body.append(bytes(message.get("body", b"")))
            self.complete = not message.get("more_body", False)
        await self._send(message)

    def stored(self, drop_headers: Collection[bytes]) -> StoredResponse:
        if self.status is None:
            raise RuntimeError("no response was started: nothing to store")
        kept = tuple((k, v) for k, v in self.headers if k.lower() not in drop_headers)
        return StoredResponse(self.status, kept, b"".join(self._body))


async def replay(response: StoredResponse, send: Send) -> None:
    headers = [*response.headers, REPLAYED_HEADER]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body, "more_body": False})
