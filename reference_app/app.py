"""The application factory: ``create_app(settings)`` builds a fresh, independent app.

>>> from reference_app.app import create_app
>>> from reference_app.settings import build_settings
>>> app = create_app(build_settings())     # then: uvicorn.run(app) or httpx.ASGITransport(app)

Nothing is created at import time: the lifespan opens the database engine and the Redis
client and stores them on ``app.state.resources``; shutdown closes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.datastructures import Default
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.routing import Route

from reference_app.api import analytics, auth, health, users
from reference_app.api.incidents import build_incidents_router
from reference_app.auth.tokens import derive_key
from reference_app.cursor import CursorCodec
from reference_app.db.engine import create_engine, create_session_factory
from reference_app.exception_handlers import install_exception_handlers
from reference_app.http.metrics import HttpMetrics, MetricsApp
from reference_app.http.stack import install as install_http_stack
from reference_app.openapi import install_openapi
from reference_app.responses import OrjsonResponse
from reference_app.settings import Environment, Settings
from reference_app.state import Lifecycle, Resources, app_lifecycle, app_settings

API_PREFIX = "/api/v1"
#: Seconds a Redis connect or command may take before the client gives up.
REDIS_TIMEOUT_SECONDS = 1.0


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app_settings(app.state)
    lifecycle = app_lifecycle(app.state)
    engine = create_engine(settings)
    redis = Redis.from_url(
        settings.redis_url,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
    )
    app.state.resources = Resources(
        engine=engine,
        sessions=create_session_factory(engine),
        redis=redis,
        cursors=CursorCodec(derive_key(settings, "cursor")),
    )
    app.state.metrics.set_pool_stats(pool_stats(engine))
    lifecycle.mark_ready()
    try:
        yield
    finally:
        lifecycle.begin_shutdown()
        del app.state.resources
        await redis.aclose()
        await engine.dispose()


def create_app(settings: Settings) -> FastAPI:
    """A new app for ``settings``; refuses unsafe production settings (ConfigurationError)."""
    settings.ensure_startable()
    production = settings.environment is Environment.PRODUCTION
    app = FastAPI(
        title="Gauntlet reference app",
        version="1.0.0",
        description="Incident reports: the backend the Gauntlet harness checks by default.",
        lifespan=lifespan,
        debug=settings.debug,
        # Default(...) keeps FastAPI's fast path (pydantic serialises typed routes to bytes);
        # untyped content is rendered by orjson.
        default_response_class=Default(OrjsonResponse),
        docs_url=None if production else "/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.lifecycle = Lifecycle()

    api = APIRouter(prefix=API_PREFIX)
    api.include_router(build_incidents_router(settings.pagination))
    api.include_router(analytics.router)
    api.include_router(users.router)
    api.include_router(auth.router)
    app.include_router(api)
    app.include_router(health.router)

    install_exception_handlers(app)
    install_openapi(app)
    _wrap_middleware(app, settings)
    return app


def _wrap_middleware(app: FastAPI, settings: Settings) -> None:
    """THE place where the pure-ASGI stack of ``reference_app/http/`` is wired.

    Outermost first: correlation id → access log → metrics → security headers → CORS →
    compression → conditional GET (``reference_app.http.stack.layers`` holds the order).
    """
    metrics = HttpMetrics()
    app.state.metrics = metrics
    # A Route around the ASGI exposition app (add_route expects a request handler).
    app.router.routes.append(Route("/metrics", MetricsApp(metrics), methods=["GET"], include_in_schema=False))
    install_http_stack(
        app,
        cors_origins=settings.cors_origins,
        cors_allow_credentials=settings.cors_allow_credentials,
        compression_threshold=settings.http.compression_threshold_bytes,
        compression_excluded_prefixes=(f"{API_PREFIX}/auth",),
        metrics=metrics,
    )


def pool_stats(engine: AsyncEngine) -> Callable[[], Mapping[str, float]]:
    """Connection-pool gauges read at scrape time (``db_pool_connections{state}``)."""

    def read() -> Mapping[str, float]:
        pool = engine.sync_engine.pool
        checked_out = getattr(pool, "checkedout", None)
        idle = getattr(pool, "checkedin", None)
        if not callable(checked_out) or not callable(idle):  # SQLite's StaticPool and friends
            return {}
        return {"in_use": float(checked_out()), "idle": float(idle())}

    return read
