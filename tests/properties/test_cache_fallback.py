"""10 fails on caches (component) and apps (http) that do not survive a Redis failure."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import structlog
from redis.asyncio import Redis
from starlette.types import ASGIApp, Receive, Scope, Send

from gauntlet.config.model import PropertiesSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ProcessGroup
from gauntlet.services.redis import start_private_redis
from gauntlet.services.types import PrivateServer
from properties.component.cache_fallback import AlwaysDown, PausedProcess, check_cache_failure_fallback
from properties.http.cache_fallback import check_cache_failure_fallback as check_fallback_over_http
from properties.http.target import HttpTarget, connect
from reference_app.cache import CacheAside, RedisCacheStorage
from reference_app.cache.cache_aside import _MISSING
from reference_app.cache.counters import LookupCounter, LookupResult
from reference_app.state import app_resources

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette's TestClient asks for httpx2
    from starlette.testclient import TestClient

TIMEOUT_S = 0.2


class CacheUnavailable(Exception):
    pass


class RaisingCache(CacheAside):
    """Lets a Redis failure reach the caller instead of falling back to the fetcher."""

    async def _lookup(self, key: str, *, generation_key: str) -> tuple[Any, str | None, LookupResult]:
        found = await super()._lookup(key, generation_key=generation_key)
        if found[2] == "error":
            raise CacheUnavailable("Redis did not answer")
        return found


class ErrorsNotCounted(LookupCounter):
    def record(self, result: LookupResult) -> None:
        if result != "error":
            super().record(result)


class UncountedErrorsCache(CacheAside):
    """Falls back correctly but counts nothing when Redis fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._counter = ErrorsNotCounted()


class NeverRecoversCache(CacheAside):
    """A circuit that opens on the first Redis error and never closes: the cache stays
    bypassed (every lookup an error, nothing stored) after Redis is back."""

    disabled = False

    async def _lookup(self, key: str, *, generation_key: str) -> tuple[Any, str | None, LookupResult]:
        if self.disabled:
            self._counter.record("error")
            return _MISSING, None, "error"
        found = await super()._lookup(key, generation_key=generation_key)
        self.disabled = found[2] == "error"
        return found

    async def set(self, key: str, value: Any, *, resource: str) -> None:
        if not self.disabled:
            await super().set(key, value, resource=resource)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateServer]:
    with ProcessGroup() as group:
        yield start_private_redis(tmp_path, group=group)


def paused(cls: type[CacheAside], server: PrivateServer) -> tuple[Any, PausedProcess]:
    cache = cls(RedisCacheStorage(Redis.from_url(server.url), owns_client=True), key_prefix="m10:", timeout_s=TIMEOUT_S)
    return cache, PausedProcess(server.process.pid)


async def run_paused(cls: type[CacheAside], server: PrivateServer) -> None:
    cache, fault = paused(cls, server)
    try:
        await check_cache_failure_fallback(cache, fault)
    finally:
        if fault.paused:
            fault.heal()
        await cache.aclose()


