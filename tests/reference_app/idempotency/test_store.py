"""IdempotencyStore and the key rules, without HTTP."""

from __future__ import annotations

import asyncio

from hypothesis import given
from hypothesis import strategies as st
from redis.asyncio import Redis

from reference_app.idempotency import (
    Acquired,
    FingerprintMismatch,
    IdempotencyScope,
    IdempotencyStore,
    InProgress,
    InvalidIdempotencyKeyError,
    Replay,
    StoredResponse,
    request_fingerprint,
    validate_idempotency_key,
)

SCOPE = IdempotencyScope("alice", "POST", "/incidents", "k1")
RESPONSE = StoredResponse(201, ((b"content-type", b"application/json"),), b'{"id":1}')


@given(st.text(max_size=300))
def test_a_key_is_valid_iff_1_to_255_printable_ascii(key: str) -> None:
    valid = 1 <= len(key) <= 255 and all(" " <= ch <= "~" for ch in key)
    try:
        assert validate_idempotency_key(key) == key
        accepted = True
    except InvalidIdempotencyKeyError:
        accepted = False
    assert accepted == valid


def test_fingerprints_canonicalise_json_only() -> None:
    json_type = "application/json"
    assert request_fingerprint("POST", "/a", b'{"a":1,"b":[1,2]}', json_type) == request_fingerprint(
        "post", "/a", b'{ "b": [1, 2], "a": 1 }', "application/json; charset=utf-8"
    )
    assert request_fingerprint("POST", "/a", b'{"a":1}', json_type) != request_fingerprint(
        "POST", "/b", b'{"a":1}', json_type
    )
    big = b'{"n": 123456789012345678901234567890}'
    assert request_fingerprint("POST", "/a", big, json_type) != request_fingerprint(
        "POST", "/a", big.replace(b"890}", b"891}"), json_type
    )
    assert request_fingerprint("POST", "/a", b"a b", "text/plain") != request_fingerprint("POST", "/a", b"a  b")


async def test_begin_complete_replay_and_mismatch(shared_redis: Redis, key_prefix: str) -> None:
    store = IdempotencyStore(shared_redis, key_prefix=key_prefix)
    first = await store.begin(SCOPE, "fp")
    assert isinstance(first, Acquired)
    assert 0 < await shared_redis.pttl(first.lease.storage_key) <= 60_000
    assert isinstance(await store.begin(SCOPE, "fp"), InProgress)
    assert isinstance(await store.begin(SCOPE, "other"), FingerprintMismatch)
    assert await store.complete(first.lease, RESPONSE)
    replay = await store.begin(SCOPE, "fp")
    assert isinstance(replay, Replay) and replay.response == RESPONSE
    assert isinstance(await store.begin(SCOPE, "other"), FingerprintMismatch)


async def test_an_expired_claim_cannot_complete_over_a_newer_one(shared_redis: Redis, key_prefix: str) -> None:
    store = IdempotencyStore(shared_redis, key_prefix=key_prefix, in_progress_ttl_s=0.05)
    slow = await store.begin(SCOPE, "fp")
    assert isinstance(slow, Acquired)
    await asyncio.sleep(0.1)
    fresh = await store.begin(SCOPE, "fp")
    assert isinstance(fresh, Acquired)
    assert not await store.complete(slow.lease, RESPONSE)
    assert not await store.abandon(slow.lease)
    assert isinstance(await store.begin(SCOPE, "fp"), InProgress)
    assert await store.abandon(fresh.lease)
    assert isinstance(await store.begin(SCOPE, "fp"), Acquired)
