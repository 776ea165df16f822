"""E7 (component): the configured AuditLog detects any single tampering with its chain.

Hypothesis draws a sequence of events; each is recorded with ``append`` (the chain grows
across examples, on a database of the test's own). The entries read back must verify
untouched; then, for the first entry and each of the newest, every single tampering of the list must make
``verify`` report not ok:

- modification of any field of the entry (``id``, ``ts`` by one microsecond, ``actor``,
  ``action``, ``subject``, ``details``, ``prev_hash``, ``hash``), hash NOT recomputed;
- deletion of the entry, unless it is the last one;
- swapping it with its successor (reorder).

Out of scope, by the chain's design (reference_app/audit/chain.py says so): deleting the
LAST entries, or rewriting the last entry with a recomputed hash. A prefix of a valid
chain is a valid chain; detecting that needs an anchor kept outside the database, which
the AuditLog Protocol's ``verify`` does not take.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from gauntlet.components.protocols import AuditLog
from properties.component.cache import run_given

Entries = list[dict[str, Any]]

#: Entries at the head of the chain tampered with in each example (plus the first one).
RECENT_ENTRIES = 8

#: Actions as an app records them.
actions = st.sampled_from(["user.signed_up", "auth.login_failed", "incident.created", "incident.updated", "x.y"])
#: Free text, including unicode and JSON-significant characters (canonical form matters);
#: no NUL, which PostgreSQL text and jsonb cannot hold.
texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=20)
#: Detail keys that name no secret (an audit log refuses password/token/... keys).
detail_keys = st.sampled_from(["field", "count", "note", "status", "änderung", "from", "to"])
detail_values = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | texts
events = st.fixed_dictionaries(
    {
        "action": actions,
        "actor": st.none() | texts.map(lambda t: f"user:{t}"),
        "subject": st.none() | texts.map(lambda t: f"incident:{t}"),
        "details": st.dictionaries(detail_keys, detail_values, max_size=3),
    }
)
event_sequences = st.lists(events, min_size=1, max_size=5)


def changed(value: Any) -> Any:
    """A value that differs from ``value`` in any faithful serialisation."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if isinstance(value, str):
        return f"{value}~"
    if isinstance(value, Mapping):
        return {**value, "gauntlet_tampered": True}
    if value is None:
        return "gauntlet-tampered"
    raise TypeError(f"no tampering rule for {type(value).__name__} value {value!r}")


def tamperings(entries: Entries, index: int) -> list[tuple[str, Entries]]:
    """Every single tampering of ``entries`` at ``index`` that the chain must reveal."""
    target = entries[index]
    altered: list[tuple[str, Entries]] = []
    for name, value in target.items():
        copy = [dict(entry) for entry in entries]
        copy[index][name] = changed(value)
        altered.append((f"entry {target['id']}: {name} modified", copy))
    if index < len(entries) - 1:
        altered.append((f"entry {target['id']} deleted", entries[:index] + entries[index + 1 :]))
        swapped = list(entries)
        swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
        altered.append((f"entries {target['id']} and {entries[index + 1]['id']} swapped", swapped))
    return altered


async def check_audit_chain_integrity(log: AuditLog) -> None:
    """E7: an untouched chain verifies; any single modification, deletion or reorder does not."""

    async def tampering_is_detected(sequence: list[dict[str, Any]]) -> None:
        written = [await log.append(**event) for event in sequence]
        entries: Entries = [dict(entry) for entry in await log.entries()]
        ids = [entry["id"] for entry in entries]
        assert all(entry["id"] in ids for entry in written), f"appended entries missing from entries(): {written}"
        untouched = log.verify(entries)
        assert untouched.ok, f"the untouched chain of {len(entries)} entries does not verify: {untouched.reason}"
        # The first entry (genesis link) and the newest ones: the tamperings' cost stays
        # bounded while the chain grows over the examples.
        for index in sorted({0, *range(max(0, len(entries) - RECENT_ENTRIES), len(entries))}):
            for what, tampered in tamperings(entries, index):
                result = log.verify(tampered)
                assert not result.ok, f"tampering went undetected: {what} (chain of {len(entries)} entries)"

    await run_given(tampering_is_detected, sequence=event_sequences)
