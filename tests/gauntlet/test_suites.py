"""Running one suite as a pytest subprocess: its time limit."""

from __future__ import annotations

import textwrap

import pytest

from gauntlet.rundoc.model import SuiteStatus
from gauntlet.suites import run_suite

SLOW_SUITE = """
import time
from pathlib import Path

import pytest


@pytest.fixture
def marker():
    yield
    # Teardown: runs only if the stop lets pytest unwind (what stops a suite's own apps).
    Path(__file__).with_name("torn-down").write_text("yes")


def test_never_ends(marker):
    Path(__file__).with_name("started").write_text("yes")
    time.sleep(600)
"""


@pytest.mark.slow
def test_a_suite_past_its_time_limit_is_stopped_cleanly_and_recorded_as_an_error(tmp_path, monkeypatch):
    package = tmp_path / "slowsuite"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "test_slow.py").write_text(textwrap.dedent(SLOW_SUITE))
    monkeypatch.syspath_prepend(str(tmp_path))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    result = run_suite(
        # 30 s: pytest itself takes seconds to start on a loaded machine.
        "slowsuite",
        run_dir,
        env={"PYTHONPATH": str(tmp_path)},
        seed=0,
        timeout_s=30,
    )
    assert (package / "started").exists(), (run_dir / "logs" / "slowsuite.log").read_text()
    assert result.status == SuiteStatus.ERROR
    assert "suite_timeout_s" in (result.error or "")
    assert (package / "torn-down").exists(), "the stopped suite did not tear its fixtures down"
