"""Cache storage on Redis: one round trip per operation, fills conditional in Lua."""

from __future__ import annotations

from redis.asyncio import Redis

#: KEYS: entry, index, generation. ARGV: value, ttl_ms, index_ttl_ms, conditional, expected.
#: ``expected`` is "" when no generation key existed (generations are non-empty tokens).
_WRITE = """
if ARGV[4] == '1' then
  local current = redis.call('GET', KEYS[3]) or ''
  if current ~= ARGV[5] then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], KEYS[1])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""

#: KEYS: generation, index. ARGV: new generation, ttl_ms. Bump first, then delete.
_INVALIDATE = """
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local keys = redis.call('SMEMBERS', KEYS[2])
for i = 1, #keys, 500 do
  redis.call('DEL', unpack(keys, i, math.min(i + 499, #keys)))
end
redis.call('DEL', KEYS[2])
return #keys
"""


def _text(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else value


class RedisCacheStorage:
    """Works with clients built with or without ``decode_responses``.

    >>> storage = RedisCacheStorage(Redis.from_url("redis://127.0.0.1:6379/0"), owns_client=True)
    """

    def __init__(self, redis: Redis, *, owns_client: bool = False) -> None:
        self._redis = redis
        self._owns_client = owns_client
        self._write = redis.register_script(_WRITE)
        self._invalidate = redis.register_script(_INVALIDATE)

    async def read(self, key: str, generation_key: str) -> tuple[bytes | None, str | None]:
        value, generation = await self._redis.mget([key, generation_key])
        if isinstance(value, str):
            value = value.encode()
        return value, _text(generation)

    async def write(
        self,
        key: str,
        value: bytes,
        *,
        ttl_ms: int,
        index_key: str,
        index_ttl_ms: int,
        generation_key: str,
        expected_generation: str | None,
        conditional: bool,
    ) -> bool:
        written = await self._write(
            keys=[key, index_key, generation_key],
            args=[value, ttl_ms, index_ttl_ms, "1" if conditional else "0", expected_generation or ""],
        )
        return bool(written)

    async def invalidate(self, *, index_key: str, generation_key: str, new_generation: str, ttl_ms: int) -> None:
        await self._invalidate(keys=[generation_key, index_key], args=[new_generation, ttl_ms])

    async def aclose(self) -> None:
        if self._owns_client:
            await self._redis.aclose()
