"""Cursor pagination over HTTP: 4 (walks see every row once, bad cursors are 4xx),
13 (every list operation takes ``limit``/``cursor`` and enforces its bounds) and
14 (page metadata: ``items``, ``limit``, ``next_cursor``, ``has_more``, ``links.next``).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from properties.cursors import tampered
from properties.http.budget import over_http
from properties.http.data import all_items, create_item, ensure_items
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: Items the walks work over: enough for several pages at the generated sizes.
MIN_ITEMS = 12
#: Statuses a refused cursor may get.
CURSOR_REFUSED = (400, 422)


def list_operations(http: HttpTarget) -> list[Operation]:
    operations = http.api.list_operations(http.settings)
    assert operations, (
        "the OpenAPI document has no list operation (a GET answering an object with an array 'items'); "
        "name them in [properties] list_operations"
    )
    return operations


def declared_limit_bounds(operation: Operation) -> tuple[int, int]:
    parameter = operation.parameter("limit")
    assert parameter is not None, f"{operation.label} does not document a 'limit' query parameter"
    schema = parameter.get("schema", {})
    maximum = schema.get("maximum")
    assert isinstance(maximum, int), f"{operation.label}: 'limit' documents no integer maximum ({schema})"
    minimum = schema.get("minimum", 1)
    return int(minimum), maximum


def get_page(http: HttpTarget, operation: Operation, **params: Any) -> dict[str, Any]:
    response = http.call("GET", operation.path, params={k: v for k, v in params.items() if v is not None})
    assert response.status_code == 200, (
        f"GET {operation.path} {params} answered {response.status_code}: {response.text[:300]}"
    )
    page: dict[str, Any] = response.json()
    return page


def sort_key(item: dict[str, Any], order: Sequence[str]) -> tuple[Any, ...]:
    return tuple(item[field.lstrip("-")] for field in order)


def in_declared_order(items: list[dict[str, Any]], order: Sequence[str]) -> bool:
    """Strictly ordered by the declared keys (``-`` = descending), compared as JSON values."""
    for before, after in itertools.pairwise(items):
        for field in order:
            name, descending = field.lstrip("-"), field.startswith("-")
            a, b = before.get(name), after.get(name)
            if a == b:
                continue
            if (a > b) != descending:  # type: ignore[operator]
                return False
            break
        else:
            return False  # equal on every key: a duplicate
    return True


# ---------------------------------------------------------------- property 13


def check_pagination_support(http: HttpTarget) -> None:
    """Every list operation takes limit and cursor, serves <= limit items, refuses bad limits with 422."""
    operations = list_operations(http)
    for operation in operations:
        assert operation.parameter("cursor") is not None, f"{operation.label} does not document a 'cursor' parameter"
        declared_limit_bounds(operation)
        ensure_items(http, operation, MIN_ITEMS)
    bounds = {op.label: declared_limit_bounds(op) for op in operations}

    @over_http()
    @given(operation=st.sampled_from(operations), data=st.data())
    def pages_hold_at_most_limit_items(operation: Operation, data: st.DataObject) -> None:
        low, high = bounds[operation.label]
        limit = data.draw(st.integers(low, min(high, MIN_ITEMS + 3)), label="limit")
        items = get_page(http, operation, limit=limit)["items"]
        assert len(items) <= limit, f"{operation.label}?limit={limit} served {len(items)} items"

    bad_limits = st.one_of(
        st.integers(max_value=0).map(str), st.integers(min_value=1).map(str),
        st.sampled_from(["abc", "1.5", "", "1e3", "-", "0x10", "٣"]),
    )  # fmt: skip

    @over_http()
    @given(operation=st.sampled_from(operations), limit=bad_limits)
    def out_of_range_limits_are_422(operation: Operation, limit: str) -> None:
        low, high = bounds[operation.label]
        if limit.isascii() and limit.lstrip("-").isdigit() and low <= int(limit) <= high:
            return  # an in-range limit
        response = http.call("GET", operation.path, params={"limit": limit})
        assert response.status_code == 422, f"{operation.label}?limit={limit!r} answered {response.status_code}"

    pages_hold_at_most_limit_items()
    out_of_range_limits_are_422()


# ---------------------------------------------------------------- property 14


def check_pagination_metadata(http: HttpTarget) -> None:
    """Every page: items, limit, next_cursor (null iff last), has_more (iff next_cursor), links.next."""
    operations = list_operations(http)
    totals = {op.label: len(ensure_items(http, op, MIN_ITEMS)) for op in operations}

    @over_http()
    @given(operation=st.sampled_from(operations), limit=st.integers(1, MIN_ITEMS + 2))
    def every_page_describes_the_next(operation: Operation, limit: int) -> None:
        page = get_page(http, operation, limit=limit)
        seen = 0
        for _ in range(totals[operation.label] + 2):
            missing = [key for key in ("items", "limit", "next_cursor", "has_more", "links") if key not in page]
            assert not missing, f"{operation.label}?limit={limit}: page lacks {missing}"
            assert page["limit"] == limit, f"page says limit {page['limit']}, asked {limit}"
            assert page["has_more"] is (page["next_cursor"] is not None), (
                f"has_more={page['has_more']} but next_cursor={page['next_cursor']!r}"
            )
            seen += len(page["items"])
            links = page["links"]
            assert isinstance(links, dict) and "next" in links, f"links {links!r} has no 'next'"
            if page["next_cursor"] is None:
                assert links["next"] is None, f"last page links to {links['next']!r}"
                break
            assert len(page["items"]) == limit, f"a page before the last has {len(page['items'])} < {limit} items"
            assert isinstance(links["next"], str) and links["next"], f"links.next is {links['next']!r}"
            by_cursor = get_page(http, operation, limit=limit, cursor=page["next_cursor"])
            response = http.call("GET", links["next"])
            assert response.status_code == 200, f"links.next {links['next']} answered {response.status_code}"
            assert response.json()["items"] == by_cursor["items"], "links.next does not return the next page"
            page = by_cursor
        assert seen == totals[operation.label], (
            f"walking {operation.label} with limit {limit} saw {seen} items of {totals[operation.label]}: "
            "next_cursor was null before the last page (or never)"
        )

    every_page_describes_the_next()


# ---------------------------------------------------------------- property 4


@dataclass(frozen=True)
class Step:
    """Between two page requests: create ``inserts`` items, delete the listed snapshot rows."""

    inserts: int
    deletes: tuple[int, ...]


steps = st.builds(Step, inserts=st.integers(0, 2), deletes=st.lists(st.integers(0, 10_000), max_size=2).map(tuple))


def check_cursor_walk(http: HttpTarget) -> None:
    """Following next_cursor sees every row of the start exactly once, in order, despite writes."""
    operations = list_operations(http)
    order = http.settings.list_order

    @over_http()
    @given(
        operation=st.sampled_from(operations),
        extra=st.integers(0, 8),
        limit=st.integers(1, 6),
        between=st.lists(steps, max_size=8),
    )
    def walks_see_every_row_once(operation: Operation, extra: int, limit: int, between: list[Step]) -> None:
        delete = http.api.item_operation(operation, "DELETE")
        seedable = http.api.create_operation(operation) is not None
        for index in range(extra if seedable else 0):
            create_item(http, operation, label=f"walk-{index}")
        snapshot = all_items(http, operation)
        ids = [item["id"] for item in snapshot]
        deleted: set[Any] = set()
        served: list[dict[str, Any]] = []
        cursor: str | None = None
        for turn in range(len(snapshot) + len(between) + 2):
            page = get_page(http, operation, limit=limit, cursor=cursor)
            served += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                break
            step = between[turn] if turn < len(between) else None
            if step is None:
                continue
            for _ in range(step.inserts if seedable else 0):
                create_item(http, operation, label="inserted")
            if delete is not None and ids:
                for pick in step.deletes:
                    victim = ids[pick % len(ids)]
                    if victim not in deleted:
                        http.call("DELETE", delete.path.replace(delete.path[delete.path.rindex("{") :], str(victim)))
                        deleted.add(victim)
        served_ids = [item["id"] for item in served]
        duplicates = sorted({i for i in served_ids if served_ids.count(i) > 1})
        assert not duplicates, f"rows served twice: {duplicates}"
        missing = [i for i in ids if i not in deleted and i not in served_ids]
        assert not missing, f"rows that existed at the start and were never deleted, not served: {missing}"
        if all(field.lstrip("-") in item for item in served for field in order):
            assert in_declared_order(served, order), f"rows not in the declared order {order}: {served_ids}"
        # Keep the data set bounded: drop what this example added beyond the seed rows.
        if delete is not None:
            for item in all_items(http, operation)[: -MIN_ITEMS or None]:
                http.call("DELETE", delete.path.replace(delete.path[delete.path.rindex("{") :], str(item["id"])))

    walks_see_every_row_once()


def check_bad_cursors_are_refused(http: HttpTarget) -> None:
    """A tampered or malformed cursor answers 400/422, never 5xx (and never a page)."""
    operations = list_operations(http)
    cursors = {}
    for operation in operations:
        ensure_items(http, operation, 3)
        if len(all_items(http, operation)) < 2:
            continue  # no second page to get a cursor for (nothing can be created here)
        cursors[operation.label] = get_page(http, operation, limit=1)["next_cursor"]
        assert cursors[operation.label], f"{operation.label}?limit=1 has items but no next_cursor"
    operations = [op for op in operations if op.label in cursors]
    assert operations, "no list operation has two items to page through"

    @over_http()
    @given(operation=st.sampled_from(operations), data=st.data())
    def bad_cursors_are_4xx(operation: Operation, data: st.DataObject) -> None:
        cursor = data.draw(tampered(cursors[operation.label]), label="cursor")
        response = http.call("GET", operation.path, params={"limit": 1, "cursor": cursor})
        assert response.status_code in CURSOR_REFUSED, f"cursor {cursor!r} answered {response.status_code}"

    bad_cursors_are_4xx()
