"""audit/chain.py: the hash chain, verified from the rows alone (property E7)."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from reference_app.audit import GENESIS_HASH, entry_hash, verify_chain

T0 = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


def make_chain(events: list[dict]) -> list[dict]:
    rows, prev = [], GENESIS_HASH
    for index, event in enumerate(events, start=1):
        row = {"id": index, "ts": T0 + timedelta(seconds=index), "prev_hash": prev, **event}
        row["hash"] = prev = entry_hash(prev, row)
        rows.append(row)
    return rows


events = st.lists(
    st.fixed_dictionaries(
        {
            "actor": st.one_of(st.none(), st.uuids().map(lambda u: f"user:{u}")),
            "action": st.sampled_from(["incident.created", "auth.login_failed", "api_key.created"]),
            "subject": st.one_of(st.none(), st.text(max_size=20)),
            "details": st.dictionaries(st.sampled_from(["status", "tier", "fields"]), st.text(max_size=10)),
        }
    ),
    min_size=2,
    max_size=12,
)


def test_the_hash_is_sha256_of_prev_hash_and_canonical_json():
    [row] = make_chain([{"actor": "user:1", "action": "a", "subject": "s", "details": {"b": 1, "a": "é"}}])
    canonical = (
        '{"action":"a","actor":"user:1","details":{"a":"é","b":1},"id":1,'
        '"subject":"s","ts":"2025-01-02T03:04:06.678901Z"}'
    )
    assert row["hash"] == hashlib.sha256(GENESIS_HASH.encode() + canonical.encode()).hexdigest()


@given(events)
def test_an_untouched_chain_verifies_in_any_representation(chain_events):
    rows = make_chain(chain_events)
    result = verify_chain(rows)
    assert (result.ok, result.count, result.head_hash) == (True, len(rows), rows[-1]["hash"])
    # As an auditor may export it: JSON with ISO timestamps (naive UTC, as SQLite gives it, too).
    exported = json.loads(json.dumps(rows, default=lambda t: t.astimezone(UTC).replace(tzinfo=None).isoformat()))
    assert verify_chain(exported).ok


@given(events, st.data())
def test_any_modified_entry_is_detected(chain_events, data):
    rows = make_chain(chain_events)
    victim = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(["actor", "action", "subject", "details", "ts", "prev_hash", "hash"]))
    tampered = copy.deepcopy(rows)
    original = tampered[victim][field]
    if field == "ts":
        tampered[victim]["ts"] = original + timedelta(microseconds=1)
    elif field == "details":
        tampered[victim]["details"] = {**original, "forged": True}
    else:
        tampered[victim][field] = (original or "") + "x"
    result = verify_chain(tampered)
    assert not result.ok
    assert result.first_bad_id == rows[victim]["id"]


@given(events, st.data())
def test_a_modified_entry_with_a_recomputed_hash_breaks_the_next_link(chain_events, data):
    rows = make_chain(chain_events)
    victim = data.draw(st.integers(0, len(rows) - 2))
    rows[victim]["details"] = {"forged": True}
    rows[victim]["hash"] = entry_hash(rows[victim]["prev_hash"], rows[victim])
    result = verify_chain(rows)
    assert (result.ok, result.first_bad_id) == (False, rows[victim + 1]["id"])


@given(events, st.data())
def test_any_deleted_entry_except_the_last_is_detected(chain_events, data):
    rows = make_chain(chain_events)
    victim = data.draw(st.integers(0, len(rows) - 2))
    del rows[victim]
    result = verify_chain(rows)
    assert not result.ok
    assert result.first_bad_id == rows[victim]["id"]  # the entry that followed the deleted one


@given(events, st.data())
def test_reordered_or_renumbered_entries_are_detected(chain_events, data):
    rows = make_chain(chain_events)
    i, j = sorted(data.draw(st.lists(st.integers(0, len(rows) - 1), min_size=2, max_size=2, unique=True)))
    swapped = copy.deepcopy(rows)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert not verify_chain(swapped).ok
    renumbered = copy.deepcopy(rows)
    renumbered[i]["id"], renumbered[j]["id"] = renumbered[j]["id"], renumbered[i]["id"]
    renumbered.sort(key=lambda r: r["id"])
    assert not verify_chain(renumbered).ok


def test_truncating_the_tail_needs_an_anchor():
    rows = make_chain([{"actor": None, "action": "a", "subject": None, "details": {}}] * 5)
    anchor = verify_chain(rows).head_hash
    truncated = rows[:3]
    # A prefix of a valid chain is a valid chain: undetectable from the rows alone.
    assert verify_chain(truncated).ok
    result = verify_chain(truncated, anchor=anchor)
    assert (result.ok, result.count) == (False, 3)
    assert "removed from the end" in result.reason
    assert not verify_chain([], anchor=anchor).ok
    longer = make_chain([{"actor": None, "action": "a", "subject": None, "details": {}}] * 7)
    assert verify_chain(longer, anchor=anchor).ok  # the log grew past the anchor: fine


def test_chain_py_depends_on_the_standard_library_only():
    script = (
        "import sys, runpy; runpy.run_path(sys.argv[1]);"
        "heavy = {'reference_app', 'gauntlet', 'sqlalchemy', 'pydantic'};"
        "assert not any(m.split('.')[0] in heavy for m in sys.modules)"
    )
    import reference_app.audit.chain as chain

    completed = subprocess.run(
        [sys.executable, "-c", script, chain.__file__], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
