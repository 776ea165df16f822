"""E5 fails when health answers lose their media type, readiness ignores an outage, or
liveness depends on the database."""

from __future__ import annotations

import os
from collections.abc import Iterator

import orjson
import pytest

from gauntlet.services.processes import ProcessGroup
from properties.http.health import MEDIA_TYPE, check_health_responses
from properties.http.outage import PrivateDependencies, check_readiness_follows_outages, start_private_dependencies
from tests.properties.asgi import RewriteRequest, RewriteResponse
from tests.properties.outage_app import in_process_target


def _plain_json_health(app):
    def rewrite(scope, answer) -> None:
        if scope["path"].startswith("/health"):
            answer.set_header("content-type", "application/json")

    return RewriteResponse(app, rewrite)


def _always_ready(app):
    """Readiness that always says ready (a hard-coded 200 pass)."""

    def rewrite(scope, answer) -> None:
        if scope["path"] == "/health/ready":
            answer.status = 200
            answer.body = orjson.dumps({"status": "pass"})
            answer.set_header("content-type", MEDIA_TYPE)

    return RewriteResponse(app, rewrite)


def _liveness_checks_dependencies(app):
    """Liveness answered by the readiness check: a database outage makes the app 'dead'."""
    return RewriteRequest(app, lambda s: {**s, "path": "/health/ready"} if s["path"] == "/health/live" else s)


@pytest.fixture(scope="module")
def private_dependencies(tmp_path_factory) -> Iterator[PrivateDependencies]:
    with ProcessGroup() as group:
        yield start_private_dependencies(tmp_path_factory.mktemp("e5-mutants"), group)


def test_the_shape_holds_on_the_reference_app(open_target):
    with open_target() as http:
        check_health_responses(http)


@pytest.mark.mutant("E5")
def test_health_fails_on_plain_json(open_target):
    with open_target(_plain_json_health) as http, pytest.raises(AssertionError, match="expected application/health"):
        check_health_responses(http)


@pytest.mark.slow
@pytest.mark.mutant("E5")
@pytest.mark.parametrize(
    ("mutant", "message"),
    [(_always_ready, "readiness did not fail"), (_liveness_checks_dependencies, "liveness answered 503")],
)
def test_outage_drill_fails_on_a_mutant(private_dependencies, mutant, message, mutant_settings, app_env):
    target = in_process_target(private_dependencies, mutant, mutant_settings, app_env)
    with target as http, pytest.raises(AssertionError, match=message):
        check_readiness_follows_outages(http, private_dependencies, app_pid=os.getpid, names=["database"])
