"""21 fails when random paths become labels or a request is counted twice.

The reference app labels ``GET /metrics`` as ``unmatched`` (reported; the property fails
on it). The failure proofs start from a variant labelling it ``/metrics``, on which the
property holds, and break that variant.
"""

from __future__ import annotations

import pytest

from properties.http.metrics import check_request_metrics
from reference_app.http import metrics as app_metrics
from reference_app.http.routing import route_template


def _metrics_route_labelled(scope) -> str:
    return "/metrics" if scope.get("path") == "/metrics" else route_template(scope)


def _raw_path_labels(scope) -> str:
    return scope.get("path", "")


def _counted_twice(app):
    """Runs every non-scrape GET twice (the first answer discarded): two counts per request."""

    async def twice(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] != "/metrics":

            async def discard(message) -> None:
                return None

            await app(scope, receive, discard)
        await app(scope, receive, send)

    return twice


@pytest.fixture
def metrics_labelled(monkeypatch):
    monkeypatch.setattr(app_metrics, "route_template", _metrics_route_labelled)


def test_the_property_holds_on_the_fixed_variant(open_target, metrics_labelled):
    with open_target() as http:
        check_request_metrics(http)


@pytest.mark.mutant(21)
def test_request_tracking_fails_with_raw_path_labels(open_target, monkeypatch):
    monkeypatch.setattr(app_metrics, "route_template", _raw_path_labels)
    with open_target() as http, pytest.raises(AssertionError, match="route label"):
        check_request_metrics(http)


@pytest.mark.mutant(21)
def test_request_tracking_fails_when_requests_count_twice(open_target, metrics_labelled):
    with open_target(_counted_twice) as http, pytest.raises(AssertionError, match="moved by"):
        check_request_metrics(http)
