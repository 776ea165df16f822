"""Raw ASGI header lists: the small operations every middleware here needs.

ASGI carries headers as a list of ``(name, value)`` byte pairs with lower-case names
(ASGI spec, "HTTP" connection scope). Middleware edits the ``http.response.start``
message's list in place, so these helpers take and mutate that list.
"""

from __future__ import annotations

from collections.abc import Iterable, MutableMapping
from typing import Any

from starlette.types import Message, Scope

RawHeaders = list[tuple[bytes, bytes]]


def request_header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of a request header (``name`` lower-case), or None."""
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value)
    return None


def request_header_values(scope: Scope, name: bytes) -> list[bytes]:
    """Every value of a request header, in order (for list-valued fields)."""
    return [bytes(value) for key, value in scope.get("headers", ()) if key == name]


def response_headers(message: Message) -> RawHeaders:
    """The start message's header list as a mutable list (installed back into the message)."""
    headers = message.get("headers")
    if not isinstance(headers, list):
        headers = [(bytes(k), bytes(v)) for k, v in (headers or ())]
        message["headers"] = headers
    return headers


def get_header(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """The first value of ``name`` (lower-case) in a raw header list, or None."""
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def get_joined(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    """All values of a list-valued field joined with ``, `` (RFC 9110 §5.3), or None."""
    values = [value for key, value in headers if key.lower() == name]
    return b", ".join(values) if values else None


def remove_header(headers: RawHeaders, name: bytes) -> None:
    """Drop every occurrence of ``name`` (lower-case)."""
    # Usually absent: scan first, rebuild the list only when there is something to drop
    # (this runs several times per response on the hot path).
    for key, _ in headers:
        if key.lower() == name:
            headers[:] = [(key, value) for key, value in headers if key.lower() != name]
            return


def remove_headers(headers: RawHeaders, names: frozenset[bytes]) -> None:
    """Drop every occurrence of each of ``names`` (lower-case) in one pass."""
    for key, _ in headers:
        if key.lower() in names:
            headers[:] = [(key, value) for key, value in headers if key.lower() not in names]
            return


def set_header(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Replace every occurrence of ``name`` by exactly one ``name: value``."""
    remove_header(headers, name)
    headers.append((name, value))


def set_default(headers: RawHeaders, name: bytes, value: bytes) -> None:
    """Add ``name: value`` only when the response carries no ``name`` yet."""
    if get_header(headers, name) is None:
        headers.append((name, value))


def add_vary(headers: RawHeaders, token: bytes) -> None:
    """Merge ``token`` into ``Vary`` without duplicates (case-insensitive); ``*`` stays ``*``."""
    current = get_joined(headers, b"vary")
    if current is None:
        headers.append((b"vary", token))
        return
    tokens = [part.strip() for part in current.split(b",") if part.strip()]
    lowered = {part.lower() for part in tokens}
    if b"*" in lowered or token.lower() in lowered:
        return
    set_header(headers, b"vary", b", ".join([*tokens, token]))


def scope_state(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    """``scope["state"]`` (what Starlette's ``request.state`` reads), created when absent."""
    state = scope.get("state")
    if not isinstance(state, dict):
        state = {}
        scope["state"] = state
    return state
