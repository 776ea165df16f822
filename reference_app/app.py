"""The application factory: ``create_app(settings)`` builds a fresh, independent app.

>>> from reference_app.app import create_app
>>> from reference_app.settings import build_settings
>>> app = create_app(build_settings())     # then: uvicorn.run(app) or httpx.ASGITransport(app)

Nothing is created at import time: the lifespan opens the database engine and the Redis
client and stores them on ``app.state.resources``; shutdown closes them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Response
from fastapi.datastructures import Default
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import Scope

from reference_app.alerting import start_alerting
from reference_app.api import analytics, auth, drafts, exports, health, users, ws
from reference_app.api.incidents import build_incidents_router
from reference_app.api.tasks import build_tasks_router
from reference_app.auth.tokens import derive_key
from reference_app.cache import CacheAside
from reference_app.cache import build as build_cache
from reference_app.cursor import CursorCodec
from reference_app.db.engine import create_engine, create_session_factory
from reference_app.exception_handlers import install_exception_handlers
from reference_app.http.metrics import HttpMetrics
from reference_app.http.stack import Layer
from reference_app.http.stack import install as install_http_stack
from reference_app.idempotency import IdempotencyMiddleware
from reference_app.openapi import install_openapi
from reference_app.ratelimit import CallerIdentifier, RateLimitMiddleware, document_rate_limits, limiter_for
from reference_app.redis_wait import wait_for_redis
from reference_app.resilience import model_client_for
from reference_app.responses import OrjsonResponse
from reference_app.settings import Environment, Settings
from reference_app.state import Lifecycle, Resources, app_lifecycle, app_resources, app_settings
from reference_app.tasks import TaskQueue, create_celery
from reference_app.tasks.hub import TaskEventHub
from reference_app.tracing import Tracing, TracingMiddleware, build_tracing

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
    # The per-request client (rate limit, cache): no socket timeout, because redis-py then
    # runs every write in asyncio.wait_for (a new task per command), and both callers bound
    # each command themselves with asyncio.timeout (limiter 0.5 s, cache 50 ms).
    hot_redis = Redis.from_url(settings.redis_url, socket_timeout=None, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
    tracing: Tracing | None = app.state.tracing
    if tracing is not None:
        tracing.instrument_engine(engine)
        tracing.instrument_redis(redis)
        tracing.instrument_redis(hot_redis)
    # Bounded, never fatal: Redis is not required (readiness says "warn" while it is down).
    await wait_for_redis(redis, budget=settings.redis_startup_wait_seconds)
    app.state.resources = Resources(
        engine=engine,
        sessions=create_session_factory(engine),
        redis=redis,
        cursors=CursorCodec(derive_key(settings, "cursor")),
        cache=_build_cache(settings, hot_redis, app.state.metrics) if settings.cache.enabled else None,
    )
    app.state.metrics.set_pool_stats(pool_stats(engine))
    # One model client (breaker + retries + retry budget) and one limiter per app/process.
    model_transport = tracing.http_transport(httpx.AsyncHTTPTransport()) if tracing is not None else None
    app.state.model_client = model_client_for(settings, redis, observer=app.state.metrics, transport=model_transport)
    app.state.rate_limiter = limiter_for(settings.rate_limit, hot_redis, key_prefix=settings.redis_key_prefix)
    # Background jobs: the Celery producer, and the WebSocket fan-out of status messages.
    app.state.task_queue = TaskQueue(create_celery(settings))
    app.state.task_events = TaskEventHub(settings.redis_url, queue_size=settings.tasks.ws_queue_size)
    # Threshold alerts on this app's metrics: a background task, only when rules are set.
    app.state.alert_sampler = start_alerting(
        settings.alerting, app.state.metrics.registry, service=settings.service_name
    )
    lifecycle.mark_ready()
    try:
        yield
    finally:
        lifecycle.begin_shutdown()
        await app.state.task_events.aclose()
        app.state.task_queue.close()
        del app.state.task_events, app.state.task_queue
        if app.state.alert_sampler is not None:
            await app.state.alert_sampler.aclose()
        del app.state.alert_sampler
        del app.state.resources
        del app.state.rate_limiter
        await app.state.model_client.aclose()
        del app.state.model_client
        await redis.aclose()
        await hot_redis.aclose()
        await engine.dispose()
        if tracing is not None:
            tracing.shutdown()


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

    # Each router straight onto the app (not through one /api/v1 router): every level of
    # included routers is one more match per request.
    for router in (
        build_incidents_router(settings.pagination),
        drafts.router,
        analytics.router,
        users.router,
        auth.router,
        exports.router,
        build_tasks_router(settings.pagination),
        ws.router,
    ):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)

    install_exception_handlers(app)
    install_openapi(app)
    document_rate_limits(app, prefix=API_PREFIX)
    _wrap_middleware(app, settings)
    return app


def _wrap_middleware(app: FastAPI, settings: Settings) -> None:
    """THE place where the pure-ASGI stack of ``reference_app/http/`` is wired.

    Outermost first: (tracing, only when on) → correlation id → access log → metrics →
    security headers → CORS → rate limit → compression → conditional GET
    (``reference_app.http.stack.layers`` holds the order); the rate limit layer comes from
    ``_rate_limit_layer``.
    """
    metrics = HttpMetrics()
    app.state.metrics = metrics
    # A FastAPI route (not a bare Starlette Route) so the request is labelled with its
    # template "/metrics" like every other route, not "unmatched" (property 21).
    app.add_api_route("/metrics", _metrics_endpoint(metrics), methods=["GET"], include_in_schema=False)
    # Who is calling, resolved once per layer that needs it (rate limit tier, idempotency
    # scope): a verified token's user or an API key's owner; anything else is anonymous.
    identify = CallerIdentifier(settings, sessions_of=lambda: _sessions_of(app))
    app.state.identify = identify
    # Added first, so innermost: a replay is the app's own response, compressed and
    # ETagged on its way out like any other.
    app.add_middleware(
        IdempotencyMiddleware,
        redis=_redis_of,
        key_prefix=settings.redis_key_prefix,
        principal_of=_authenticated_principal(identify),
    )
    install_http_stack(
        app,
        cors_origins=settings.cors_origins,
        cors_allow_credentials=settings.cors_allow_credentials,
        compression_threshold=settings.http.compression_threshold_bytes,
        compression_excluded_prefixes=(f"{API_PREFIX}/auth",),
        metrics=metrics,
        log_success=settings.http.log_success,
        rate_limit=_rate_limit_layer(app, settings, metrics, identify),
    )
    # Tracing on: the server span wraps everything, so it is added last (outermost). Off:
    # no layer at all, so a request pays nothing for it.
    tracing = build_tracing(settings)
    app.state.tracing = tracing
    if tracing is not None:
        app.add_middleware(TracingMiddleware, tracer=tracing.tracer)


def _metrics_endpoint(metrics: HttpMetrics) -> Callable[[], Awaitable[Response]]:
    async def exposition() -> Response:
        body, content_type = metrics.exposition()
        return Response(content=body, media_type=content_type)

    return exposition


def _sessions_of(app: FastAPI) -> async_sessionmaker[AsyncSession] | None:
    resources = app_resources(app.state)
    return resources.sessions if resources is not None else None


def _authenticated_principal(identify: CallerIdentifier) -> Callable[[Scope], Awaitable[str | None]]:
    """Idempotency scope = the verified user; an unauthenticated request is not deduplicated
    (the route answers it 401), so a bogus credential can never share a scope with others."""

    async def principal_of(scope: Scope) -> str | None:
        caller = await identify(scope)
        return None if caller.user_id is None else f"user:{caller.user_id}"

    return principal_of


def _rate_limit_layer(
    app: FastAPI, settings: Settings, metrics: HttpMetrics, identify: CallerIdentifier
) -> Layer | None:
    """``RateLimitMiddleware`` for the stack (between CORS and compression), or None when off.

    The limiter and the database exist only once the lifespan ran: both are looked up per request.
    """
    limits = settings.rate_limit
    if not limits.enabled:
        return None
    return (
        RateLimitMiddleware,
        {
            "limiter_of": lambda: getattr(app.state, "rate_limiter", None),
            "identify": identify,
            "failure_mode": limits.failure_mode,
            "exempt_prefixes": tuple(limits.exempt_prefixes),
            "timeout_s": limits.redis_timeout_seconds,
            "observer": metrics,
        },
    )


def _redis_of(scope: Scope) -> Redis:
    """The Redis client the lifespan opened (middleware is built before it exists)."""
    resources: Resources = scope["app"].state.resources
    return resources.redis


def _build_cache(settings: Settings, redis: Redis, metrics: HttpMetrics) -> CacheAside:
    hooks = {"hit": metrics.cache_hit, "miss": metrics.cache_miss, "error": metrics.cache_error}
    return build_cache(
        redis=redis,
        key_prefix=settings.redis_key_prefix,
        ttl_s=settings.cache.ttl_seconds,
        jitter=settings.cache.ttl_jitter,
        on_result=lambda result: hooks[result](),
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
