"""cursor.py: signed cursors round-trip; any defect is an InvalidCursorError."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from reference_app.cursor import CursorCodec, Keyset, filters_fingerprint
from reference_app.errors import InvalidCursorError

KEY = b"k" * 32
KEYSET = Keyset(datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC), uuid.uuid4())
FP = filters_fingerprint({"status": None, "q": None})


def test_round_trip():
    codec = CursorCodec(KEY)
    assert codec.decode(codec.encode(KEYSET, fingerprint=FP), fingerprint=FP) == KEYSET


def test_fingerprint_depends_on_filter_values_not_order():
    assert filters_fingerprint({"a": "1", "b": None}) == filters_fingerprint({"b": None, "a": "1"})
    assert filters_fingerprint({"status": "open"}) != filters_fingerprint({"status": "closed"})


def forged(payload: dict[str, object]) -> str:
    body = base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()
    return f"{body}.AAAA"


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b.c",
        "!!!.???",
        "é.é",
        "x" * 600,
        forged({"v": 1, "k": ["2025-01-01T00:00:00+00:00", uuid.uuid4().hex], "f": FP}),
    ],
)
def test_malformed_or_forged_cursors_are_rejected(token):
    with pytest.raises(InvalidCursorError):
        CursorCodec(KEY).decode(token, fingerprint=FP)


def test_a_cursor_signed_with_another_key_is_rejected():
    token = CursorCodec(b"other" * 8).encode(KEYSET, fingerprint=FP)
    with pytest.raises(InvalidCursorError, match="altered"):
        CursorCodec(KEY).decode(token, fingerprint=FP)


def test_every_single_character_change_is_detected():
    codec = CursorCodec(KEY)
    token = codec.encode(KEYSET, fingerprint=FP)
    for position in range(len(token)):
        replacement = "A" if token[position] != "A" else "B"
        tampered = token[:position] + replacement + token[position + 1 :]
        with pytest.raises(InvalidCursorError):
            codec.decode(tampered, fingerprint=FP)


def test_a_cursor_for_other_filters_is_mismatched():
    codec = CursorCodec(KEY)
    token = codec.encode(KEYSET, fingerprint=FP)
    with pytest.raises(InvalidCursorError, match="other filters"):
        codec.decode(token, fingerprint=filters_fingerprint({"status": "open", "q": None}))


def test_a_validly_signed_but_malformed_payload_is_rejected():
    codec = CursorCodec(KEY)
    for payload in (b"[]", b"{}", b'{"v":1,"k":[1],"f":""}', b"not json"):
        tag = codec._tag(payload)
        token = (
            base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
            + "."
            + base64.urlsafe_b64encode(tag).rstrip(b"=").decode()
        )
        with pytest.raises(InvalidCursorError):
            codec.decode(token, fingerprint=FP)
