"""9 (http): after any acknowledged create, update or delete, every later read reflects it.

Endpoints come from the OpenAPI document: the first list operation with a create (POST on
its path) and item GET/PATCH/DELETE (``/list/{id}``). Aggregates are parameterless GETs,
not lists, whose 200 documents an integer ``total``: a count of the account's items (and,
when they document an object ``totals``, a count per value of an enum field of the item).

- :func:`check_writes_are_reflected`: Hypothesis draws histories of creates, updates (of
  string and enum fields the PATCH body documents) and deletes. Before each write every
  read is done once (so a caching target has it cached); after the write is acknowledged
  the item reads as the write's answer (404 once deleted), the list holds it as such (or
  not at all), and each aggregate's ``total`` moved by +1/-1/0 (``totals`` by the enum
  change).
- :func:`check_reads_racing_writes`: reader threads GET one item without pause while a
  burst of PATCHes is sent; every read SENT after the last PATCH was acknowledged (and
  every read after the readers stopped) returns the last PATCH's value. This is the race
  of the statement as far as it shows from outside: a read that fetched a row before a
  write must not leave it in a cache for reads after the write.
"""

from __future__ import annotations

import re
import string
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.data import all_items, create_item
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: Statuses a read of a deleted item may answer.
GONE = (404, 410)
#: Reader threads racing the PATCH bursts, PATCHes per burst, and bursts.
READERS = 6
PATCHES_PER_BURST = 4
BURSTS = 4
#: Reads each reader sends after the last PATCH of a burst was acknowledged.
READS_AFTER_ACK = 3


@dataclass(frozen=True)
class Endpoints:
    list_op: Operation
    item_get: Operation
    item_patch: Operation
    item_delete: Operation
    aggregates: tuple[Operation, ...]
    #: PATCH body fields: name -> enum values (None: a free string).
    fields: Mapping[str, tuple[str, ...] | None]

    def item_path(self, item_id: str) -> str:
        template = self.item_get.path
        start = template.rindex("{")
        return template[:start] + item_id + template[template.index("}", start) + 1 :]


def discover(http: HttpTarget) -> Endpoints:
    lists = http.api.list_operations(http.settings)
    for list_op in lists:
        item_ops = [http.api.item_operation(list_op, method) for method in ("GET", "PATCH", "DELETE")]
        if http.api.create_operation(list_op) is None or None in item_ops:
            continue
        get, patch, delete = item_ops
        assert get is not None and patch is not None and delete is not None
        fields = _patchable_fields(http, patch)
        if fields:
            return Endpoints(list_op, get, patch, delete, _aggregates(http, lists), fields)
    raise AssertionError(
        "no list operation with a create (POST on its path) and item GET, PATCH (with string or enum "
        f"fields) and DELETE operations among {[op.label for op in lists]}; name it in [properties] list_operations"
    )


def _patchable_fields(http: HttpTarget, patch: Operation) -> dict[str, tuple[str, ...] | None]:
    schema = http.api.request_body_schema(patch) or {}
    fields: dict[str, tuple[str, ...] | None] = {}
    for name, raw in schema.get("properties", {}).items():
        prop = http.api.resolve(raw)
        options = [http.api.resolve(s) for s in prop.get("anyOf", prop.get("oneOf", [prop]))]
        usable = [s for s in options if isinstance(s, Mapping) and s.get("type") != "null"]
        if len(usable) != 1:
            continue
        if "enum" in usable[0] and len(usable[0]["enum"]) > 1:
            fields[name] = tuple(str(v) for v in usable[0]["enum"])
        elif usable[0].get("type") == "string" and "format" not in usable[0] and _takes_text(usable[0]):
            fields[name] = None
    return fields


#: Free text the properties write: ``p9 `` and up to 16 ASCII letters and digits.
TEXT_PROBES = ("p9 a", "p9 " + "Zz9" * 5 + "x")


def _takes_text(schema: Mapping[str, Any]) -> bool:
    """The string schema accepts the texts the properties write (length and pattern)."""
    pattern = schema.get("pattern")
    for probe in TEXT_PROBES:
        if not schema.get("minLength", 0) <= len(probe) <= schema.get("maxLength", len(probe)):
            return False
        if isinstance(pattern, str) and re.search(pattern, probe) is None:
            return False
    return True


def _aggregates(http: HttpTarget, lists: list[Operation]) -> tuple[Operation, ...]:
    labels = {op.label for op in lists}
    found = []
    for op in http.api.operations():
        if op.method != "GET" or op.has_path_parameters or op.label in labels:
            continue
        schema = http.api.response_schema(op) or {}
        total = http.api.resolve(schema.get("properties", {}).get("total"))
        if isinstance(total, Mapping) and total.get("type") == "integer":
            found.append(op)
    return tuple(found)


