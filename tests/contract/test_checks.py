"""Each Gauntlet check fails on an app wrong in its way, and stays quiet on a right one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from schemathesis.checks import CHECKS

from contract.checks import GAUNTLET_CHECKS, rate_limit_fields
from contract.inprocess import CrashesAsServerErrors
from contract.run import Source, run_contract
from contract.settings import RunSettings
from tests.contract.wrong_apps import make_app

#: Examples and coverage reach every status of these apps deterministically, in about a second.
FAST = RunSettings(seed=1, max_examples=5, phases=("examples", "coverage"))


def gauntlet_failures(settings: RunSettings = FAST, **defects: object) -> set[str]:
    report = run_contract(Source.in_process(CrashesAsServerErrors(make_app(**defects))), settings)  # type: ignore[arg-type]
    return {f.check for f in report.failures if f.check in GAUNTLET_CHECKS}


def test_a_right_app_passes_every_gauntlet_check():
    assert gauntlet_failures() == set()


@pytest.mark.parametrize(
    ("check", "defects"),
    [
        ("every_error_is_problem_json_with_matching_status", {"html_errors": True}),
        ("every_error_is_problem_json_with_matching_status", {"wrong_problem_status": True}),
        ("every_response_carries_x_request_id", {"request_id": False}),
        ("every_response_carries_security_headers", {"security_headers": False}),
        ("no_response_body_leaks_internals", {"leak_traceback": True}),
        ("errors_carry_cache_control_no_store", {"error_cache_control": "max-age=60"}),
        ("rate_limited_responses_carry_consistent_headers", {"retry_after": None}),
        ("rate_limited_responses_carry_consistent_headers", {"retry_after": "0"}),
        ("rate_limited_responses_carry_consistent_headers", {"remaining_on_429": "3"}),
    ],
    ids=lambda value: "-".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else value,
)
def test_each_check_fails_on_an_app_wrong_in_its_way(check, defects):
    assert check in gauntlet_failures(**defects)


def test_a_disabled_check_is_not_run():
    settings = RunSettings(seed=1, max_examples=5, phases=("examples", "coverage"),
                           disabled_checks=("every_response_carries_x_request_id",))  # fmt: skip
    assert gauntlet_failures(settings, request_id=False) == set()


def test_checks_are_inert_outside_gauntlet_runs():
    """Registered globally, they must not judge another suite's Schemathesis tests."""
    response = SimpleNamespace(status_code=500, headers={}, content=b"<html>Traceback (most recent call last)</html>")
    ctx = SimpleNamespace(config=SimpleNamespace(custom_kwargs={}))
    for name in GAUNTLET_CHECKS:
        assert CHECKS.get_one(name)(ctx, response, None) is None


def test_rate_limit_headers_are_read_in_every_family():
    response = SimpleNamespace(headers={"ratelimit": ["limit=10, remaining=0, reset=5"], "x-ratelimit-limit": ["x"]})
    assert rate_limit_fields(response) == {
        "X-RateLimit": {"limit": None},
        "RateLimit": {"limit": 10, "remaining": 0, "reset": 5},
    }


def test_draft_10_rate_limit_fields_are_read_per_policy():
    response = SimpleNamespace(
        headers={"ratelimit": ['"free";r=0;t=12'], "ratelimit-policy": ['"free";q=100;w=60']}, status_code=429
    )
    assert rate_limit_fields(response) == {"RateLimit free": {"remaining": 0, "reset": 12, "limit": 100}}


def test_draft_10_remaining_above_quota_is_inconsistent():
    from contract.checks import rate_limited_responses_carry_consistent_headers

    response = SimpleNamespace(
        headers={
            "ratelimit": ['"free";r=101;t=12'],
            "ratelimit-policy": ['"free";q=100;w=60'],
            "retry-after": ["12"],
        },
        status_code=429,
    )
    with pytest.raises(AssertionError, match="remaining 101 exceeds limit 100"):
        rate_limited_responses_carry_consistent_headers(None, response, None)
