"""E4 (http): requests carrying the same ``Idempotency-Key`` create one resource.

The operations under test are the POSTs on a list operation's path that document an
``Idempotency-Key`` header in the OpenAPI document (none documented: nothing to check).
Per example, with a key and a title of the example's own:

- the same key and body sent again gets the first response back (status and JSON body)
  and the list holds exactly one item with that title;
- the same key with a different body gets 422 and creates nothing;
- ``CONCURRENT`` identical requests with a fresh key, sent at once: each answers the
  first response or 409, at least one answers it, and exactly one item exists.

Items are counted by their unique title through the list operation (paged walk), so
nothing but HTTP and the document is needed.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from properties.http.budget import over_http
from properties.http.data import all_items
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

HEADER = "Idempotency-Key"
#: Identical requests sent at once in the concurrent half.
CONCURRENT = 4
#: The status of a request refused because its twin is still in progress.
IN_PROGRESS = 409

#: Keys as clients send them: printable ASCII (no spaces at the ends), up to 64 characters.
key_stems = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=48)
#: Unicode the title may carry besides the example's own marker.
title_words = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)


def idempotent_creates(http: HttpTarget) -> list[tuple[Operation, Operation]]:
    """(list operation, its create operation) pairs whose create documents the header."""
    pairs = []
    for listing in http.api.list_operations(http.settings):
        create = http.api.create_operation(listing)
        if create is None:
            continue
        parameters = [http.api.resolve(p) for p in create.spec.get("parameters", ())]
        if any(p.get("in") == "header" and str(p.get("name", "")).lower() == HEADER.lower() for p in parameters):
            pairs.append((listing, create))
    return pairs


def _body(http: HttpTarget, create: Operation, title: str, variant: int = 0) -> dict[str, Any]:
    body = http.api.example_body(create, text=title)
    for name in ("title", "name"):
        if name in body:
            body[name] = title
    if "description" in body or variant:
        body["description"] = f"gauntlet E4 body variant {variant}"
    return body


def _post(http: HttpTarget, path: str, key: str, body: dict[str, Any]) -> httpx.Response:
    return http.call("POST", path, json=body, headers={HEADER: key})


def _copies(http: HttpTarget, listing: Operation, title: str) -> int:
    return sum(1 for item in all_items(http, listing) if item.get("title", item.get("name")) == title)


def _same_response(first: httpx.Response, other: httpx.Response) -> bool:
    return other.status_code == first.status_code and other.json() == first.json()


def check_request_deduplication(http: HttpTarget) -> list[str]:
    """E4 on every documented idempotent create; returns their labels (empty: none documented)."""
    pairs = idempotent_creates(http)
    for listing, create in pairs:
        _check_one(http, listing, create)
    return [create.label for _, create in pairs]


def _check_one(http: HttpTarget, listing: Operation, create: Operation) -> None:
    path = create.path

    @over_http()
    @given(stem=key_stems, words=title_words)
    def the_same_key_creates_one_resource(stem: str, words: str) -> None:
        nonce = secrets.token_hex(4)
        key, title = f"{stem}-{nonce}", f"E4 {nonce} {words}".strip()
        body = _body(http, create, title)
        first = _post(http, path, key, body)
        assert first.status_code in (200, 201), f"{create.label} answered {first.status_code}: {first.text[:300]}"
        again = _post(http, path, key, body)
        assert _same_response(first, again), (
            f"{create.label} with the same {HEADER} and body answered {again.status_code} {again.text[:200]!r}, "
            f"not the first response {first.status_code} {first.text[:200]!r}"
        )
        other = _post(http, path, key, _body(http, create, title, variant=1))
        assert other.status_code == 422, (
            f"{create.label} with a reused {HEADER} and a different body answered {other.status_code}, "
            f"expected 422: {other.text[:200]!r}"
        )
        copies = _copies(http, listing, title)
        assert copies == 1, f"{create.label} sent 3 times with one {HEADER} created {copies} resources"

        key, title = f"{stem}-{nonce}-c", f"E4 {nonce} concurrent {words}".strip()
        body = _body(http, create, title)
        with ThreadPoolExecutor(CONCURRENT) as pool:
            answers = list(pool.map(lambda _: _post(http, path, key, body), range(CONCURRENT)))
        created = [a for a in answers if a.status_code in (200, 201)]
        statuses = sorted(a.status_code for a in answers)
        assert created, f"{CONCURRENT} concurrent identical {create.label} answered {statuses}, none created"
        assert all(a.status_code == IN_PROGRESS or _same_response(created[0], a) for a in answers), (
            f"{CONCURRENT} concurrent identical {create.label} answered {statuses}: each must be the first "
            f"response or {IN_PROGRESS}; bodies {[a.text[:80] for a in answers]}"
        )
        copies = _copies(http, listing, title)
        assert copies == 1, f"{CONCURRENT} concurrent {create.label} with one {HEADER} created {copies} resources"

    the_same_key_creates_one_resource()
