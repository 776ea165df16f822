"""What a run tells its suites about the target (gauntlet/run.py)."""

from __future__ import annotations

from pathlib import Path

from gauntlet.config import GauntletConfig, load_config
from gauntlet.run import suite_environment
from gauntlet.target import Target


def suites_config(env: dict[str, str], tmp_path: Path) -> GauntletConfig:
    """The configuration a suite's pytest process builds from the run's environment."""
    loaded, _ = load_config(cwd=tmp_path, environ=env, flags={})
    return loaded


def test_suites_know_the_bundled_app_is_ours_and_where_its_log_is(tmp_path):
    target = Target(url="http://127.0.0.1:5001", kind="bundled", openapi="http://127.0.0.1:5001/openapi.json",
                    log_file="/run/services/app.log")  # fmt: skip
    env = suite_environment(GauntletConfig(), target, {})
    seen = suites_config(env, tmp_path)
    assert seen.target.url == "http://127.0.0.1:5001"
    assert seen.target.bundled and not seen.target.external
    assert seen.properties.log_file == "/run/services/app.log"
    # The contract suite fuzzes as a user of its own, not anonymously.
    assert seen.contract.login is not None and seen.contract.login.signup_path == "/api/v1/users"


def test_a_deployment_stays_external_and_no_log_is_invented(tmp_path):
    target = Target(url="https://staging.example.com", kind="external", openapi="https://staging.example.com/o.json")
    env = suite_environment(GauntletConfig(), target, {})
    seen = suites_config(env, tmp_path)
    assert seen.target.external and not seen.target.bundled
    assert seen.properties.log_file is None
    assert seen.contract.login is None