def _subset(expected: Mapping[str, Any], got: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields of ``got`` that differ from the acknowledged representation (name -> (got, expected))."""
    return {k: (got[k], v) for k, v in expected.items() if k in got and got[k] != v}


class Reads:
    """The reads that must reflect each write, and the acknowledged state they compare to."""

    def __init__(self, http: HttpTarget, endpoints: Endpoints) -> None:
        self.http = http
        self.ep = endpoints
        self.log: list[str] = []

    def item(self, item_id: str) -> httpx.Response:
        return self.http.call("GET", self.ep.item_path(item_id))

    def aggregates(self) -> dict[str, dict[str, Any]]:
        found = {}
        for op in self.ep.aggregates:
            response = self.http.call("GET", op.path)
            assert response.status_code == 200, f"{op.label} answered {response.status_code}: {response.text[:200]}"
            found[op.label] = response.json()
        return found

    def warm(self, item_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Read everything once (a caching target caches it); returns the aggregates."""
        for item_id in item_ids:
            self.item(item_id)
        all_items(self.http, self.ep.list_op)
        return self.aggregates()

    def reflect(self, after: str, acknowledged: Mapping[str, Any] | None, item_id: str) -> None:
        """The item, and its row in the list, read as ``acknowledged`` (None: deleted)."""
        history = "; ".join(self.log)
        response = self.item(item_id)
        if acknowledged is None:
            assert response.status_code in GONE, (
                f"stale read: GET {self.ep.item_path(item_id)} answered {response.status_code} after {after} "
                f"was acknowledged, not {GONE} (history: {history})"
            )
        else:
            assert response.status_code == 200, f"GET {self.ep.item_path(item_id)} answered {response.status_code}"
            differ = _subset(acknowledged, response.json())
            assert not differ, (
                f"stale read: GET {self.ep.item_path(item_id)} after {after} was acknowledged differs in "
                f"(served, acknowledged) {differ} (history: {history})"
            )
        listed = [row for row in all_items(self.http, self.ep.list_op) if str(row.get("id")) == item_id]
        if acknowledged is None:
            assert not listed, f"stale list: {self.ep.list_op.label} still lists {item_id} after {after} ({history})"
        else:
            assert listed, f"stale list: {self.ep.list_op.label} does not list {item_id} after {after} ({history})"
            differ = _subset(acknowledged, listed[0])
            assert not differ, (
                f"stale list: {self.ep.list_op.label} lists {item_id} after {after} with (served, acknowledged) "
                f"{differ} (history: {history})"
            )

    def aggregates_moved(
        self, before: dict[str, dict[str, Any]], count: int, enum_moves: list[tuple[str, int]], after: str
    ) -> None:
        """Each aggregate's total moved by ``count``; ``totals[value]`` by the enum moves."""
        now = self.aggregates()
        for label, old in before.items():
            new = now[label]
            assert new["total"] - old["total"] == count, (
                f"stale aggregate: {label} total went {old['total']} -> {new['total']} after {after} was "
                f"acknowledged, expected a change of {count:+d} (history: {'; '.join(self.log)})"
            )
            if not isinstance(old.get("totals"), Mapping) or not isinstance(new.get("totals"), Mapping):
                continue
            expected = dict(old["totals"])
            for value, change in enum_moves:
                if value in expected:
                    expected[value] += change
            if set(expected) == set(new["totals"]):
                assert new["totals"] == expected, (
                    f"stale aggregate: {label} totals {new['totals']} after {after} was acknowledged, "
                    f"expected {expected} (history: {'; '.join(self.log)})"
                )


def _text_values() -> st.SearchStrategy[str]:
    return st.text(string.ascii_letters + string.digits, min_size=1, max_size=16).map(lambda s: f"p9 {s}")


@st.composite
def _changes(draw: st.DrawFn, fields: Mapping[str, tuple[str, ...] | None]) -> dict[str, str]:
    names = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=len(fields), unique=True))
    changes = {}
    for name in names:
        values = fields[name]
        changes[name] = draw(st.sampled_from(values) if values else _text_values())
    return changes


def _enum_moves(ep: Endpoints, old: Mapping[str, Any], new: Mapping[str, Any] | None) -> list[tuple[str, int]]:
    """(value, ±1) for each enum field whose value an item enters or leaves."""
    moves = []
    for name, values in ep.fields.items():
        if values is None:
            continue
        before, after = old.get(name), (new or {}).get(name)
        if before != after:
            moves += [(str(before), -1)] if before is not None else []
            moves += [(str(after), +1)] if after is not None else []
    return moves


