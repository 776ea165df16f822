"""The failure-proof table names every mutant test and says whether its mutant was killed."""

from __future__ import annotations

import subprocess
import sys

SUITE = """
import pytest

@pytest.mark.mutant(6)
def test_no_expiry_is_caught():
    pass

@pytest.mark.mutant("E2")
def test_banner_is_caught():
    pass

@pytest.mark.mutant(12)
def test_compression_mutant_survives():
    assert False, "the property passed against the broken app"

@pytest.fixture
def broken():
    raise RuntimeError("could not build the mutant")

@pytest.mark.mutant(4)
def test_mutant_that_could_not_be_built(broken):
    pass

def test_not_a_mutant():
    pass
"""


def test_table_lists_killed_and_surviving_mutants(tmp_path):
    (tmp_path / "test_suite.py").write_text(SUITE)
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "gauntlet.pytest_plugin", "-p", "no:cacheprovider", "test_suite.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    out = completed.stdout
    assert "failure proofs (mutants)" in out
    assert "4 mutants, 2 killed, 2 survived, 4 properties proven able to fail" in out
    lines = {
        line.split()[1].split("::")[1]: line.split()
        for line in out.splitlines()
        if "test_suite.py::" in line and line.startswith("  ")
    }
    assert lines["test_no_expiry_is_caught"][::2] == ["6", "killed"]
    assert lines["test_compression_mutant_survives"][::2] == ["12", "SURVIVED"]
    assert lines["test_mutant_that_could_not_be_built"][::2] == ["4", "SURVIVED"]
    assert lines["test_banner_is_caught"][0] == "E2"
    assert "test_not_a_mutant" not in lines
    # Sorted by property: 4, 6, 12, then E2.
    assert [row[0] for row in lines.values()] == ["4", "6", "12", "E2"]


def test_no_table_without_mutants(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_one():\n    pass\n")
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "gauntlet.pytest_plugin", "-p", "no:cacheprovider", "test_plain.py"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert completed.returncode == 0
    assert "failure proofs" not in completed.stdout
