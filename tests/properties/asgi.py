"""Small ASGI tools to build mutants: rewrite a request, or a buffered response."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Answer:
    """A buffered response a mutant may change before it goes out."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.decode("latin-1").lower() == name.lower():
                return value.decode("latin-1")
        return None

    def set_header(self, name: str, value: str) -> None:
        self.drop_header(name)
        self.headers.append((name.lower().encode("latin-1"), value.encode("latin-1")))

    def drop_header(self, name: str) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.decode("latin-1").lower() != name.lower()]


def request_header(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.decode("latin-1").lower() == name.lower():
            return value.decode("latin-1")
    return None


def query(scope: Scope) -> list[tuple[str, str]]:
    return parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)


def with_query(scope: Scope, pairs: list[tuple[str, str]]) -> Scope:
    return {**scope, "query_string": urlencode(pairs).encode("latin-1")}


def with_headers(scope: Scope, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {**scope, "headers": headers}


class RewriteRequest:
    """Hands the app a changed scope: ``RewriteRequest(app, lambda scope: ...)``."""

    def __init__(self, app: ASGIApp, rewrite: Callable[[Scope], Scope]) -> None:
        self.app = app
        self.rewrite = rewrite

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(self.rewrite(scope) if scope["type"] == "http" else scope, receive, send)


class RewriteResponse:
    """Buffers each http response and lets ``rewrite(scope, answer)`` change it.

    ``identity=True`` asks the app for uncompressed bodies (drops ``Accept-Encoding``),
    for rewrites that read the body.
    """

    def __init__(self, app: ASGIApp, rewrite: Callable[[Scope, Answer], None], *, identity: bool = False) -> None:
        self.app = app
        self.rewrite = rewrite
        self.identity = identity

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer = Answer(0, [], b"")
        if self.identity:
            scope = with_headers(scope, [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"])

        async def buffer(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                answer.body += message.get("body", b"")

        await self.app(scope, receive, buffer)
        self.rewrite(scope, answer)
        if answer.status not in (204, 304):
            answer.set_header("content-length", str(len(answer.body)))
        await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})
