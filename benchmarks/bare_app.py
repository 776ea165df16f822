"""The baselines: a bare FastAPI async endpoint returning a fixed JSON body, and the same
endpoint plus only the Redis work the spec asks of a cached read (the "floor").

    python -m benchmarks.bare_app --port P --body-file incident.json [--redis-url URL --key-prefix K]

With ``--redis-url`` each request makes the app's two Redis round trips and nothing else:
one GCRA step (``RedisRateLimitStorage``, the app's Lua script) and one cache read
(``RedisCacheStorage``: entry and generation in one MGET), with the app's own client
settings. Served with the same uvicorn settings as ``python -m reference_app``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Response
from redis.asyncio import Redis

from reference_app.cache.redis_storage import RedisCacheStorage
from reference_app.ratelimit.storage import RedisRateLimitStorage

#: GCRA spacing of the floor's limit: one request per microsecond, so none is refused.
_INTERVAL_US = 1
_TOLERANCE_US = 60 * 1_000_000


def build(document: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/incidents/{incident_id}")
    async def get_incident(incident_id: str) -> dict[str, Any]:
        return document

    return app


def build_floor(document: dict[str, Any], redis_url: str, key_prefix: str) -> FastAPI:
    """``build`` plus the two Redis round trips of a cached, rate-limited read."""
    redis = Redis.from_url(redis_url, socket_timeout=None)
    limits, cache = RedisRateLimitStorage(redis), RedisCacheStorage(redis)
    entry, generation = f"{key_prefix}floor:entry", f"{key_prefix}floor:generation"
    body = json.dumps(document).encode()
    app = FastAPI()

    @app.get("/api/v1/incidents/{incident_id}")
    async def get_incident(incident_id: str) -> Response:
        step = await limits.step(f"{key_prefix}floor:rl", interval_us=_INTERVAL_US, tolerance_us=_TOLERANCE_US)
        cached, _ = await cache.read(entry, generation)
        if not step.allowed:  # never, at one request per microsecond; kept so the step is used
            return Response(status_code=429)
        if cached is None:
            await redis.set(entry, body, px=600_000)
            cached = body
        return Response(cached, media_type="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    parser.add_argument("--redis-url", help="serve the floor: the bare endpoint plus the two Redis round trips")
    parser.add_argument("--key-prefix", default="bench:")
    args = parser.parse_args()
    document = json.loads(args.body_file.read_text(encoding="utf-8"))
    app = build_floor(document, args.redis_url, args.key_prefix) if args.redis_url else build(document)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        server_header=False,
        date_header=False,
        proxy_headers=False,
        access_log=False,
    )


if __name__ == "__main__":
    main()
