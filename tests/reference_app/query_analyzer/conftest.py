"""Fixtures for the analyzer tests: a fresh PostgreSQL database of this session's own on the
shared server (dropped WITH (FORCE) at the end) and a SQLite file in a temp directory."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture(scope="session")
def analyzer_database() -> Iterator[str]:
    name = f"qa_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def pg_engine(analyzer_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{analyzer_database}")
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
async def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AsyncEngine]:
    path = Path(tmp_path_factory.mktemp("sqlite")) / "analyzer.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    yield engine
    await engine.dispose()


def table_name(prefix: str = "items") -> str:
    return f"{prefix}_{secrets.token_hex(4)}"
