"""16: cacheable GETs carry ``Cache-Control: max-age`` and a strong ETag, answer a matching
``If-None-Match`` with an empty 304, change ETag when the resource changes; mutations,
errors and token responses say ``no-store``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.data import create_item, ensure_items
from properties.http.openapi import Operation
from properties.http.pagination import list_operations
from properties.http.probes import fill_path, fresh_id
from properties.http.target import HttpTarget, patient_request

#: A strong entity tag (RFC 9110 §8.8.3): quoted, no ``W/``.
STRONG_ETAG = re.compile(r'"[\x21\x23-\x7e\x80-\xff]*"')


def directives(response: httpx.Response) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in response.headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name:
            found[name.lower()] = value
    return found


@dataclass(frozen=True)
class Cacheable:
    """A GET to check, and how to change what it returns (None: it cannot be changed here)."""

    operation: Operation
    path: str
    change: str  # "create" (a new list item), "update" (this item), "none"


def candidates(http: HttpTarget) -> list[Cacheable]:
    found: list[Cacheable] = []
    for operation in list_operations(http):
        items = ensure_items(http, operation, 2)
        seedable = http.api.create_operation(operation) is not None
        found.append(Cacheable(operation, operation.path, "create" if seedable else "none"))
        item_get = http.api.item_operation(operation, "GET")
        updatable = any(
            op.method in ("PATCH", "PUT") for op in http.api.operations() if item_get and op.path == item_get.path
        )
        if item_get is not None and items:
            path = fill_path(item_get.path, str(items[0]["id"]))
            found.append(Cacheable(item_get, path, "update" if updatable else "none"))
    listed = {c.operation.label for c in found}
    for operation in http.api.operations():
        if operation.method == "GET" and not operation.has_path_parameters and operation.label not in listed:
            found.append(Cacheable(operation, operation.path, "none"))
    return found


def cacheable_gets(http: HttpTarget) -> list[Cacheable]:
    """Configured ones (which must be cacheable), else every candidate not answering no-store."""
    configured = http.settings.cacheable_operations
    every = candidates(http)
    if configured is not None:
        chosen = [c for c in every if c.operation.label in configured]
        unknown = set(configured) - {c.operation.label for c in chosen}
        assert not unknown, f"[properties] cacheable_operations names operations not found or not reachable: {unknown}"
        return chosen
    found = []
    for candidate in every:
        response = http.call("GET", candidate.path)
        if response.status_code == 200 and "no-store" not in directives(response):
            found.append(candidate)
    assert found, (
        "no GET answers a cacheable response (every 200 says no-store): R3.6 expects cacheable reads; "
        "list them in [properties] cacheable_operations, or set it to [] if the API caches nothing"
    )
    return found


def _change(http: HttpTarget, cacheable: Cacheable) -> None:
    if cacheable.change == "create":
        create_item(http, cacheable.operation, label="etag-change")
    elif cacheable.change == "update":
        update = next(
            (
                op
                for op in http.api.operations()
                if op.path == cacheable.operation.path and op.method in ("PATCH", "PUT")
            ),
            None,
        )
        assert update is not None
        body = http.api.example_body(update, text="etag")
        body = {"title": f"changed {fresh_id()}"} if "title" in str(http.api.request_body_schema(update)) else body
        response = http.call(update.method, cacheable.path, json=body)
        assert response.is_success, f"{update.method} {cacheable.path} answered {response.status_code}"


def check_cacheable_responses(http: HttpTarget) -> None:
    gets = cacheable_gets(http)

    @over_http()
    @given(cacheable=st.sampled_from(gets), quoting=st.sampled_from(["exact", "weak", "list", "star"]))
    def validators_and_304(cacheable: Cacheable, quoting: str) -> None:
        first = http.call("GET", cacheable.path)
        assert first.status_code == 200, f"GET {cacheable.path} answered {first.status_code}"
        cache_control = directives(first)
        assert "max-age" in cache_control, f"GET {cacheable.path}: Cache-Control {first.headers.get('cache-control')!r}"
        etag = first.headers.get("etag")
        assert etag and STRONG_ETAG.fullmatch(etag), f"GET {cacheable.path}: ETag {etag!r} is not a strong tag"
        condition = {"exact": etag, "weak": f"W/{etag}", "list": f'"gauntlet-other", {etag}', "star": "*"}[quoting]
        again = http.call("GET", cacheable.path, headers={"If-None-Match": condition})
        assert again.status_code == 304, f"GET {cacheable.path} If-None-Match: {condition} answered {again.status_code}"
        assert again.content == b"", f"the 304 has a body: {again.content[:100]!r}"
        assert again.headers.get("etag") == etag, f"the 304 carries ETag {again.headers.get('etag')!r}, not {etag}"
        other = http.call("GET", cacheable.path, headers={"If-None-Match": '"gauntlet-no-such-tag"'})
        assert other.status_code == 200, f"a non-matching If-None-Match answered {other.status_code}"
        if cacheable.change != "none":
            _change(http, cacheable)
            after = http.call("GET", cacheable.path, headers={"If-None-Match": etag})
            assert after.status_code == 200, f"after a change, the old ETag still answers {after.status_code}"
            assert after.headers.get("etag") != etag, f"GET {cacheable.path}: the ETag did not change with the content"

    validators_and_304()


def check_uncacheable_responses(http: HttpTarget) -> None:
    """Mutations, errors and token responses: ``Cache-Control: no-store``."""
    operations = [op for op in list_operations(http) if http.api.create_operation(op) is not None]
    assert operations, "no list operation with a create operation to mutate"
    login = http.settings.login
    kinds = ["create", "update", "delete", "not_found", "unauthenticated", "invalid", "random_path"]
    if login is not None and http.account.login_body:
        kinds.append("token")

    @over_http()
    @given(operation=st.sampled_from(operations), kind=st.sampled_from(kinds))
    def never_stored(operation: Operation, kind: str) -> None:
        item_path = None
        item_get = http.api.item_operation(operation, "GET")
        if kind in ("update", "delete") and item_get is not None:
            item_path = fill_path(item_get.path, str(create_item(http, operation, label="no-store")["id"]))
        if kind == "create":
            response = http.call("POST", operation.path, json=http.api.example_body(
                http.api.create_operation(operation) or operation))  # fmt: skip
        elif kind == "update" and item_path:
            response = http.call("PATCH", item_path, json={})
        elif kind == "delete" and item_path:
            response = http.call("DELETE", item_path)
        elif kind == "not_found" and item_get is not None:
            response = http.call("GET", fill_path(item_get.path, fresh_id()))
        elif kind == "unauthenticated":
            response = http.call("GET", operation.path, auth=False)
        elif kind == "invalid":
            response = http.call("GET", operation.path, params={"limit": "-1"})
        elif kind == "token" and login is not None:
            response = patient_request(http.client, login.method, login.path, json=dict(http.account.login_body))
        else:
            response = http.call("GET", f"/gauntlet-nowhere/{fresh_id()}")
        assert "no-store" in directives(response), (
            f"{kind}: {response.request.method} {response.request.url.path} answered {response.status_code} "
            f"with Cache-Control {response.headers.get('cache-control')!r}"
        )

    never_stored()
