"""Response classes: orjson-rendered JSON and ``application/health+json``."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse

HEALTH_MEDIA_TYPE = "application/health+json"


class OrjsonResponse(JSONResponse):
    """JSON rendered by orjson (FastAPI's own ``ORJSONResponse`` is deprecated)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class HealthResponse(OrjsonResponse):
    """Health documents: never cached (a stale "pass" is worse than none)."""

    media_type = HEALTH_MEDIA_TYPE

    def __init__(self, content: Any, status_code: int = 200) -> None:
        super().__init__(content, status_code=status_code, headers={"Cache-Control": "no-store"})
