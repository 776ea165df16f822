"""The middleware stack in its one correct order.

Outermost first::

    CorrelationIdMiddleware     every response carries X-Request-ID; last-resort 500
     └ AccessLogMiddleware      one record per error response, inside the id's log context
        └ MetricsMiddleware     counts every response, 304/429/CORS rejections included
           └ SecurityHeadersMiddleware   on everything below, preflights included
              └ CorsMiddleware           answers preflights before any app work
                 └ (rate limit)              optional ``rate_limit`` layer: its 429/503 get
                                             the id, security and CORS headers, and counted
                 └ CompressionMiddleware     sees the final identity body...
                    └ ConditionalGetMiddleware  ...whose ETag is computed here
                       └ app

Why this order: the correlation id must bind the log context before anything logs and
must wrap everything so even its own 500 carries the id. Conditional sits inside
compression so the ETag hashes the identity body (one ETag whatever the coding) and the
304 is never compressed. Security headers wrap CORS so preflight answers carry them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from starlette.applications import Starlette
from starlette.types import ASGIApp

from reference_app.http.access_log import AccessLogMiddleware
from reference_app.http.compression import DEFAULT_THRESHOLD_BYTES, CompressionMiddleware
from reference_app.http.conditional import ConditionalGetMiddleware
from reference_app.http.correlation import CorrelationIdMiddleware
from reference_app.http.cors import (
    DEFAULT_ALLOW_HEADERS,
    DEFAULT_ALLOW_METHODS,
    DEFAULT_MAX_AGE_SECONDS,
    CorsMiddleware,
)
from reference_app.http.metrics import HttpMetrics, MetricsMiddleware
from reference_app.http.security_headers import (
    HSTS_MAX_AGE_SECONDS,
    SecurityHeadersMiddleware,
    security_headers,
)

#: One layer: a middleware class and its keyword arguments.
Layer = tuple[Callable[..., ASGIApp], dict[str, Any]]


def layers(
    *,
    cors_origins: Sequence[str],
    compression_threshold: int = DEFAULT_THRESHOLD_BYTES,
    compression_excluded_prefixes: Sequence[str] = ("/api/v1/auth",),
    metrics: HttpMetrics,
    cors_allow_credentials: bool = True,
    cors_allow_methods: Sequence[str] = DEFAULT_ALLOW_METHODS,
    cors_allow_headers: Sequence[str] = DEFAULT_ALLOW_HEADERS,
    cors_max_age: int = DEFAULT_MAX_AGE_SECONDS,
    hsts_max_age: int = HSTS_MAX_AGE_SECONDS,
    log_success: bool = False,
    rate_limit: Layer | None = None,
) -> list[Layer]:
    """The stack as data, INNERMOST first (the order ``add_middleware`` wants them).

    ``rate_limit`` (e.g. ``(RateLimitMiddleware, {...})``) goes between compression and CORS.
    """
    limiting = [rate_limit] if rate_limit is not None else []
    return [
        (ConditionalGetMiddleware, {}),
        (
            CompressionMiddleware,
            {
                "threshold": compression_threshold,
                "excluded_prefixes": tuple(compression_excluded_prefixes),
            },
        ),
        *limiting,
        (
            CorsMiddleware,
            {
                "allow_origins": tuple(cors_origins),
                "allow_credentials": cors_allow_credentials,
                "allow_methods": tuple(cors_allow_methods),
                "allow_headers": tuple(cors_allow_headers),
                "max_age": cors_max_age,
            },
        ),
        (SecurityHeadersMiddleware, {"hsts_max_age": hsts_max_age}),
        (MetricsMiddleware, {"metrics": metrics}),
        (AccessLogMiddleware, {"log_success": log_success}),
        (
            CorrelationIdMiddleware,
            {"error_headers": partial(security_headers, hsts_max_age=hsts_max_age)},
        ),
    ]


def wrap(
    app: ASGIApp,
    *,
    cors_origins: Sequence[str],
    compression_threshold: int = DEFAULT_THRESHOLD_BYTES,
    compression_excluded_prefixes: Sequence[str] = ("/api/v1/auth",),
    metrics: HttpMetrics,
    cors_allow_credentials: bool = True,
    cors_allow_methods: Sequence[str] = DEFAULT_ALLOW_METHODS,
    cors_allow_headers: Sequence[str] = DEFAULT_ALLOW_HEADERS,
    cors_max_age: int = DEFAULT_MAX_AGE_SECONDS,
    hsts_max_age: int = HSTS_MAX_AGE_SECONDS,
    log_success: bool = False,
    rate_limit: Layer | None = None,
) -> ASGIApp:
    """``app`` wrapped in every HTTP middleware, outermost first as the module docstring draws.

    Example::

        metrics = HttpMetrics()
        asgi = wrap(fastapi_app, cors_origins=["https://app.example.com"], metrics=metrics)
        uvicorn.run(asgi, server_header=False, log_config=None)
    """
    wrapped = app
    for middleware, kwargs in layers(
        cors_origins=cors_origins,
        compression_threshold=compression_threshold,
        compression_excluded_prefixes=compression_excluded_prefixes,
        metrics=metrics,
        cors_allow_credentials=cors_allow_credentials,
        cors_allow_methods=cors_allow_methods,
        cors_allow_headers=cors_allow_headers,
        cors_max_age=cors_max_age,
        hsts_max_age=hsts_max_age,
        log_success=log_success,
        rate_limit=rate_limit,
    ):
        wrapped = middleware(wrapped, **kwargs)
    return wrapped


def install(
    app: Starlette,
    *,
    cors_origins: Sequence[str],
    compression_threshold: int = DEFAULT_THRESHOLD_BYTES,
    compression_excluded_prefixes: Sequence[str] = ("/api/v1/auth",),
    metrics: HttpMetrics,
    cors_allow_credentials: bool = True,
    cors_allow_methods: Sequence[str] = DEFAULT_ALLOW_METHODS,
    cors_allow_headers: Sequence[str] = DEFAULT_ALLOW_HEADERS,
    cors_max_age: int = DEFAULT_MAX_AGE_SECONDS,
    hsts_max_age: int = HSTS_MAX_AGE_SECONDS,
    log_success: bool = False,
    rate_limit: Layer | None = None,
) -> None:
    """The same stack via ``app.add_middleware`` (keeps ``create_app`` returning FastAPI).

    Starlette places user middleware inside its ``ServerErrorMiddleware``; the
    correlation middleware catches every exception first, so that handler (and any
    ``Exception`` handler registered on the app) is not reached by route exceptions.

    Example::

        install(app, cors_origins=settings.cors_origins, metrics=HttpMetrics())
    """
    for middleware, kwargs in layers(
        cors_origins=cors_origins,
        compression_threshold=compression_threshold,
        compression_excluded_prefixes=compression_excluded_prefixes,
        metrics=metrics,
        cors_allow_credentials=cors_allow_credentials,
        cors_allow_methods=cors_allow_methods,
        cors_allow_headers=cors_allow_headers,
        cors_max_age=cors_max_age,
        hsts_max_age=hsts_max_age,
        log_success=log_success,
        rate_limit=rate_limit,
    ):
        # add_middleware prepends: innermost first ends with correlation outermost.
        app.add_middleware(middleware, **kwargs)
