"""10 (http): cache failure fallback, seen over HTTP, for a target whose Redis the harness
controls (an app process the test started on a PRIVATE redis-server; never a --target's
Redis, which the harness cannot stop: the test says so and does not run).

With the target's Redis made to fail (``CacheOutage.break_``: e.g. SIGSTOP, every reply
slower than the app's cache timeout):

- reads of an item, the list and the aggregates answer 200 with the bodies they had before;
- create, update and delete succeed, and the reads after them reflect them (property 9
  holds without the cache);
- the metrics' cache error counter (``cache_operations_total{result="error"}``) went up;

and once Redis answers again (``heal``), within ``RECOVERY_BOUND_S``, repeated reads of
one item are counted as cache hits again, and no read ever serves the item as it was
before the update made during the outage.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from properties.examples import scaled_examples
from properties.http.budget import NO_SHRINK
from properties.http.cache_consistency import Reads, discover
from properties.http.data import create_item
from properties.http.target import HttpTarget

#: The counter of cache lookups by ``result`` (hit, miss, error), as the reference app names it.
CACHE_OPERATIONS = "cache_operations_total"
#: Seconds caching gets to resume after Redis answers again (reconnects, a breaker's pause).
RECOVERY_BOUND_S = 10.0
RECOVERY_POLL_S = 0.2
#: Each example pauses and resumes Redis and waits for caching to resume: a fifth of the profile.
EXAMPLES_DIVISOR = 5
#: Values the PATCH writes during an outage (printable, what a title or description holds).
written_values = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc")),
                         min_size=1, max_size=60).filter(str.strip)  # fmt: skip


class CacheOutage(Protocol):
    """Makes the target's cache dependency fail, and answer again."""

    description: str

    def break_(self) -> None: ...

    def heal(self) -> None: ...


def cache_results(http: HttpTarget) -> dict[str, float]:
    """``cache_operations_total`` by ``result``, scraped from the metrics endpoint."""
    response = http.call("GET", http.settings.metrics_path, auth=False)
    assert response.status_code == 200, f"GET {http.settings.metrics_path} answered {response.status_code}"
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == CACHE_OPERATIONS and "result" in sample.labels:
                found[sample.labels["result"]] = found.get(sample.labels["result"], 0.0) + sample.value
    assert "error" in found, (
        f'{http.settings.metrics_path} exports no {CACHE_OPERATIONS}{{result="error"}}: cache failures are not counted'
    )
    return found


def _json(http: HttpTarget, path: str) -> Any:
    response = http.call("GET", path)
    assert response.status_code == 200, f"GET {path} answered {response.status_code}: {response.text[:300]}"
    return response.json()


def check_cache_failure_fallback(http: HttpTarget, outage: CacheOutage) -> None:
    """10: correct answers from the database while the cache fails; caching resumes after.

    Each Hypothesis example is one outage: a fresh item read into the cache, then, with
    the cache failing, reads, a PATCH writing the drawn value and the drawn number of
    creates (each deleted again), then recovery after ``heal``.
    """
    ep = discover(http)
    reads = Reads(http, ep)
    field = next((name for name, values in ep.fields.items() if values is None), None)
    assert field is not None, f"{ep.item_patch.label} documents no free string field to write a value to"

    @settings(max_examples=scaled_examples(EXAMPLES_DIVISOR), phases=NO_SHRINK)
    @given(value=written_values, creates=st.integers(1, 2))
    def answers_stay_correct_through_an_outage(value: str, creates: int) -> None:
        updated = _outage_round(http, outage, reads, ep, field=field, value=value, creates=creates)
        _caching_resumes(http, outage, ep.item_path(str(updated["id"])), updated)

    answers_stay_correct_through_an_outage()


def _outage_round(
    http: HttpTarget, outage: CacheOutage, reads: Reads, ep: Any, *, field: str, value: str, creates: int
) -> dict[str, Any]:
    """One outage: every answer during it is the database's; returns the item as updated."""
    item = create_item(http, ep.list_op, label="p10")
    item_id = str(item["id"])
    path = ep.item_path(item_id)
    before_outage = reads.warm([item_id, item_id])
    cached_body = _json(http, path)
    counted = cache_results(http)

    outage.break_()
    try:
        during = f"with {outage.description}"
        assert _json(http, path) == cached_body, f"GET {path} {during} differs from the body before"
        reads.reflect(f"the creation, read {during}", item, item_id)
        assert reads.aggregates() == before_outage, f"the aggregates {during} differ from the ones before"

        response = http.call("PATCH", path, json={field: value})
        assert response.status_code == 200, f"PATCH {path} {during} answered {response.status_code}: {response.text}"
        updated: dict[str, Any] = response.json()
        reads.reflect(f"PATCH {path} {during}", updated, item_id)

        for _ in range(creates):
            other = create_item(http, ep.list_op, label="p10 created during the outage")
            other_id = str(other["id"])
            reads.reflect(f"a create {during}", other, other_id)
            response = http.call("DELETE", ep.item_path(other_id))
            assert response.status_code in (200, 202, 204), f"DELETE {during} answered {response.status_code}"
            reads.reflect(f"a delete {during}", None, other_id)
        reads.aggregates_moved(before_outage, 0, [], f"{creates} create(s) and delete(s) {during}")

        errors = cache_results(http)["error"] - counted["error"]
        assert errors >= 1, (
            f'{CACHE_OPERATIONS}{{result="error"}} did not move over the reads {during}: the failures went uncounted'
        )
    finally:
        outage.heal()
    return updated


def _caching_resumes(http: HttpTarget, outage: CacheOutage, path: str, updated: dict[str, Any]) -> None:
    """Within RECOVERY_BOUND_S reads count cache hits again, never serving the pre-outage item."""
    deadline = time.monotonic() + RECOVERY_BOUND_S
    while True:
        hits = cache_results(http).get("hit", 0.0)
        for _ in range(2):
            served = _json(http, path)
            stale = {k: (served.get(k), v) for k, v in updated.items() if served.get(k) != v}
            assert not stale, (
                f"after {outage.description} ended, GET {path} served (served, written during the outage) {stale}: "
                "an entry cached before the outage outlived the update's invalidation"
            )
        if cache_results(http).get("hit", 0.0) > hits:
            return
        if time.monotonic() > deadline:
            raise AssertionError(
                f"caching did not resume within {RECOVERY_BOUND_S} s after {outage.description} ended: repeated "
                f'GET {path} never counted a {CACHE_OPERATIONS}{{result="hit"}} (results now {cache_results(http)})'
            )
        time.sleep(RECOVERY_POLL_S)
