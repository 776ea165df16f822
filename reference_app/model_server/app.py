"""The model server's ASGI app (Starlette: no OpenAPI, no dependencies worth FastAPI)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_app.http.problem import problem_response
from reference_app.model_server.drafting import draft_summary
from reference_app.responses import OrjsonResponse

#: Longest title and description the model accepts (same limits as the app's schemas).
MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 10_000


def create_model_server(*, delay_seconds: float = 0.0) -> Starlette:
    """The app; ``delay_seconds`` is added to every draft to imitate inference time.

    >>> app = create_model_server(delay_seconds=0.2)
    """

    async def draft(request: Request) -> Response:
        payload = _parse(await request.body())
        if delay_seconds > 0:
            await asyncio.sleep(delay_seconds)
        summary = draft_summary(payload["title"], payload["description"])
        return OrjsonResponse({"summary": summary, "model": "extractive-v1"})

    async def health(_request: Request) -> Response:
        return OrjsonResponse({"status": "pass"}, headers={"Cache-Control": "no-store"})

    async def http_error(_request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) and status < 500 else None
        return problem_response(status, _TITLES.get(status, "Error"), detail=detail)

    return Starlette(
        routes=[
            Route("/v1/draft", draft, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error, Exception: http_error},
    )


_TITLES = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Content",
    500: "Internal Server Error",
}


def _parse(body: bytes) -> dict[str, str]:
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise HTTPException(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise HTTPException(422, "Send an object: {title, description}.")
    title, description = data.get("title"), data.get("description", "")
    if not isinstance(title, str) or not 1 <= len(title) <= MAX_TITLE_LENGTH:
        raise HTTPException(422, f"title must be a string of 1-{MAX_TITLE_LENGTH} characters.")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH:
        raise HTTPException(422, f"description must be a string of at most {MAX_DESCRIPTION_LENGTH} characters.")
    return {"title": title, "description": description}
