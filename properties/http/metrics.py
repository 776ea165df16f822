"""21 (http part): each request adds exactly one to ``http_requests_total{method,route,status}``
and one observation to ``http_request_duration_seconds``; random paths never create new
``route`` label values.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

from properties.http.budget import over_http
from properties.http.probes import Probe, documented_probes, random_path_probes, send
from properties.http.target import HttpTarget

REQUESTS = "http_requests_total"
DURATION_COUNT = "http_request_duration_seconds_count"
#: At most this many label values may stand for "no route matched" (e.g. ``unmatched``).
MAX_UNMATCHED_LABELS = 1

Samples = dict[tuple[str, ...], float]


def scrape(http: HttpTarget) -> dict[str, Samples]:
    response = http.call("GET", http.settings.metrics_path, auth=False)
    assert response.status_code == 200, f"GET {http.settings.metrics_path} answered {response.status_code}"
    found: dict[str, Samples] = {REQUESTS: {}, DURATION_COUNT: {}}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == REQUESTS:
                key = (sample.labels["method"], sample.labels["route"], sample.labels["status"])
                found[REQUESTS][key] = sample.value
            elif sample.name == DURATION_COUNT:
                found[DURATION_COUNT][(sample.labels["method"], sample.labels["route"])] = sample.value
    assert found[REQUESTS], f"{http.settings.metrics_path} exports no {REQUESTS}"
    return found


def delta(before: Samples, after: Samples) -> Counter[tuple[str, ...]]:
    changed: Counter[tuple[str, ...]] = Counter()
    for key, value in after.items():
        if value != before.get(key, 0.0):
            changed[key] = int(value - before.get(key, 0.0))
    return changed


def check_request_metrics(http: HttpTarget) -> None:
    templates = {op.path for op in http.api.operations()}
    metrics_route = http.settings.metrics_path
    # Authenticated documented requests: a rate limiter answering before routing would blur labels.
    documented = documented_probes(http.api).map(lambda p: Probe(p.method, p.path, p.template, True, json=p.json))

    @over_http()
    @given(
        known=st.lists(documented, max_size=6),
        unknown=st.lists(
            random_path_probes().map(lambda p: Probe(p.method, p.path, None, True)), min_size=2, max_size=4
        ),
    )
    def each_request_counted_once(known: list[Probe], unknown: list[Probe]) -> None:
        before = scrape(http)
        expected: Counter[tuple[str, ...]] = Counter()
        for probe in known:
            status = send(http, probe).status_code
            expected[(probe.method, probe.template or "", str(status))] += 1
        for probe in unknown:
            send(http, probe)
        after = scrape(http)
        # The first scrape is counted once its answer is out: it is inside the window.
        expected[("GET", metrics_route, "200")] += 1
        counted = delta(before[REQUESTS], after[REQUESTS])
        total = len(known) + len(unknown) + 1
        assert sum(counted.values()) == total, f"{total} requests (one scrape), counters moved by {dict(counted)}"
        durations = delta(before[DURATION_COUNT], after[DURATION_COUNT])
        assert sum(durations.values()) == total, f"{total} requests, duration observations moved by {dict(durations)}"
        raw = {probe.path for probe in unknown}
        new_routes = {key[1] for key in counted if key[1] not in templates | {metrics_route}}
        assert not new_routes & raw, f"raw paths became route labels: {sorted(new_routes & raw)}"
        assert len(new_routes) <= MAX_UNMATCHED_LABELS, f"{len(unknown)} random paths made route labels {new_routes}"
        for key, count in sorted(expected.items()):
            assert counted[key] == count, (
                f"{key}: {count} request(s), counter moved by {counted[key]} (all changes: {dict(counted)})"
            )

    each_request_counted_once()
