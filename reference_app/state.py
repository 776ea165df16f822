"""What the app holds while it runs: settings, lifecycle phase, and the live resources.

``create_app`` stores :class:`Lifecycle` on ``app.state.lifecycle``; the lifespan stores
:class:`Resources` on ``app.state.resources`` once the engine and Redis client exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import cast

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.datastructures import State

from reference_app.cache import CacheAside
from reference_app.cursor import CursorCodec
from reference_app.settings import Settings


class Phase(Enum):
    STARTING = "starting"
    READY = "ready"
    DRAINING = "draining"


class Lifecycle:
    """Where the process is between start-up and shutdown (readiness depends on it)."""

    def __init__(self) -> None:
        self.phase = Phase.STARTING

    def mark_ready(self) -> None:
        self.phase = Phase.READY

    def begin_shutdown(self) -> None:
        """Called on SIGTERM or at lifespan shutdown: readiness answers 503 from now on."""
        self.phase = Phase.DRAINING

    @property
    def accepting(self) -> bool:
        return self.phase is Phase.READY


@dataclass(frozen=True, slots=True)
class Resources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    redis: Redis
    cursors: CursorCodec
    #: None when caching is off (``APP_CACHE__ENABLED=false``).
    cache: CacheAside | None = None


def app_settings(state: State) -> Settings:
    return cast(Settings, state.settings)


def app_lifecycle(state: State) -> Lifecycle:
    return cast(Lifecycle, state.lifecycle)


def app_resources(state: State) -> Resources | None:
    return cast(Resources | None, getattr(state, "resources", None))
