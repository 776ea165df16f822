"""gzip and Brotli response compression, negotiated per RFC 9110 §12.5.3 (property 12).

Must wrap ``ConditionalGetMiddleware`` (compression OUTSIDE conditional): the ETag is
computed on the identity body, so one ETag validates every coding of the representation
and ``If-None-Match`` works whatever the client accepted. (RFC 9110 §8.8.3 would have a
strong validator differ per content coding; the reference app deliberately keeps one
strong ETag per identity body, and caches still key on ``Vary: Accept-Encoding``.)

Never compressed: 1xx/204/304 and 206, HEAD, bodies under the threshold, responses that
already carry ``Content-Encoding``, ``text/event-stream`` (buffering breaks streaming)
and media types that are compressed already (images except SVG, audio, video, archives,
fonts). Paths under an excluded prefix (the auth routes: BREACH, secrets reflected next
to attacker-chosen input) are never compressed and get no ``Vary: Accept-Encoding``.
Every other response gets ``Vary: Accept-Encoding``, whatever the client sent, because
another client's request would have been answered differently.

Bodies are buffered until the threshold is reached; a response that is still streaming
(``more_body``) past that point is compressed chunk by chunk with a sync flush, so
streamed data reaches the client without waiting for the end.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import brotli
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_app.http.accept_encoding import negotiate_encoding
from reference_app.http.headers import (
    add_vary,
    get_header,
    remove_header,
    request_header_values,
    response_headers,
    set_header,
)

#: Below this many bytes the coding overhead and CPU outweigh the savings.
DEFAULT_THRESHOLD_BYTES = 1024
#: zlib level 6: the classic speed/ratio balance for dynamic responses.
GZIP_LEVEL = 6
#: Brotli quality 4 compresses JSON better than gzip -6 at similar speed; 11 is for
#: static assets only (tens of ms per response).
BROTLI_QUALITY = 4
#: Media types never worth compressing (already compressed), matched on the bare type.
INCOMPRESSIBLE_TYPES = frozenset(
    {
        "text/event-stream",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-brotli",
        "application/zstd",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/vnd.rar",
        "application/pdf",
        "font/woff",
        "font/woff2",
    }
)
INCOMPRESSIBLE_PREFIXES = ("image/", "audio/", "video/")
#: Images that are text and compress well.
COMPRESSIBLE_IMAGES = frozenset({"image/svg+xml"})


@lru_cache(maxsize=256)  # one parse per distinct Content-Type the app sends, not per response
def is_compressible_type(content_type: bytes | None) -> bool:
    """Whether a ``Content-Type`` is worth compressing (absent counts as yes)."""
    if content_type is None:
        return True
    media = content_type.split(b";", 1)[0].strip().lower().decode("latin-1")
    if media in INCOMPRESSIBLE_TYPES:
        return False
    return media in COMPRESSIBLE_IMAGES or not media.startswith(INCOMPRESSIBLE_PREFIXES)


class _Encoder(Protocol):
    def compress(self, data: bytes) -> bytes: ...

    def flush(self) -> bytes: ...

    def finish(self) -> bytes: ...


class _GzipEncoder:
    def __init__(self) -> None:
        # wbits 16+15: zlib writes the gzip header and trailer (RFC 1952).
        self._z = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def compress(self, data: bytes) -> bytes:
        return self._z.compress(data)

    def flush(self) -> bytes:
        return self._z.flush(zlib.Z_SYNC_FLUSH)

    def finish(self) -> bytes:
        return self._z.flush(zlib.Z_FINISH)


class _BrotliEncoder:
    def __init__(self) -> None:
        self._b = brotli.Compressor(quality=BROTLI_QUALITY)

    def compress(self, data: bytes) -> bytes:
        return bytes(self._b.process(data))

    def flush(self) -> bytes:
        return bytes(self._b.flush())

    def finish(self) -> bytes:
        return bytes(self._b.finish())


def _encoder(coding: str) -> _Encoder:
    return _BrotliEncoder() if coding == "br" else _GzipEncoder()


class CompressionMiddleware:
    """Compresses eligible responses with br or gzip.

    Example::

        app = CompressionMiddleware(app, threshold=1024, excluded_prefixes=["/api/v1/auth"])
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        threshold: int = DEFAULT_THRESHOLD_BYTES,
        excluded_prefixes: Sequence[str] = (),
    ) -> None:
        if threshold < 0:
            raise ValueError(f"threshold={threshold} is negative. Use bytes, e.g. 1024.")
        self.app = app
        self.threshold = threshold
        self.excluded_prefixes = tuple(excluded_prefixes)
        # The prefix test of ``_excluded`` as two precomputed lookups (it runs per request).
        self._excluded_paths = frozenset(self.excluded_prefixes)
        self._excluded_under = tuple(p.rstrip("/") + "/" for p in self.excluded_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in self._excluded_paths or path.startswith(self._excluded_under):
            await self.app(scope, receive, send)
            return
        values = request_header_values(scope, b"accept-encoding")
        accept = b", ".join(values).decode("latin-1") if values else None
        coding = None if scope.get("method") == "HEAD" else negotiate_encoding(accept)
        responder = _CompressingResponder(send, coding, self.threshold)
        await self.app(scope, receive, responder.send)
        await responder.finish()


class _CompressingResponder:
    """One response's state: holds the start message until the body decides the coding."""

    def __init__(self, send: Send, coding: str | None, threshold: int) -> None:
        self._send = send
        self._coding = coding
        self._threshold = threshold
        self._pending_start: Message | None = None
        self._buffer = bytearray()
        self._encoder: _Encoder | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
            return
        start = self._pending_start
        if start is not None and kind == "http.response.body":
            await self._on_body(start, message)
        elif self._encoder is not None and kind == "http.response.body":
            await self._on_compressed_body(self._encoder, message)
        else:
            await self.finish()
            await self._send(message)

    async def finish(self) -> None:
        """Release a start message still held (the app ended without a final body)."""
        start, self._pending_start = self._pending_start, None
        if start is not None:
            await self._send(start)
            if self._buffer:
                rest = bytes(self._buffer)
                await self._send({"type": "http.response.body", "body": rest, "more_body": True})
                self._buffer.clear()

    async def _on_start(self, message: Message) -> None:
        headers = response_headers(message)
        status = int(message["status"])
        eligible = (
            status >= 200
            and status not in (204, 206, 304)
            and get_header(headers, b"content-encoding") is None
            and get_header(headers, b"content-range") is None
            and is_compressible_type(get_header(headers, b"content-type"))
        )
        if eligible or status == 304:
            # A 304 repeats the Vary of the 200 it stands for (RFC 9110 §15.4.5).
            add_vary(headers, b"Accept-Encoding")
        if eligible and self._coding is not None:
            self._pending_start = message
        else:
            await self._send(message)

    async def _on_body(self, start: Message, message: Message) -> None:
        self._buffer += message.get("body", b"")
        more_body = bool(message.get("more_body", False))
        if len(self._buffer) < self._threshold:
            if not more_body:
                self._pending_start = None
                body = bytes(self._buffer)
                self._buffer.clear()
                await self._send(start)
                await self._send({"type": "http.response.body", "body": body})
            return
        self._pending_start = None
        coding = self._coding or "gzip"
        encoder = _encoder(coding)
        data = encoder.compress(bytes(self._buffer))
        data += encoder.flush() if more_body else encoder.finish()
        self._buffer.clear()
        headers = response_headers(start)
        set_header(headers, b"content-encoding", coding.encode("ascii"))
        remove_header(headers, b"content-length")
        if more_body:
            self._encoder = encoder
        else:
            headers.append((b"content-length", str(len(data)).encode("ascii")))
        await self._send(start)
        await self._send({"type": "http.response.body", "body": data, "more_body": more_body})

    async def _on_compressed_body(self, encoder: _Encoder, message: Message) -> None:
        more_body = bool(message.get("more_body", False))
        data = encoder.compress(bytes(message.get("body", b"")))
        data += encoder.flush() if more_body else encoder.finish()
        if not more_body:
            self._encoder = None
        await self._send({"type": "http.response.body", "body": data, "more_body": more_body})
