"""Idempotent POST/PATCH (reference-app.md "Idempotency"; property E4).

``IdempotencyStore`` is the record keeper (begin / complete / abandon on Redis);
``IdempotencyMiddleware`` applies it to requests carrying ``Idempotency-Key``.
"""

from __future__ import annotations

from reference_app.idempotency.errors import IdempotencyError, IdempotencyStorageError, InvalidIdempotencyKeyError
from reference_app.idempotency.keys import (
    MAX_KEY_LENGTH,
    IdempotencyScope,
    canonical_body,
    request_fingerprint,
    validate_idempotency_key,
)
from reference_app.idempotency.middleware import IdempotencyMiddleware, matched_route_or_path
from reference_app.idempotency.principals import credential_principal
from reference_app.idempotency.records import StoredResponse
from reference_app.idempotency.store import (
    Acquired,
    BeginOutcome,
    FingerprintMismatch,
    IdempotencyStore,
    InProgress,
    Lease,
    Replay,
)

__all__ = [
    "MAX_KEY_LENGTH",
    "Acquired",
    "BeginOutcome",
    "FingerprintMismatch",
    "IdempotencyError",
    "IdempotencyMiddleware",
    "IdempotencyScope",
    "IdempotencyStorageError",
    "IdempotencyStore",
    "InProgress",
    "InvalidIdempotencyKeyError",
    "Lease",
    "Replay",
    "StoredResponse",
    "canonical_body",
    "credential_principal",
    "matched_route_or_path",
    "request_fingerprint",
    "validate_idempotency_key",
]