async def test_holds_on_the_reference_cache(private_redis: PrivateServer) -> None:
    await run_paused(CacheAside, private_redis)
    refused: Any = CacheAside(RedisCacheStorage(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"), owns_client=True))
    await check_cache_failure_fallback(refused, AlwaysDown("a closed port"))
    await refused.aclose()


@pytest.mark.mutant(10)
async def test_fails_when_a_redis_error_reaches_the_caller() -> None:
    cache: Any = RaisingCache(RedisCacheStorage(Redis.from_url(f"redis://127.0.0.1:{free_port()}/0"), owns_client=True))
    with pytest.raises(AssertionError, match="raised CacheUnavailable: Redis did not answer with a closed port"):
        await check_cache_failure_fallback(cache, AlwaysDown("a closed port"))
    await cache.aclose()


@pytest.mark.mutant(10)
async def test_fails_when_errors_are_not_counted(private_redis: PrivateServer) -> None:
    with pytest.raises(AssertionError, match=r"moved the counters \(hits, misses, errors\) by \(0, 0, 0\)"):
        await run_paused(UncountedErrorsCache, private_redis)


@pytest.mark.mutant(10)
async def test_fails_when_caching_never_resumes(private_redis: PrivateServer) -> None:
    with pytest.raises(AssertionError, match=r"caching did not resume within 10.0 s"):
        await run_paused(NeverRecoversCache, private_redis)


# --- http: the reference app, in process, on a private Redis, with its cache broken --------

Wrap = Callable[[ASGIApp], ASGIApp]


def unchanged(app: ASGIApp) -> ASGIApp:
    return app


def breaking(change: Callable[[CacheAside], None]) -> Wrap:
    """Wrap: ``change`` is applied to the app's cache (built at start-up) before any request."""

    def wrap(app: Any) -> ASGIApp:
        async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
            resources = app_resources(app.state)
            if resources is not None and resources.cache is not None and not getattr(resources.cache, "_broken", 0):
                change(resources.cache)
                resources.cache._broken = 1  # type: ignore[attr-defined]
            await app(scope, receive, send)

        return wrapped

    return wrap


def becomes(cls: type[CacheAside]) -> Wrap:
    def change(cache: CacheAside) -> None:
        cache.__class__ = cls

    return breaking(change)


def _count_no_errors(cache: CacheAside) -> None:
    cache._counter.__class__ = ErrorsNotCounted


@pytest.fixture
def app_on_private_redis(  # type: ignore[no-untyped-def]
    app_env: dict[str, str], migrated: None, mutant_settings: PropertiesSettings, private_redis: PrivateServer
):
    """``with app_on_private_redis(wrap) as (http, fault):`` the reference app in process."""

    @contextmanager
    def opened(wrap: Wrap = unchanged) -> Iterator[tuple[HttpTarget, PausedProcess]]:
        from reference_app.app import create_app
        from reference_app.settings import build_settings

        with pytest.MonkeyPatch.context() as patch:
            # The limiter's own Redis wait (0.5 s by default) is cut: it is not what 10 checks,
            # and every request while Redis is paused would pay it.
            quick = {"APP_REDIS_URL": private_redis.url, "APP_RATE_LIMIT__REDIS_TIMEOUT_SECONDS": "0.1"}
            for name, value in {**app_env, **quick}.items():
                patch.setenv(name, value)
            app = create_app(build_settings())
        fault = PausedProcess(private_redis.process.pid, description="the app's Redis paused (SIGSTOP)")
        try:
            with TestClient(wrap(app), base_url="http://testserver", raise_server_exceptions=False) as client:
                yield connect(client, mutant_settings, openapi="/openapi.json"), fault
        finally:
            if fault.paused:
                fault.heal()

    return opened


def test_http_holds_on_the_reference_app(app_on_private_redis) -> None:  # type: ignore[no-untyped-def]
    with app_on_private_redis() as (http, fault):
        check_fallback_over_http(http, fault)


@pytest.fixture
def plain_tracebacks() -> Iterator[None]:
    """The in-process app logs its 500s through structlog's default console renderer, whose
    rich tracebacks (with every frame's locals) take tens of seconds: plain ones here."""
    saved = structlog.get_config()
    structlog.configure(processors=[structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)])
    yield
    structlog.configure(**saved)


@pytest.mark.mutant(10)
@pytest.mark.usefixtures("plain_tracebacks")
def test_http_fails_when_a_redis_error_becomes_a_500(app_on_private_redis) -> None:  # type: ignore[no-untyped-def]
    with (
        app_on_private_redis(becomes(RaisingCache)) as (http, fault),
        pytest.raises(AssertionError, match=r"answered 500"),
    ):
        check_fallback_over_http(http, fault)


@pytest.mark.mutant(10)
def test_http_fails_when_cache_errors_are_not_counted(app_on_private_redis) -> None:  # type: ignore[no-untyped-def]
    with (
        app_on_private_redis(breaking(_count_no_errors)) as (http, fault),
        pytest.raises(AssertionError, match=r"did not move over the reads with the app's Redis paused"),
    ):
        check_fallback_over_http(http, fault)


@pytest.mark.mutant(10)
def test_http_fails_when_caching_never_resumes(app_on_private_redis) -> None:  # type: ignore[no-untyped-def]
    with (
        app_on_private_redis(becomes(NeverRecoversCache)) as (http, fault),
        pytest.raises(AssertionError, match=r"caching did not resume within"),
    ):
        check_fallback_over_http(http, fault)
