"""The app's error path as a small ASGI app for property 30 (``ErrorLoggingApp``).

Real parts of the app: its logging set-up, its whole middleware stack (correlation id,
access log...) and its exception handlers, around probe routes that produce each kind of
error response. Mutants subclass :class:`ErrorLoggingApp` and override :meth:`layers`.

Example::

    asgi = ErrorLoggingApp().build(stream=sys.stderr)
"""

from __future__ import annotations

from typing import TextIO

from fastapi import FastAPI, Header
from pydantic import BaseModel
from starlette.types import ASGIApp

from reference_app.errors import ProblemError
from reference_app.exception_handlers import install_exception_handlers
from reference_app.http import stack
from reference_app.http.log_config import configure_logging
from reference_app.http.metrics import HttpMetrics

SERVICE = "reference-app"


class NewItem(BaseModel):
    name: str


def probe_routes() -> FastAPI:
    """Routes answering 200/201, 401, 409, 422 and raising (500); FastAPI adds 404/405."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    install_exception_handlers(app)

    @app.get("/items/{item_id}")
    async def read_item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    @app.post("/items", status_code=201)
    async def create_item(item: NewItem) -> dict[str, str]:
        if item.name == "taken":
            raise ProblemError(409, "Conflict", slug="conflict", detail="The name is taken.")
        return {"name": item.name}

    @app.get("/private")
    async def private(authorization: str | None = Header(default=None)) -> dict[str, bool]:
        if authorization is None:
            raise ProblemError(401, "Unauthorized", slug="unauthorized", detail="Credentials are required.")
        return {"ok": True}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("planted failure for property 30")

    return app


class ErrorLoggingApp:
    """Builds :func:`probe_routes` inside the app's middleware, logging to ``stream``."""

    def build(self, *, stream: TextIO) -> ASGIApp:
        configure_logging(SERVICE, "INFO", stream)
        app = probe_routes()
        # As stack.install does for the real app: inside Starlette's ServerErrorMiddleware.
        for middleware, kwargs in self.layers():
            app.add_middleware(middleware, **kwargs)
        return app

    def layers(self) -> list[stack.Layer]:
        """The app's middleware, innermost first (mutants swap one)."""
        # A private metrics registry: building many apps must not clash on metric names.
        return stack.layers(cors_origins=(), metrics=HttpMetrics())
