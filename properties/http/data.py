"""Items of the properties' own account in a list operation: created through the API."""

from __future__ import annotations

from typing import Any

from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: A description long enough that a few items exceed a 1 KiB compression threshold.
FILLER = "Gauntlet property data: " + "the quick brown fox jumps over the lazy dog. " * 3


def create_item(http: HttpTarget, list_operation: Operation, label: str = "item") -> dict[str, Any]:
    create = http.api.create_operation(list_operation)
    if create is None:
        raise AssertionError(f"{list_operation.label}: no POST on the same path to create items with")
    body = http.api.example_body(create, text=label)
    for name in ("title", "name", "description"):
        if name in body and isinstance(body[name], str):
            body[name] = f"{label} {FILLER}" if name == "description" else f"{label}"
    response = http.call("POST", list_operation.path, json=body)
    assert response.status_code in (200, 201), (
        f"POST {list_operation.path} answered {response.status_code}: {response.text[:300]}"
    )
    created: dict[str, Any] = response.json()
    return created


def all_items(http: HttpTarget, list_operation: Operation, page_size: int = 100) -> list[dict[str, Any]]:
    """Every item of the list, following ``next_cursor``."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10_000):
        params: dict[str, Any] = {"limit": page_size}
        if cursor is not None:
            params["cursor"] = cursor
        response = http.call("GET", list_operation.path, params=params)
        assert response.status_code == 200, f"GET {list_operation.path} answered {response.status_code}"
        page = response.json()
        items += page["items"]
        cursor = page.get("next_cursor")
        if cursor is None:
            return items
    raise AssertionError(f"{list_operation.path}: more than 10000 pages, the cursor chain does not end")


def ensure_items(http: HttpTarget, list_operation: Operation, count: int) -> list[dict[str, Any]]:
    """At least ``count`` items in the list (creating the missing ones); returns them all.

    A list without a documented create operation (items made elsewhere, e.g. by a job)
    is used with the items it has.
    """
    items = all_items(http, list_operation)
    if http.api.create_operation(list_operation) is None:
        return items
    for index in range(len(items), count):
        create_item(http, list_operation, label=f"seed-{index}")
    return all_items(http, list_operation) if len(items) < count else items
