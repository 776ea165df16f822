"""31 fails on colliding ids; 32 fails when an invalid incoming id is reflected."""

from __future__ import annotations

import time

import pytest

from properties.http.correlation import check_fresh_ids_are_unique, check_request_ids_propagate
from tests.properties.asgi import RewriteResponse, request_header


def _second_resolution_ids(app):
    """Ids from the clock in whole seconds: concurrent requests share one."""

    def rewrite(scope, answer) -> None:
        if request_header(scope, "x-request-id") is None:
            answer.set_header("x-request-id", f"req-{int(time.time())}")

    return RewriteResponse(app, rewrite)


def _reflect_incoming_id(app):
    def rewrite(scope, answer) -> None:
        incoming = request_header(scope, "x-request-id")
        if incoming is not None:
            answer.set_header("x-request-id", incoming)

    return RewriteResponse(app, rewrite)


def test_both_hold_on_the_reference_app(open_target):
    with open_target() as http:
        check_fresh_ids_are_unique(http)
        check_request_ids_propagate(http)


@pytest.mark.mutant(31)
def test_unique_ids_fail_on_clock_based_ids(open_target):
    with open_target(_second_resolution_ids) as http, pytest.raises(AssertionError, match=r"colliding|already given"):
        check_fresh_ids_are_unique(http)


@pytest.mark.mutant(32)
def test_propagation_fails_when_invalid_ids_are_reflected(open_target):
    with open_target(_reflect_incoming_id) as http, pytest.raises(AssertionError, match=r"echoed|reflected"):
        check_request_ids_propagate(http)
