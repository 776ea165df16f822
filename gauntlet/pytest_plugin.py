"""pytest plugin: records every test's outcome into the run document.

Enabled by the root ``conftest.py`` (``pytest_plugins``) and by ``gauntlet run``; it
writes ``<run-dir>/results/<suite>.json`` when ``--gauntlet-run-dir`` is given and
does nothing otherwise, so a plain ``pytest`` stays a plain ``pytest``.

Markers it reads:
    @pytest.mark.property(4, level="http")    the property a test encodes
    @pytest.mark.mutant(4)                    a failure proof of property 4
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from gauntlet.example_counter import ExampleCounter
from gauntlet.mutant_table import MutantTable
from gauntlet.rundoc.model import (
    ChaosSection,
    ContractSection,
    HypothesisInfo,
    LoadSection,
    Outcome,
    PropertiesSection,
    PropertyResult,
    SecuritySection,
    SuiteResult,
    SuiteStatus,
    TestRecord,
)
from gauntlet.rundoc.store import write_suite_result

#: How Hypothesis introduces the shrunk example in the exception notes (old and new wording).
_FALSIFYING_PREFIXES = (
    "Falsifying example", "Failing test case", "Falsifying explicit example", "You can reproduce this",
)  # fmt: skip
_PASSING_EXAMPLES = re.compile(r"(\d+) passing(?: examples?)?[,\s]")
#: Longest failure text kept per test: enough for a traceback tail and the example.
MAX_LONGREPR_CHARS = 8000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gauntlet")
    group.addoption("--gauntlet-run-dir", default=None, help="Write results/<suite>.json into this run directory.")
    group.addoption("--gauntlet-suite", default=None, help="Suite name recorded in the run document.")
    group.addoption(
        "--property",
        dest="gauntlet_properties",
        action="append",
        default=[],
        metavar="ID[,ID]",
        help="Run only the tests of these properties (and their failure proofs), e.g. --property 6,E1.",
    )
    group.addoption(
        "--property-level",
        dest="gauntlet_property_level",
        choices=("component", "http"),
        default=None,
        help="Run only property tests of this level.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "property(id, level=None): the correctness property (1..36 or 'E1'..'E8') a test encodes"
    )
    config.addinivalue_line(
        "markers", "mutant(id): failure proof: property id must fail against a broken implementation"
    )
    config.pluginmanager.register(MutantTable(), "gauntlet-mutant-table")
    run_dir = config.getoption("--gauntlet-run-dir")
    if run_dir and not hasattr(config, "workerinput"):
        suite = config.getoption("--gauntlet-suite") or "tests"
        config.pluginmanager.register(ResultRecorder(Path(run_dir), suite), "gauntlet-recorder")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    wanted = {p.strip().upper() for arg in config.getoption("gauntlet_properties") for p in arg.split(",") if p.strip()}
    level = config.getoption("gauntlet_property_level")
    if not wanted and level is None:
        return
    selected: list[pytest.Item] = []
    deselected: list[pytest.Item] = []
    for item in items:
        (selected if _selected(item, wanted, level) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _selected(item: pytest.Item, wanted: set[str], level: str | None) -> bool:
    prop, prop_level = property_id(item)
    mutant = item.get_closest_marker("mutant")
    ids = {prop} if prop else set()
    if mutant is not None and mutant.args:
        ids.add(str(mutant.args[0]))
    if wanted and not ids & wanted:
        return False
    # Failure proofs carry no level of their own: --property-level keeps property tests only.
    return level is None or (prop is not None and (prop_level or "component") == level)


#: Suite sections contributed during the session (see :func:`record_section`).
_SECTIONS_KEY = pytest.StashKey[dict[str, BaseModel]]()
_SECTION_TYPES: dict[str, type[BaseModel]] = {
    "contract": ContractSection, "load": LoadSection, "chaos": ChaosSection, "security": SecuritySection,
}  # fmt: skip


def record_section(config: pytest.Config, name: str, section: BaseModel) -> None:
    """Attach a suite's own section (``contract``, ``load``...) to its result.

    >>> record_section(request.config, "contract", ContractSection(failures=[...]))

    Call it from a session fixture's teardown or any test; the last call per name wins.
    """
    expected = _SECTION_TYPES.get(name)
    if expected is None or not isinstance(section, expected):
        raise TypeError(f"section {name!r} must be a {expected.__name__ if expected else 'known section'}")
    config.stash.setdefault(_SECTIONS_KEY, {})[name] = section


def property_id(item: pytest.Item) -> tuple[str | None, str | None]:
    marker = item.get_closest_marker("property")
    if marker is None or not marker.args:
        return None, None
    level = marker.kwargs.get("level")
    return str(marker.args[0]), str(level) if level else None


class ResultRecorder:
    """Collects one :class:`TestRecord` per test and writes the suite result at the end."""

    def __init__(self, run_dir: Path, suite: str) -> None:
        self.run_dir = run_dir
        self.suite = suite
        self.started_at = datetime.now(UTC)
        self.records: dict[str, TestRecord] = {}
        self.markers: dict[str, tuple[str | None, str | None, str | None]] = {}
        self.exit_status: int | None = None
        self.examples = ExampleCounter().start()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item):  # type: ignore[no-untyped-def]
        self.examples.current = item.nodeid
        try:
            yield
        finally:
            self.examples.current = None

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            prop, level = property_id(item)
            mutant = item.get_closest_marker("mutant")
            mutant_id = str(mutant.args[0]) if mutant and mutant.args else None
            self.markers[item.nodeid] = (prop, level, mutant_id)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        notes = getattr(call.excinfo.value, "__notes__", None) if call.excinfo else None
        falsifying = [
            n.strip() for n in notes or () if isinstance(n, str) and n.strip().startswith(_FALSIFYING_PREFIXES)
        ]
        if falsifying:
            report.user_properties.append(("gauntlet_falsifying_example", "\n".join(falsifying)))
        stats = getattr(item, "hypothesis_statistics", None)
        if stats:
            report.user_properties.append(("gauntlet_hypothesis_statistics", stats))
        if report.when == "call":
            examples = self.examples.take(item.nodeid)
            if examples:
                report.user_properties.append(("gauntlet_examples", examples))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" or (report.when == "setup" and not report.passed):
            self._record(report)
        elif report.when == "teardown" and report.failed:
            self._record(report, teardown=True)
        elif report.when == "teardown":
            self._attach_statistics(report)

    def _record(self, report: pytest.TestReport, *, teardown: bool = False) -> None:
        if report.passed:
            outcome = Outcome.PASSED
        elif report.skipped:
            outcome = Outcome.SKIPPED
        elif report.when == "call" and not hasattr(report, "wasxfail"):
            outcome = Outcome.FAILED
        else:
            outcome = Outcome.ERROR
        if hasattr(report, "wasxfail"):
            outcome = Outcome.SKIPPED if report.skipped else Outcome.PASSED
        previous = self.records.get(report.nodeid)
        if teardown and previous is not None:
            outcome = Outcome.ERROR
        prop, level, mutant = self.markers.get(report.nodeid, (None, None, None))
        message = None
        longrepr = None
        if report.failed or teardown:
            longrepr = str(report.longrepr)[-MAX_LONGREPR_CHARS:]
            crash = getattr(report.longrepr, "reprcrash", None)
            last_lines = longrepr.strip().splitlines()[-1:]
            message = getattr(crash, "message", None) or (last_lines[0] if last_lines else None)
        elif report.skipped and isinstance(report.longrepr, tuple):
            message = str(report.longrepr[2]).removeprefix("Skipped: ")
        self.records[report.nodeid] = TestRecord(
            nodeid=report.nodeid,
            outcome=outcome,
            duration_s=round(report.duration + (previous.duration_s if previous else 0.0), 6),
            property_id=prop,
            level=level,
            mutant_id=mutant,
            message=message,
            longrepr=longrepr,
            hypothesis=_hypothesis_info(report),
        )

    def _attach_statistics(self, report: pytest.TestReport) -> None:
        record = self.records.get(report.nodeid)
        stats = dict(report.user_properties).get("gauntlet_hypothesis_statistics")
        if record is None or not isinstance(stats, str):
            return
        examples = sum(int(n) for n in _PASSING_EXAMPLES.findall(stats))
        info = record.hypothesis or HypothesisInfo()
        self.records[report.nodeid] = record.model_copy(
            update={"hypothesis": info.model_copy(update={"examples": examples or info.examples})}
        )

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.examples.stop()
        seed = session.config.getoption("hypothesis_seed", default=None)
        tests = list(self.records.values())
        if seed is not None:
            tests = [_with_seed(t, str(seed)) for t in tests]
        failed = any(t.outcome in (Outcome.FAILED, Outcome.ERROR) for t in tests)
        status = SuiteStatus.FAILED if failed else SuiteStatus.PASSED
        error = None
        if exitstatus not in (0, 1, 5):  # interrupted, internal error, usage error
            status, error = SuiteStatus.ERROR, f"pytest exited with status {exitstatus}"
        elif exitstatus == 5:
            status = SuiteStatus.NOT_RUN
        result = SuiteResult(
            name=self.suite,
            status=status,
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            error=error,
            tests=tests,
            properties=fold_properties(tests) if any(t.property_id for t in tests) else None,
            **session.config.stash.get(_SECTIONS_KEY, {}),
        )
        write_suite_result(self.run_dir, result)


def fold_properties(tests: list[TestRecord]) -> PropertiesSection:
    """One result per (property, level): failed if any of its tests failed."""
    grouped: dict[tuple[str, str], list[TestRecord]] = {}
    for test in tests:
        if test.property_id and not test.mutant_id:
            grouped.setdefault((test.property_id, test.level or "component"), []).append(test)
    results = []
    for (prop, level), members in grouped.items():
        order = [Outcome.ERROR, Outcome.FAILED, Outcome.SKIPPED, Outcome.PASSED]
        worst = min((m.outcome for m in members), key=order.index)
        failing = next((m for m in members if m.outcome in (Outcome.FAILED, Outcome.ERROR)), None)
        results.append(
            PropertyResult(
                id=prop,
                level=level,
                outcome=worst,
                examples=sum(m.hypothesis.examples or 0 for m in members if m.hypothesis) or None,
                duration_s=round(sum(m.duration_s for m in members), 6),
                seed=next((m.hypothesis.seed for m in members if m.hypothesis and m.hypothesis.seed), None),
                falsifying_example=failing.hypothesis.falsifying_example if failing and failing.hypothesis else None,
                nodeids=[m.nodeid for m in members],
            )
        )
    return PropertiesSection(properties=sorted(results, key=lambda r: (_sort_key(r.id), r.level)))


def _sort_key(prop: str) -> tuple[int, int]:
    return (
        (1, int(prop[1:])) if prop.startswith("E") and prop[1:].isdigit() else (0, int(prop) if prop.isdigit() else 0)
    )


def _hypothesis_info(report: pytest.TestReport) -> HypothesisInfo | None:
    properties = dict(report.user_properties)
    falsifying = properties.get("gauntlet_falsifying_example")
    examples = properties.get("gauntlet_examples")
    sections = "\n".join(content for name, content in report.sections if name == "Hypothesis")
    if falsifying is None and not sections and not examples:
        return None
    return HypothesisInfo(
        examples=int(str(examples)) if examples else None,
        falsifying_example=str(falsifying)[:MAX_LONGREPR_CHARS] if falsifying else None,
    )


def _with_seed(test: TestRecord, seed: str) -> TestRecord:
    if test.hypothesis is None:
        return test
    return test.model_copy(update={"hypothesis": test.hypothesis.model_copy(update={"seed": seed})})
