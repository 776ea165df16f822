"""The failure-proof table: which property each mutant test proves, and whether it was killed.

A test marked ``@pytest.mark.mutant(N)`` runs property N against a deliberately broken
implementation and passes only when the property FAILS there: a passing mutant test is a
killed mutant, a failing one a mutant that survived (the property could not see the bug).
At the end of any pytest session that ran mutant tests, the table is printed:

    failure proofs: 3 mutants, 3 killed, 0 survived
      6   tests/properties/test_cache.py::test_no_expiry_storage   killed
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

#: user_properties key carrying a test's mutant id (survives pytest-xdist's report transport).
MUTANT_KEY = "gauntlet_mutant"


@dataclass(frozen=True)
class MutantResult:
    property_id: str
    nodeid: str
    killed: bool


def mutant_sort_key(prop: str) -> tuple[int, int, str]:
    if prop.startswith("E") and prop[1:].isdigit():
        return (1, int(prop[1:]), "")
    return (0, int(prop), "") if prop.isdigit() else (2, 0, prop)


class MutantTable:
    """Collects mutant-test outcomes; prints the table in the terminal summary."""

    def __init__(self) -> None:
        self.results: dict[str, MutantResult] = {}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        outcome = yield
        marker = item.get_closest_marker("mutant")
        if marker is not None and marker.args:
            outcome.get_result().user_properties.append((MUTANT_KEY, str(marker.args[0])))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        prop = dict(report.user_properties).get(MUTANT_KEY)
        if prop is None:
            return
        # A mutant is killed only if every phase passed; a failed setup or teardown is not a kill.
        killed = report.passed and self.results.get(report.nodeid, MutantResult("", "", True)).killed
        if report.when == "call" or not report.passed:
            self.results[report.nodeid] = MutantResult(str(prop), report.nodeid, killed)

    def rows(self) -> list[MutantResult]:
        return sorted(self.results.values(), key=lambda r: (mutant_sort_key(r.property_id), r.nodeid))

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rows = self.rows()
        if not rows:
            return
        killed = sum(r.killed for r in rows)
        terminalreporter.section("failure proofs (mutants)")
        terminalreporter.write_line(
            f"{len(rows)} mutants, {killed} killed, {len(rows) - killed} survived, "
            f"{len({r.property_id for r in rows})} properties proven able to fail"
        )
        width = max(len(r.nodeid) for r in rows)
        for row in rows:
            verdict = "killed" if row.killed else "SURVIVED"
            terminalreporter.write_line(f"  {row.property_id:<4} {row.nodeid:<{width}}  {verdict}")
