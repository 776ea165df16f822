"""Strong ETags and ``If-None-Match`` → 304 for responses a route opted into caching.

Order: this middleware must sit INSIDE ``CompressionMiddleware`` (closer to the app), so
the ETag is the hash of the identity body and stays the same whatever coding the client
negotiated; the 304 it produces then passes compression untouched (never compressed,
``Vary: Accept-Encoding`` repeated). ``stack.wrap`` composes it that way.

Opt-in: a GET/HEAD 200 whose ``Cache-Control`` has ``max-age`` or ``private`` and not
``no-store``. The ETag is ``"`` + the first 32 hex digits of sha256(body) + ``"``: a
function of the bytes only, so every process serving the same body agrees. A route that
set its own ``ETag`` keeps it. ``If-None-Match`` is evaluated with the weak comparison of
RFC 9110 §13.1.2 (``W/"x"`` matches ``"x"``), over a list or ``*`` (§13.1.2: ``*``
matches any current representation). A match answers 304 with an empty body and the
200's ``ETag``, ``Cache-Control``, ``Vary`` and other non-content headers (§15.4.5).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.headers import (
    get_header,
    get_joined,
    remove_header,
    request_header_values,
    response_headers,
    set_header,
)

#: Hex digits of sha256 kept in the ETag: 128 bits, collision-free for any real API.
ETAG_HEX_DIGITS = 32
#: Bodies larger than this are streamed without an ETag instead of held in memory.
MAX_BUFFERED_BYTES = 8 * 1024 * 1024
#: One entity-tag of a list (RFC 9110 §8.8.3): optional ``W/``, then a quoted opaque tag.
#: Commas are legal inside the quotes, so the list is scanned, not split.
ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
#: Headers describing the content, not the representation's validators: not sent on 304.
CONTENT_HEADERS = (b"content-length", b"content-type", b"content-encoding", b"transfer-encoding")


def strong_etag(body: bytes) -> bytes:
    """The reference app's ETag for a body.

    >>> strong_etag(b"{}")
    b'"44136fa355b3678a1146ad16f7e8649e"'
    """
    digest = hashlib.sha256(body).hexdigest()[:ETAG_HEX_DIGITS]
    return f'"{digest}"'.encode("ascii")


def _opaque(tag: str) -> str | None:
    match = re.fullmatch(r'(W/)?"([^"]*)"', tag.strip())
    return match[2] if match else None


def if_none_match_matches(header: str, etag: str) -> bool:
    """Weak comparison of ``etag`` against an ``If-None-Match`` value (list or ``*``).

    >>> if_none_match_matches('W/"a", "b"', '"a"'), if_none_match_matches('"c"', '"a"')
    (True, False)
    """
    if header.strip() == "*":
        return True
    current = _opaque(etag)
    if current is None:
        return False
    pos = 0
    while pos < len(header):
        match = ENTITY_TAG.match(header, pos)
        if match is None:
            return False  # malformed from here on: ignore the rest
        if match[2] == current:
            return True
        pos = match.end()
    return False


@lru_cache(maxsize=256)  # routes set a handful of Cache-Control values: parse each once
def opted_in(cache_control: bytes | None) -> bool:
    """Whether the route asked for HTTP caching (``max-age`` or ``private``, no ``no-store``)."""
    if cache_control is None:
        return False
    directives = {part.split(b"=", 1)[0].strip().lower() for part in cache_control.split(b",")}
    if b"no-store" in directives:
        return False
    return b"max-age" in directives or b"private" in directives


class ConditionalGetMiddleware:
    """Adds strong ETags to opted-in GET/HEAD 200s and answers ``If-None-Match`` with 304.

    Example::

        app = CompressionMiddleware(ConditionalGetMiddleware(app))
    """

    def __init__(self, app: ASGIApp, *, max_buffered_bytes: int = MAX_BUFFERED_BYTES) -> None:
        self.app = app
        self.max_buffered_bytes = max_buffered_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        values = request_header_values(scope, b"if-none-match")
        if_none_match = b", ".join(values).decode("latin-1") if values else None
        responder = _ConditionalResponder(send, if_none_match, self.max_buffered_bytes)
        await self.app(scope, receive, responder.send)
        await responder.finish()


class _ConditionalResponder:
    def __init__(self, send: Send, if_none_match: str | None, limit: int) -> None:
        self._send = send
        self._if_none_match = if_none_match
        self._limit = limit
        self._pending_start: Message | None = None
        self._buffer = bytearray()
        #: A 304 went out for the route's own ETag: its body messages are dropped.
        self._discard_body = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        start = self._pending_start
        if self._discard_body and kind == "http.response.body":
            return
        if kind == "http.response.start":
            await self._on_start(message)
        elif start is not None and kind == "http.response.body":
            await self._on_body(start, message)
        else:
            await self.finish()
            await self._send(message)

    async def finish(self) -> None:
        """Release a held start message (the app ended without a final body)."""
        start, self._pending_start = self._pending_start, None
        if start is not None:
            await self._send(start)
            if self._buffer:
                rest = bytes(self._buffer)
                await self._send({"type": "http.response.body", "body": rest, "more_body": True})
                self._buffer.clear()

    async def _on_start(self, message: Message) -> None:
        headers = response_headers(message)
        if message["status"] != 200 or not opted_in(get_joined(headers, b"cache-control")):
            await self._send(message)
            return
        etag = get_header(headers, b"etag")
        if etag is not None:
            # The route computed its own validator: no need to see the body.
            if self._matches(etag):
                self._discard_body = True
                await self._send_not_modified(message)
            else:
                await self._send(message)
            return
        self._pending_start = message

    def _matches(self, etag: bytes) -> bool:
        return self._if_none_match is not None and if_none_match_matches(self._if_none_match, etag.decode("latin-1"))

    async def _on_body(self, start: Message, message: Message) -> None:
        self._buffer += message.get("body", b"")
        if message.get("more_body", False):
            if len(self._buffer) > self._limit:
                await self.finish()
            return
        self._pending_start = None
        body = bytes(self._buffer)
        self._buffer.clear()
        etag = strong_etag(body)
        set_header(response_headers(start), b"etag", etag)
        if self._matches(etag):
            await self._send_not_modified(start)
            return
        await self._send(start)
        await self._send({"type": "http.response.body", "body": body})

    async def _send_not_modified(self, start: Message) -> None:
        headers = list(response_headers(start))
        for name in CONTENT_HEADERS:
            remove_header(headers, name)
        await self._send({"type": "http.response.start", "status": 304, "headers": headers})
        await self._send({"type": "http.response.body", "body": b""})