def check_writes_are_reflected(http: HttpTarget) -> None:
    """9: after each acknowledged create/update/delete, item, list and aggregates reflect it."""
    ep = discover(http)
    writes = st.lists(
        st.one_of(
            st.tuples(st.just("create"), st.just(0), st.just({})),
            st.tuples(st.just("update"), st.integers(0, 3), _changes(ep.fields)),
            st.tuples(st.just("delete"), st.integers(0, 3), st.just({})),
        ),
        min_size=1,
        max_size=5,
    )

    text = next((name for name, values in ep.fields.items() if values is None), None)
    name = text or next(iter(ep.fields))
    explicit = {name: "p9 explicit" if text else ep.fields[name][-1]}  # type: ignore[index]

    @over_http()
    @example(history=[("create", 0, {}), ("update", 0, explicit), ("delete", 0, {})])
    @given(history=writes)
    def every_later_read_reflects_the_write(history: list[tuple[str, int, dict[str, str]]]) -> None:
        reads = Reads(http, ep)
        live: dict[str, dict[str, Any]] = {}
        for drawn, slot, changes in history:
            op = drawn if live else "create"
            item_id = sorted(live)[slot % len(live)] if op != "create" else ""
            before = reads.warm(list(live))
            if op == "create":
                created = create_item(http, ep.list_op, label="p9")
                item_id = str(created["id"])
                live[item_id] = created
                reads.log.append(f"create {item_id}")
                reads.reflect(f"POST {ep.list_op.path} ({item_id})", created, item_id)
                reads.aggregates_moved(before, +1, _enum_moves(ep, {}, created), f"creating {item_id}")
            elif op == "update":
                response = http.call("PATCH", ep.item_path(item_id), json=changes)
                assert response.status_code == 200, (
                    f"PATCH {ep.item_path(item_id)} {changes} answered {response.status_code}: {response.text[:300]}"
                )
                updated = response.json()
                reads.log.append(f"PATCH {item_id} {changes}")
                reads.reflect(f"PATCH {ep.item_path(item_id)} {changes}", updated, item_id)
                moves = _enum_moves(ep, live[item_id], updated)
                reads.aggregates_moved(before, 0, moves, f"PATCH {item_id} {changes}")
                live[item_id] = updated
            else:
                response = http.call("DELETE", ep.item_path(item_id))
                assert response.status_code in (200, 202, 204), (
                    f"DELETE {ep.item_path(item_id)} answered {response.status_code}: {response.text[:300]}"
                )
                reads.log.append(f"DELETE {item_id}")
                reads.reflect(f"DELETE {ep.item_path(item_id)}", None, item_id)
                moves = _enum_moves(ep, live.pop(item_id), None)
                reads.aggregates_moved(before, -1, moves, f"DELETE {item_id}")

    every_later_read_reflects_the_write()


@dataclass(frozen=True)
class Observed:
    sent: float  # time.monotonic() just before the request was sent
    status: int
    value: Any


def check_reads_racing_writes(http: HttpTarget) -> None:
    """9: reads sent after a PATCH burst was acknowledged see its last value, racing reads or not."""
    ep = discover(http)
    field = next((name for name, values in ep.fields.items() if values is None), None)
    assert field is not None, f"{ep.item_patch.label} documents no free string field to write distinct values to"
    created = create_item(http, ep.list_op, label="p9 race")
    path = ep.item_path(str(created["id"]))

    def reader(stop: threading.Event, acked: list[float]) -> list[Observed]:
        seen: list[Observed] = []
        after_ack = 0
        while not stop.is_set() or after_ack < READS_AFTER_ACK:
            sent = time.monotonic()
            response = http.call("GET", path)
            value = response.json().get(field) if response.is_success else None
            seen.append(Observed(sent, response.status_code, value))
            after_ack += bool(acked) and sent > acked[0]
        return seen

    with ThreadPoolExecutor(READERS) as pool:
        for burst in range(BURSTS):
            stop, acked = threading.Event(), list[float]()
            readers = [pool.submit(reader, stop, acked) for _ in range(READERS)]
            last = ""
            try:
                for n in range(PATCHES_PER_BURST):
                    last = f"p9 race {burst}.{n}"
                    response = http.call("PATCH", path, json={field: last})
                    assert response.status_code == 200, f"PATCH {path} answered {response.status_code}: {response.text}"
            finally:
                acked.append(time.monotonic())
                stop.set()
            observed = [o for future in readers for o in future.result()]
            late = [o for o in observed if o.sent > acked[0]]
            stale = [o for o in late if o.status != 200 or o.value != last]
            assert not stale, (
                f"stale read: {len(stale)} of {len(late)} GET {path} sent after PATCH {field}={last!r} was "
                f"acknowledged (burst {burst + 1}, {len(observed)} reads raced {PATCHES_PER_BURST} PATCHes) served "
                f"{sorted({(o.status, o.value) for o in stale}, key=str)[:5]}"
            )
            for _ in range(3):
                again = http.call("GET", path)
                assert again.status_code == 200 and again.json().get(field) == last, (
                    f"stale read: GET {path} served {field}={again.json().get(field)!r}, the last PATCH wrote {last!r}"
                )
