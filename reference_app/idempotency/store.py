"""``IdempotencyStore``: the records on Redis, claimed with ``SET NX`` and released by owner.

``begin`` writes an in-progress record with ``SET key value NX PX 60000 GET`` (one
command: it either claims the key or returns what is there). ``complete`` and
``abandon`` act only if the record is still the one this caller wrote (compare in Lua):
an execution that outlived its 60 s claim cannot overwrite a newer one.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from reference_app.idempotency.errors import IdempotencyStorageError
from reference_app.idempotency.keys import IdempotencyScope
from reference_app.idempotency.records import (
    CompletedRecord,
    StoredResponse,
    decode_record,
    encode_completed,
    encode_in_progress,
)

#: How long an execution holds its key; past it, a retry may execute again.
IN_PROGRESS_TTL_S = 60.0
#: How long a completed response is replayed.
COMPLETED_TTL_S = 24 * 3600.0

#: KEYS: record. ARGV: expected in-progress value, completed value, ttl_ms.
_COMPLETE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""
#: KEYS: record. ARGV: expected in-progress value.
_ABANDON = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
"""


@dataclass(frozen=True)
class Lease:
    """The right to execute: hand it back to ``complete`` or ``abandon``."""

    storage_key: str
    fingerprint: str
    record: bytes


@dataclass(frozen=True)
class Acquired:
    lease: Lease


@dataclass(frozen=True)
class Replay:
    response: StoredResponse


@dataclass(frozen=True)
class InProgress:
    """Another execution holds the key (→ 409, ``Retry-After: 1``)."""


@dataclass(frozen=True)
class FingerprintMismatch:
    """The key was used for a different request (→ 422)."""


BeginOutcome = Acquired | Replay | InProgress | FingerprintMismatch


class IdempotencyStore:
    """Example::

    store = IdempotencyStore(redis, key_prefix="app:")
    outcome = await store.begin(IdempotencyScope(user, "POST", "/incidents", key), fingerprint)
    if isinstance(outcome, Acquired):
        response = await run()
        await store.complete(outcome.lease, response)   # or abandon(lease) on failure
    """

    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str = "",
        in_progress_ttl_s: float = IN_PROGRESS_TTL_S,
        completed_ttl_s: float = COMPLETED_TTL_S,
        token: Callable[[], str] = secrets.token_hex,
    ) -> None:
        self._redis = redis
        self._prefix = key_prefix
        self._in_progress_ms = max(1, round(in_progress_ttl_s * 1000))
        self._completed_ms = max(1, round(completed_ttl_s * 1000))
        self._token = token
        self._complete = redis.register_script(_COMPLETE)
        self._abandon = redis.register_script(_ABANDON)

    async def begin(self, scope: IdempotencyScope, fingerprint: str) -> BeginOutcome:
        storage_key = scope.storage_key(self._prefix)
        record = encode_in_progress(fingerprint, self._token())
        existing = await self._redis.set(storage_key, record, nx=True, px=self._in_progress_ms, get=True)
        if existing is None:
            return Acquired(Lease(storage_key, fingerprint, record))
        if not isinstance(existing, bytes | str):
            raise IdempotencyStorageError(f"SET NX GET answered {existing!r}")
        found = decode_record(existing)
        if found.fingerprint != fingerprint:
            return FingerprintMismatch()
        if isinstance(found, CompletedRecord):
            return Replay(found.response)
        return InProgress()

    async def complete(self, lease: Lease, response: StoredResponse) -> bool:
        """Store the response for replay; False if the claim had expired or was taken over."""
        stored = await self._complete(
            keys=[lease.storage_key],
            args=[lease.record, encode_completed(lease.fingerprint, response), self._completed_ms],
        )
        return bool(stored)

    async def abandon(self, lease: Lease) -> bool:
        """Release the key so a retry executes (after a failure or a 5xx)."""
        return bool(await self._abandon(keys=[lease.storage_key], args=[lease.record]))
