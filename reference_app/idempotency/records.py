"""The value stored under an idempotency key: in progress (with an owner token) or completed.

JSON, with the response body in base64 so it comes back byte for byte whatever it holds.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import orjson

from reference_app.idempotency.errors import IdempotencyStorageError


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


@dataclass(frozen=True)
class InProgressRecord:
    fingerprint: str
    token: str


@dataclass(frozen=True)
class CompletedRecord:
    fingerprint: str
    response: StoredResponse


def encode_in_progress(fingerprint: str, token: str) -> bytes:
    return orjson.dumps({"state": "in_progress", "fingerprint": fingerprint, "token": token})


def encode_completed(fingerprint: str, response: StoredResponse) -> bytes:
    return orjson.dumps(
        {
            "state": "completed",
            "fingerprint": fingerprint,
            "status": response.status,
            "headers": [[name.decode("latin-1"), value.decode("latin-1")] for name, value in response.headers],
            "body": base64.b64encode(response.body).decode(),
        }
    )


def decode_record(raw: bytes | str) -> InProgressRecord | CompletedRecord:
    try:
        data: dict[str, Any] = orjson.loads(raw)
        if data["state"] == "in_progress":
            return InProgressRecord(str(data["fingerprint"]), str(data["token"]))
        headers = tuple((str(n).encode("latin-1"), str(v).encode("latin-1")) for n, v in data["headers"])
        response = StoredResponse(int(data["status"]), headers, base64.b64decode(data["body"], validate=True))
        return CompletedRecord(str(data["fingerprint"]), response)
    except (ValueError, KeyError, TypeError) as exc:
        raise IdempotencyStorageError(f"unreadable idempotency record ({exc})") from None
