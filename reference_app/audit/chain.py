"""The audit hash chain, in pure Python (standard library only: copy this file to verify).

Each entry is ``{id, ts, actor, action, subject, details}`` plus ``prev_hash`` and ``hash``::

    hash = sha256(prev_hash || canonical_json(id, ts, actor, action, subject, details)).hexdigest()

``prev_hash`` of the first entry is :data:`GENESIS_HASH`; every later entry's is the
``hash`` of the entry before it, and ids go up by exactly one. Canonical JSON: keys
sorted, no whitespace, UTF-8, ``ts`` as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (UTC).

What :func:`verify_chain` detects, from the rows alone: a modified entry (its hash no
longer matches), a deleted entry (an id gap, and the next entry's ``prev_hash`` points at
nothing), reordered or renumbered entries (ids out of order, broken links), a deleted or
replaced first entry (``prev_hash`` is not the genesis). What it cannot detect from the
rows alone: removing entries at the END (a prefix of a valid chain is a valid chain) or
rewriting the last entry with a recomputed hash. For those, keep an anchor outside the
database (``head_hash`` of an earlier verification, e.g. in a ticket or a log shipped
elsewhere) and pass it as ``anchor``: the chain must still contain it.

>>> result = verify_chain(rows)                   # rows: mappings, oldest first
>>> result.ok, result.first_bad_id, result.reason, result.head_hash
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

#: ``prev_hash`` of the first entry.
GENESIS_HASH = "0" * 64
#: The fields covered by an entry's hash (``prev_hash`` is chained in front).
HASHED_FIELDS = ("id", "ts", "actor", "action", "subject", "details")


@dataclass(frozen=True, slots=True)
class VerificationResult:
    ok: bool
    #: The first entry that does not verify (None when ok, or when the fault is at the end).
    first_bad_id: int | None = None
    reason: str | None = None
    #: Entries read, and the hash of the last one (GENESIS_HASH for an empty log).
    count: int = 0
    head_hash: str = GENESIS_HASH


def canonical_ts(value: datetime | str) -> str:
    """``ts`` as hashed: UTC, microseconds, ``Z``. Naive datetimes are taken as UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(entry: Mapping[str, Any]) -> bytes:
    content: dict[str, Any] = {name: entry.get(name) for name in HASHED_FIELDS}
    content["id"] = int(entry["id"])
    content["ts"] = canonical_ts(entry["ts"])
    if content["details"] is None:
        content["details"] = {}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """The hash an entry must carry after ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(entry)).hexdigest()


def verify_chain(rows: Iterable[Mapping[str, Any]], *, anchor: str | None = None) -> VerificationResult:
    """Check ``rows`` (oldest first) form one unbroken chain from the genesis.

    ``anchor``: a ``head_hash`` recorded earlier; the chain must still contain it
    (detects truncation back past that point).
    """
    prev_hash, prev_id, count = GENESIS_HASH, None, 0
    anchor_seen = anchor is None or anchor == GENESIS_HASH
    for row in rows:
        entry_id = int(row["id"])
        if prev_id is not None and entry_id != prev_id + 1:
            what = "missing" if entry_id > prev_id + 1 else "out of order"
            return _bad(entry_id, f"entry {entry_id} follows {prev_id}: entries are {what}", count, prev_hash)
        if row["prev_hash"] != prev_hash:
            return _bad(
                entry_id,
                f"entry {entry_id} does not link to the entry before it (prev_hash mismatch)",
                count,
                prev_hash,
            )
        try:
            expected = entry_hash(prev_hash, row)
        except (TypeError, ValueError) as exc:
            return _bad(entry_id, f"entry {entry_id} cannot be hashed: {exc}", count, prev_hash)
        if row["hash"] != expected:
            return _bad(entry_id, f"entry {entry_id} was modified (hash mismatch)", count, prev_hash)
        prev_hash, prev_id, count = expected, entry_id, count + 1
        anchor_seen = anchor_seen or expected == anchor
    if not anchor_seen:
        return VerificationResult(
            False, None, "the anchor hash is not in the chain: entries were removed from the end", count, prev_hash
        )
    return VerificationResult(True, None, None, count, prev_hash)


def _bad(entry_id: int, reason: str, count: int, head_hash: str) -> VerificationResult:
    return VerificationResult(False, entry_id, reason, count, head_hash)
