"""Property E7 (component): the configured AuditLog, on a fresh database of its own."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest

from gauntlet.components.protocols import AuditLog
from gauntlet.config.model import GauntletConfig
from gauntlet.services.postgres import create_database, drop_database
from properties.component.audit import check_audit_chain_integrity
from properties.component.fixtures import component


@pytest.fixture
def audit_database(gauntlet_config: GauntletConfig, service_session: object) -> Iterator[str]:
    """A database with the app's schema (through the configured Migrations) and an empty log."""
    admin = service_session.postgres.url  # type: ignore[attr-defined]
    name = f"gauntlet_audit_{secrets.token_hex(4)}"
    url = create_database(admin, name)
    try:
        component(gauntlet_config, "migrations").upgrade(url, "head")
        yield url
    finally:
        drop_database(admin, name)


@pytest.fixture
async def audit_log(gauntlet_config: GauntletConfig, audit_database: str) -> AsyncIterator[AuditLog]:
    built: AuditLog = component(gauntlet_config, "audit_log", database_url=audit_database)
    yield built
    await built.aclose()


@pytest.mark.property("E7", level="component")
async def test_any_single_tampering_with_the_audit_chain_is_detected(audit_log: AuditLog) -> None:
    await check_audit_chain_integrity(audit_log)
