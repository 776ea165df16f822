"""A real app served in-process to a test: the app, an httpx client on it, its resources."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx
from fastapi import FastAPI

from reference_app.app import create_app
from reference_app.settings import Settings
from reference_app.state import Resources, app_resources

S = TypeVar("S", bound="ServedApp")


@dataclass(frozen=True)
class ServedApp:
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def resources(self) -> Resources:
        resources = app_resources(self.app.state)
        assert resources is not None
        return resources


@asynccontextmanager
async def served(settings: Settings, kind: type[S]) -> AsyncIterator[S]:
    """``create_app(settings)`` with its lifespan running, as a ``kind`` (a ServedApp)."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield kind(app, http)
