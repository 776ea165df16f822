"""21 (component part): the configured ``RequestMetrics`` middleware, in process.

The middleware is wrapped around a small Starlette app of templated routes (one answers
404 by itself, one fails with an exception) and driven through httpx's ASGI transport by
Hypothesis-chosen request sequences: known templates with random ids, wrong methods and
random unknown paths. After each sequence, against the exposition before it:

- each request added exactly one to ``http_requests_total{method,route,status}`` under the
  route TEMPLATE it matched (and the status it got), and one observation to
  ``http_request_duration_seconds{method,route}``;
- requests no route matched share at most one ``route`` value (e.g. ``unmatched``): random
  paths never create new label values.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gauntlet.components.protocols import RequestMetrics

REQUESTS = "http_requests_total"
DURATION_COUNT = "http_request_duration_seconds_count"
#: At most this many label values may stand for "no route matched".
MAX_UNMATCHED_LABELS = 1

ITEM = "/items/{item_id}"
FAIL = "/items/{item_id}/fail"
MEMBER = "/teams/{team}/members/{member_id}"
TEMPLATES = (ITEM, FAIL, MEMBER)


async def _item(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["item_id"]})


async def _fail(request: Request) -> Response:
    raise RuntimeError("deliberate failure: the metrics must count the 500 once")


async def _member(request: Request) -> Response:
    # Answers 404 itself: a matched route with an error status keeps its template.
    return JSONResponse({"detail": "no such member"}, status_code=404)


def probe_app() -> Starlette:
    return Starlette(
        routes=[
            Route(ITEM, _item, methods=["GET", "DELETE"]),
            Route(FAIL, _fail, methods=["GET", "POST"]),
            Route(MEMBER, _member, methods=["GET"]),
        ]
    )


segment = st.text(
    st.characters(min_codepoint=ord("0"), max_codepoint=ord("z"), categories=("Ll", "Nd")), min_size=1, max_size=8
)
#: (method, path, expected route template or None for "no route", expected status).
ProbeRequest = tuple[str, str, str | None, int]
requests = st.one_of(
    st.tuples(st.sampled_from(["GET", "DELETE"]), segment).map(lambda r: (r[0], f"/items/{r[1]}", ITEM, 200)),
    st.tuples(st.sampled_from(["PUT", "PATCH"]), segment).map(lambda r: (r[0], f"/items/{r[1]}", ITEM, 405)),
    st.tuples(st.sampled_from(["GET", "POST"]), segment).map(lambda r: (r[0], f"/items/{r[1]}/fail", FAIL, 500)),
    st.tuples(segment, segment).map(lambda r: ("GET", f"/teams/{r[0]}/members/{r[1]}", MEMBER, 404)),
    st.tuples(st.sampled_from(["GET", "POST"]), st.lists(segment, min_size=1, max_size=3)).map(
        lambda r: (r[0], "/nope/" + "/".join(r[1]), None, 404)
    ),
)

Samples = dict[tuple[str, ...], float]


def read(metrics: RequestMetrics) -> tuple[Samples, Samples]:
    counts: Samples = {}
    durations: Samples = {}
    for family in text_string_to_metric_families(metrics.exposition()):
        for sample in family.samples:
            if sample.name == REQUESTS:
                counts[(sample.labels["method"], sample.labels["route"], sample.labels["status"])] = sample.value
            elif sample.name == DURATION_COUNT:
                durations[(sample.labels["method"], sample.labels["route"])] = sample.value
    return counts, durations


def _added(before: Samples, after: Samples) -> Counter[tuple[str, ...]]:
    return Counter({key: int(after[key] - before.get(key, 0.0)) for key in after if after[key] != before.get(key, 0.0)})


async def _send_all(app: object, sequence: list[ProbeRequest]) -> list[int]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://component.test") as client:
        return [(await client.request(method, path)).status_code for method, path, _, _ in sequence]


def check_request_metrics(build: Callable[[], RequestMetrics]) -> None:
    """21: one count and one duration per request, by template; unknown paths add no label."""

    @settings(report_multiple_bugs=False)
    @given(sequence=st.lists(requests, min_size=1, max_size=12))
    def counted_once_by_template(sequence: list[ProbeRequest]) -> None:
        metrics = build()
        app = metrics.wrap(probe_app())
        counts_before, durations_before = read(metrics)
        statuses = asyncio.run(_send_all(app, sequence))
        assert statuses == [status for *_, status in sequence], (
            f"the probe app answered {statuses}, expected {[s for *_, s in sequence]}: the wrapped app changed answers"
        )
        counts_after, durations_after = read(metrics)
        counts, durations = _added(counts_before, counts_after), _added(durations_before, durations_after)
        sent = [f"{m} {p}" for m, p, _, _ in sequence]
        unmatched_labels = {route for _, route, _ in counts if route not in TEMPLATES}
        assert len(unmatched_labels) <= MAX_UNMATCHED_LABELS, (
            f"requests {sent} created route label values {sorted(unmatched_labels)}: raw paths as labels"
        )
        unmatched = next(iter(unmatched_labels), None)
        expected = Counter((m, route or str(unmatched), str(status)) for m, _, route, status in sequence)
        assert counts == expected, (
            f"requests {sent} added {dict(counts)} to {REQUESTS}, expected exactly {dict(expected)}"
        )
        expected_durations = Counter((m, route or str(unmatched)) for m, _, route, _ in sequence)
        assert durations == expected_durations, (
            f"requests {sent} added {dict(durations)} observations to {DURATION_COUNT}, "
            f"expected exactly {dict(expected_durations)}"
        )

    counted_once_by_template()
