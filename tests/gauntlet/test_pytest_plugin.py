"""The pytest plugin records outcomes, property ids and Hypothesis details into the run document."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gauntlet.rundoc.model import Outcome, SuiteStatus
from gauntlet.rundoc.store import read_suite_results

SUITE = """
import pytest
from hypothesis import given, settings, strategies as st

@pytest.mark.property(4, level="http")
@settings(max_examples=25, database=None)
@given(st.integers())
def test_passing_property(n):
    assert n == n

@pytest.mark.property(7)
@settings(max_examples=50, database=None, print_blob=True)
@given(st.integers(min_value=0))
def test_failing_property(n):
    assert n < 1000

@pytest.mark.property(9, level="component")
def test_property_running_hypothesis_in_a_thread():
    # How the component properties run: an inner @given, on a worker thread.
    import threading

    @settings(max_examples=15, database=None)
    @given(st.integers())
    def inner(n):
        assert n == n

    worker = threading.Thread(target=inner)
    worker.start()
    worker.join()

@pytest.mark.mutant(7)
def test_mutant_proof():
    pass

def test_contributes_a_section(request):
    from gauntlet.pytest_plugin import record_section
    from gauntlet.rundoc.model import ContractSection
    record_section(request.config, "contract", ContractSection(findings=["credentials lost after DELETE /users/me"]))

def test_plain_skip():
    pytest.skip("no model server on this host")

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

def test_setup_error(broken):
    pass
"""


@pytest.fixture(scope="module")
def suite_result(tmp_path_factory):
    """Run SUITE once, in its own pytest process, with the plugin recording."""
    project = tmp_path_factory.mktemp("suite")
    (project / "test_suite.py").write_text(SUITE)
    run_dir = project / "run"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "gauntlet.pytest_plugin", f"--gauntlet-run-dir={run_dir}",
         "--gauntlet-suite=properties", "--hypothesis-seed=42", "-p", "no:cacheprovider", "test_suite.py"],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout
    assert "1 failed, 4 passed, 1 skipped, 1 error" in completed.stdout
    return read_suite_results(run_dir)["properties"]


def test_every_test_is_recorded_with_its_outcome(suite_result):
    outcomes = {t.nodeid.split("::")[-1]: t.outcome for t in suite_result.tests}
    assert outcomes == {
        "test_passing_property": Outcome.PASSED,
        "test_property_running_hypothesis_in_a_thread": Outcome.PASSED,
        "test_failing_property": Outcome.FAILED,
        "test_mutant_proof": Outcome.PASSED,
        "test_contributes_a_section": Outcome.PASSED,
        "test_plain_skip": Outcome.SKIPPED,
        "test_setup_error": Outcome.ERROR,
    }
    assert suite_result.status == SuiteStatus.FAILED


def test_markers_become_property_and_mutant_ids(suite_result):
    by_name = {t.nodeid.split("::")[-1]: t for t in suite_result.tests}
    assert (by_name["test_passing_property"].property_id, by_name["test_passing_property"].level) == ("4", "http")
    assert by_name["test_mutant_proof"].mutant_id == "7"
    assert by_name["test_plain_skip"].message == "no model server on this host"
    assert "fixture exploded" in (by_name["test_setup_error"].message or "")


def test_failing_property_keeps_seed_and_falsifying_example(suite_result):
    failing = next(t for t in suite_result.tests if t.property_id == "7")
    assert failing.hypothesis is not None
    assert failing.hypothesis.seed == "42"
    example = failing.hypothesis.falsifying_example or ""
    assert "test_failing_property(" in example  # Hypothesis's shrunk call
    assert "@reproduce_failure(" in example  # and the blob that replays it exactly


def test_properties_are_folded_per_id_and_level(suite_result):
    assert suite_result.properties is not None
    folded = {(p.id, p.level): p for p in suite_result.properties.properties}
    # The mutant proof is not a property result.
    assert set(folded) == {("4", "http"), ("7", "component"), ("9", "component")}
    assert folded[("4", "http")].outcome == Outcome.PASSED
    assert folded[("4", "http")].examples == 25
    # Examples of a Hypothesis run inside the test, on another thread, are counted too.
    assert (folded[("9", "component")].examples, folded[("9", "component")].seed) == (15, "42")
    assert folded[("7", "component")].outcome == Outcome.FAILED
    assert "@reproduce_failure(" in (folded[("7", "component")].falsifying_example or "")


def test_without_run_dir_nothing_is_written(pytester: pytest.Pytester):
    pytester.makepyfile(test_one="def test_ok():\n    pass\n")
    pytester.runpytest_subprocess("-p", "gauntlet.pytest_plugin").assert_outcomes(passed=1)
    assert not list(pytester.path.rglob("results"))


def test_suites_contribute_their_own_section(suite_result):
    assert suite_result.contract is not None
    assert suite_result.contract.findings == ["credentials lost after DELETE /users/me"]


def test_record_section_refuses_a_wrong_type(pytestconfig):
    from gauntlet.pytest_plugin import record_section
    from gauntlet.rundoc.model import LoadSection

    with pytest.raises(TypeError, match="contract"):
        record_section(pytestconfig, "contract", LoadSection(profile="smoke"))


SELECTION_SUITE = """
import pytest

@pytest.mark.property(6, level="component")
def test_six_component():
    pass

@pytest.mark.property(6, level="http")
def test_six_http():
    pass

@pytest.mark.property("E1", level="http")
def test_e1_http():
    pass

@pytest.mark.mutant(6)
def test_six_mutant():
    pass

def test_unmarked():
    pass
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--property", "6"], {"test_six_component", "test_six_http", "test_six_mutant"}),
        (["--property", "6,e1"], {"test_six_component", "test_six_http", "test_six_mutant", "test_e1_http"}),
        (["--property-level", "http"], {"test_six_http", "test_e1_http"}),
        (["--property", "6", "--property-level", "component"], {"test_six_component"}),
        ([], {"test_six_component", "test_six_http", "test_e1_http", "test_six_mutant", "test_unmarked"}),
    ],
)
def test_property_and_level_selection(tmp_path, args, expected):
    (tmp_path / "test_sel.py").write_text(SELECTION_SUITE)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "gauntlet.pytest_plugin", "-p", "no:cacheprovider", "-v", *args,
         "test_sel.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    ran = {line.split("::")[1].split()[0] for line in completed.stdout.splitlines() if " PASSED" in line}
    assert ran == expected, completed.stdout
