"""Opaque, signed keyset cursors: ``base64url(JSON {v, k, f}) "." base64url(HMAC tag)``.

``k`` is the sort key of the last row served (``created_at`` ISO-8601, ``id``); ``f`` is a
fingerprint of the filters, so a cursor replayed with other filters is refused instead of
silently skipping rows. Every defect raises :class:`InvalidCursorError` (400), never a 500.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import orjson

from reference_app.errors import InvalidCursorError

CURSOR_VERSION = 1
#: Bytes of HMAC-SHA256 kept in the tag (128 bits: forgery is out of reach).
TAG_BYTES = 16
#: Longest cursor accepted; real ones are about 150 characters.
MAX_CURSOR_LENGTH = 512


@dataclass(frozen=True, slots=True)
class Keyset:
    created_at: datetime
    id: uuid.UUID


def filters_fingerprint(filters: Mapping[str, str | None]) -> str:
    """A short digest of the filters that decide which rows a listing contains."""
    canonical = orjson.dumps(dict(filters), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()[:16]


class CursorCodec:
    """Encodes and verifies cursors with one key.

    >>> codec = CursorCodec(b"k" * 32)
    >>> token = codec.encode(Keyset(created_at, incident_id), fingerprint="ab12")
    >>> codec.decode(token, fingerprint="ab12").id == incident_id
    True
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encode(self, keyset: Keyset, *, fingerprint: str) -> str:
        payload = orjson.dumps(
            {
                "v": CURSOR_VERSION,
                "k": [keyset.created_at.isoformat(), keyset.id.hex],
                "f": fingerprint,
            }
        )
        return f"{_b64encode(payload)}.{_b64encode(self._tag(payload))}"

    def decode(self, token: str, *, fingerprint: str) -> Keyset:
        if len(token) > MAX_CURSOR_LENGTH or token.count(".") != 1:
            raise _invalid("The cursor is malformed.")
        body, tag = token.split(".")
        try:
            payload = _b64decode(body)
            given_tag = _b64decode(tag)
        except (binascii.Error, ValueError) as exc:
            raise _invalid("The cursor is malformed.") from exc
        if not hmac.compare_digest(given_tag, self._tag(payload)):
            raise _invalid("The cursor was altered or issued by another server.")
        try:
            data = orjson.loads(payload)
            version, (created_at, row_id), cursor_filters = data["v"], data["k"], data["f"]
            keyset = Keyset(datetime.fromisoformat(created_at), uuid.UUID(hex=row_id))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise _invalid("The cursor is malformed.") from exc
        if version != CURSOR_VERSION:
            raise _invalid("The cursor comes from another API version; restart the listing.")
        if keyset.created_at.tzinfo is None:
            raise _invalid("The cursor is malformed.")
        if cursor_filters != fingerprint:
            raise _invalid(
                "The cursor was issued for other filters. Repeat the same status and q "
                "parameters, or restart the listing without a cursor."
            )
        return keyset

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:TAG_BYTES]


def _invalid(detail: str) -> InvalidCursorError:
    return InvalidCursorError(detail=detail)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("non-ASCII base64")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # Only the canonical spelling is accepted: base64 ignores stray characters and the
    # unused low bits of the last one, which would let an altered cursor still pass.
    if _b64encode(raw) != text:
        raise ValueError("non-canonical base64")
    return raw
