"""26 (http) fails when the app's answers after exhausted retries are broken.

The in-process reference app gets a real failing upstream (a socket server in this
process) as its model server, a Redis key prefix of its own (its breaker is its own) and
the short fault-run settings; a breaking ASGI layer then changes its upstream errors.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from properties.http.failing_upstream import FAULT_RUN_ENV, FailingUpstream
from properties.http.upstream_errors import check_fault_modes
from tests.properties.asgi import Answer, RewriteResponse


@pytest.fixture
def upstream(app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FailingUpstream]:
    with FailingUpstream(hang_s=3.0) as failing:
        monkeypatch.setitem(app_env, "APP_MODEL_SERVER_URL", failing.url)
        monkeypatch.setitem(
            app_env, "APP_REDIS_KEY_PREFIX", f"{app_env['APP_REDIS_KEY_PREFIX']}p26m:{secrets.token_hex(4)}:"
        )
        for name, value in FAULT_RUN_ENV.items():
            monkeypatch.setitem(app_env, name, value)
        yield failing


def _on_upstream_errors(change: Callable[[Answer, dict[str, Any]], None]) -> Callable[[Any], Any]:
    """Wraps the app: ``change(answer, problem)`` on every 5xx of a draft."""

    def wrap(app: Any) -> Any:
        def rewrite(scope: Any, answer: Answer) -> None:
            if scope["path"].endswith("/draft") and answer.status >= 500:
                problem = json.loads(answer.body)
                change(answer, problem)
                answer.body = json.dumps(problem).encode()

        return RewriteResponse(app, rewrite, identity=True)

    return wrap


def _leak_the_exception(answer: Answer, problem: dict[str, Any]) -> None:
    problem["detail"] += " (httpx.ConnectError: [Errno 111] Connect call failed ('127.0.0.1', 8001))"


def _plain_json_error(answer: Answer, problem: dict[str, Any]) -> None:
    answer.set_header("content-type", "application/json")


def _timeout_as_bad_gateway(answer: Answer, problem: dict[str, Any]) -> None:
    if answer.status == 504:
        answer.status = problem["status"] = 502


def _unclassified_500(answer: Answer, problem: dict[str, Any]) -> None:
    if answer.status == 502:
        answer.status = problem["status"] = 500


def _no_correlation_id(answer: Answer, problem: dict[str, Any]) -> None:
    problem.pop("correlation_id", None)


def test_the_property_holds_on_the_reference_app(open_target, upstream):
    with open_target() as http:
        seen = check_fault_modes(http, upstream)
    assert {502, 503, 504} <= seen.keys(), seen


@pytest.mark.mutant(26)
def test_fails_when_the_detail_leaks_the_exception(open_target, upstream):
    with (
        open_target(_on_upstream_errors(_leak_the_exception)) as http,
        pytest.raises(AssertionError, match=r"with internals \(an exception class, a library name, an address\)"),
    ):
        check_fault_modes(http, upstream)


@pytest.mark.mutant(26)
def test_fails_when_errors_are_not_problem_json(open_target, upstream):
    with (
        open_target(_on_upstream_errors(_plain_json_error)) as http,
        pytest.raises(AssertionError, match="not application/problem\\+json"),
    ):
        check_fault_modes(http, upstream)


@pytest.mark.mutant(26)
def test_fails_when_a_timeout_is_answered_502(open_target, upstream):
    with (
        open_target(_on_upstream_errors(_timeout_as_bad_gateway)) as http,
        pytest.raises(
            AssertionError, match=r"answered 502 while its upstream kept failing; expected one of \[503, 504\]"
        ),
    ):
        check_fault_modes(http, upstream)


@pytest.mark.mutant(26)
def test_fails_when_an_upstream_error_is_a_500(open_target, upstream):
    with (
        open_target(_on_upstream_errors(_unclassified_500)) as http,
        pytest.raises(AssertionError, match=r"answered 500 while its upstream kept failing"),
    ):
        check_fault_modes(http, upstream)


@pytest.mark.mutant(26)
def test_fails_without_a_correlation_id(open_target, upstream):
    with (
        open_target(_on_upstream_errors(_no_correlation_id)) as http,
        pytest.raises(AssertionError, match=r"a problem lacking \['correlation_id'\]"),
    ):
        check_fault_modes(http, upstream)
