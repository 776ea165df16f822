"""15: ``fields=a,b`` returns exactly those fields plus ``id`` with the unfiltered values;
an unknown field is a 422 naming the allowed fields.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.data import ensure_items
from properties.http.openapi import Operation
from properties.http.pagination import get_page, list_operations
from properties.http.target import HttpTarget

ITEMS = 5


def item_fields(http: HttpTarget, operation: Operation) -> list[str]:
    page = http.api.response_schema(operation)
    assert page is not None
    items = http.api.resolve(page["properties"]["items"])
    schema: Any = http.api.resolve(items.get("items", {}))
    fields = list(schema.get("properties", {}))
    assert fields, f"{operation.label}: the item schema lists no properties"
    return fields


def check_field_filtering(http: HttpTarget) -> None:
    operations = [op for op in list_operations(http) if op.parameter("fields") is not None]
    assert operations, "no list operation documents a 'fields' parameter (R3.4 field filtering)"
    allowed = {op.label: item_fields(http, op) for op in operations}
    for operation in operations:
        ensure_items(http, operation, ITEMS)

    @over_http()
    @given(operation=st.sampled_from(operations), data=st.data())
    def exactly_the_requested_fields(operation: Operation, data: st.DataObject) -> None:
        names = allowed[operation.label]
        chosen = data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True), label="fields")
        full = get_page(http, operation, limit=ITEMS)["items"]
        filtered = get_page(http, operation, limit=ITEMS, fields=",".join(chosen))["items"]
        assert [i["id"] for i in filtered] == [i["id"] for i in full], "fields= changed which items are served"
        expected = set(chosen) | {"id"}
        for whole, part in zip(full, filtered, strict=True):
            assert set(part) == expected, f"fields={','.join(chosen)} served {sorted(part)}"
            different = {k: (v, whole.get(k)) for k, v in part.items() if whole.get(k) != v}
            assert not different, f"filtered values differ from the unfiltered ones: {different}"

    unknown = st.from_regex(r"[a-z_]{1,20}", fullmatch=True)

    @over_http()
    @given(operation=st.sampled_from(operations), name=unknown, data=st.data())
    def unknown_fields_are_422(operation: Operation, name: str, data: st.DataObject) -> None:
        names = allowed[operation.label]
        if name in names:
            return
        known = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True), label="known")
        value = ",".join([*known, name])
        response = http.call("GET", operation.path, params={"fields": value})
        assert response.status_code == 422, f"fields={value!r} answered {response.status_code}"
        missing = [n for n in names if n not in response.text]
        assert not missing, f"fields={value!r}: the 422 does not name the allowed fields {missing}"

    exactly_the_requested_fields()
    unknown_fields_are_422()
