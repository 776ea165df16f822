"""E7 fails on audit verifiers that check less than the whole chain (the reference log, mutated)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from gauntlet.services.postgres import create_database, drop_database
from properties.component.audit import check_audit_chain_integrity
from reference_app.audit.chain import GENESIS_HASH, VerificationResult, entry_hash
from reference_app.audit.store import AuditLogReader, build
from reference_app.migrations import upgrade
from tests.properties.shrinking import no_shrinking


class LastHashOnlyLog(AuditLogReader):
    """Verifies only the newest entry's hash: older entries can be rewritten at will."""

    def verify(self, entries: Sequence[Mapping[str, Any]], *, anchor: str | None = None) -> VerificationResult:
        if not entries:
            return VerificationResult(True)
        last = entries[-1]
        ok = last["hash"] == entry_hash(str(last["prev_hash"]), last)
        return VerificationResult(ok, None if ok else int(last["id"]), None if ok else "last hash", len(entries))


class UnlinkedHashesLog(AuditLogReader):
    """Checks each entry's own hash but not the links or ids: deletions and reorders pass."""

    def verify(self, entries: Sequence[Mapping[str, Any]], *, anchor: str | None = None) -> VerificationResult:
        for entry in entries:
            if entry["hash"] != entry_hash(str(entry["prev_hash"]), entry):
                return VerificationResult(False, int(entry["id"]), "hash mismatch", len(entries))
        return VerificationResult(True, None, None, len(entries), GENESIS_HASH)


@pytest.fixture
def database_url(service_session: object) -> Iterator[str]:
    admin = service_session.postgres.url  # type: ignore[attr-defined]
    name = f"gauntlet_audit_mutant_{secrets.token_hex(4)}"
    url = create_database(admin, name)
    try:
        upgrade(url, "head")
        yield url
    finally:
        drop_database(admin, name)


def make(cls: type[AuditLogReader], database_url: str) -> AuditLogReader:
    return cls(build(database_url=database_url)._engine)


async def test_the_property_holds_on_the_reference_audit_log(database_url: str) -> None:
    log = build(database_url=database_url)
    try:
        await check_audit_chain_integrity(log)
    finally:
        await log.aclose()


@pytest.mark.mutant("E7")
async def test_integrity_fails_when_only_the_last_hash_is_checked(database_url: str) -> None:
    log = make(LastHashOnlyLog, database_url)
    try:
        with no_shrinking(), pytest.raises(AssertionError, match=r"tampering went undetected: entry \d+: \w+ modified"):
            await check_audit_chain_integrity(log)
    finally:
        await log.aclose()


@pytest.mark.mutant("E7")
async def test_integrity_fails_when_links_are_not_checked(database_url: str) -> None:
    log = make(UnlinkedHashesLog, database_url)
    try:
        with (
            no_shrinking(),
            pytest.raises(AssertionError, match=r"tampering went undetected: entr(y \d+ deleted|ies .* swapped)"),
        ):
            await check_audit_chain_integrity(log)
    finally:
        await log.aclose()
