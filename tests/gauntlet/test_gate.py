"""Gate verdicts and exit codes: 0 pass, 1 failed, 2 could not run."""

from __future__ import annotations

from datetime import UTC, datetime

from gauntlet.config import GateSettings
from gauntlet.gate import evaluate
from gauntlet.rundoc.model import (
    HostFingerprint,
    Outcome,
    RunDocument,
    RunMeta,
    SuiteResult,
    SuiteStatus,
    TargetInfo,
    TestRecord,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def document(*suites: SuiteResult, kind: str = "external") -> RunDocument:
    meta = RunMeta(
        run_id="r1", tool_version="0", target=TargetInfo(url="http://t", kind=kind), git_sha=None,
        host=HostFingerprint(hostname="h", platform="p", python="3.11", cpu_count=2, cpu_model="c", memory_bytes=1),
        profile="ci", seed=0, started_at=NOW,
    )  # fmt: skip
    return RunDocument(meta=meta, suites={s.name: s for s in suites})


def suite(name: str, *outcomes: Outcome, status: SuiteStatus | None = None, error: str | None = None) -> SuiteResult:
    tests = [TestRecord(nodeid=f"{name}::t{i}", outcome=o, duration_s=0.1) for i, o in enumerate(outcomes)]
    if status is None:
        failed = any(o in (Outcome.FAILED, Outcome.ERROR) for o in outcomes)
        status = SuiteStatus.FAILED if failed else SuiteStatus.PASSED
    return SuiteResult(name=name, status=status, started_at=NOW, tests=tests, error=error)


def test_all_passing_suites_pass():
    verdict = evaluate(document(suite("properties", Outcome.PASSED, Outcome.SKIPPED)), GateSettings(), ("properties",))
    assert (verdict.passed, verdict.exit_code) == (True, 0)
    assert verdict.reasons[0].message == "1 passed, 0 failed, 0 errors, 1 skipped"


def test_a_failure_under_fail_policy_fails_the_gate():
    verdict = evaluate(document(suite("contract", Outcome.PASSED, Outcome.FAILED)), GateSettings(), ("contract",))
    assert (verdict.passed, verdict.exit_code) == (False, 1)
    assert verdict.reasons[0].level == "fail"


def test_a_failure_under_warn_policy_only_warns():
    verdict = evaluate(document(suite("load", Outcome.FAILED)), GateSettings(load="warn"), ("load",))
    assert verdict.exit_code == 0
    assert verdict.reasons[0].level == "warn"


def test_off_suites_are_not_judged():
    verdict = evaluate(document(suite("chaos", Outcome.FAILED)), GateSettings(chaos="off"), ("chaos",))
    assert verdict.exit_code == 0 and verdict.reasons == []


def test_a_suite_that_could_not_run_is_never_a_pass():
    crashed = suite("security", status=SuiteStatus.ERROR, error="pytest internal error")
    verdict = evaluate(document(crashed), GateSettings(), ("security",))
    assert verdict.exit_code == 2
    assert "could not run: pytest internal error" in verdict.reasons[0].message


def test_could_not_run_outranks_failed():
    docs = document(suite("properties", Outcome.FAILED), suite("contract", status=SuiteStatus.ERROR, error="x"))
    assert evaluate(docs, GateSettings(), ("properties", "contract")).exit_code == 2


def test_empty_suite_warns_or_fails_by_policy():
    empty = suite("load", status=SuiteStatus.NOT_RUN, error="no tests yet")
    assert evaluate(document(empty), GateSettings(), ("load",)).exit_code == 0
    strict = GateSettings(allow_empty_suites=False)
    assert evaluate(document(empty), strict, ("load",)).exit_code == 1
    assert evaluate(document(), strict, ("load",)).exit_code == 1  # requested but absent


def test_properties_line_names_failed_and_skipped_property_levels():
    from gauntlet.rundoc.model import PropertiesSection, PropertyResult

    props = suite("properties", Outcome.PASSED, Outcome.FAILED, Outcome.SKIPPED)
    props.properties = PropertiesSection(
        properties=[
            PropertyResult(id="6", level="component", outcome=Outcome.PASSED, duration_s=0.1),
            PropertyResult(id="9", level="http", outcome=Outcome.FAILED, duration_s=0.1),
            PropertyResult(id="30", level="http", outcome=Outcome.SKIPPED, duration_s=0.1),
        ]
    )
    verdict = evaluate(document(props), GateSettings(), ("properties",))
    line = next(r for r in verdict.reasons if r.rule == "properties")
    assert (line.level, line.message) == ("fail", "1 of 3 property levels passed; failed: 9/http; not run: 30/http")
    assert verdict.exit_code == 1


def test_a_skipped_property_level_of_a_deployment_is_a_warning_not_a_failure():
    from gauntlet.rundoc.model import PropertiesSection, PropertyResult

    props = suite("properties", Outcome.PASSED, Outcome.SKIPPED)
    props.properties = PropertiesSection(
        properties=[
            PropertyResult(id="6", level="component", outcome=Outcome.PASSED, duration_s=0.1),
            PropertyResult(id="30", level="http", outcome=Outcome.SKIPPED, duration_s=0.1),
        ]
    )
    verdict = evaluate(document(props), GateSettings(), ("properties",))
    line = next(r for r in verdict.reasons if r.rule == "properties")
    assert line.level == "warn"
    assert verdict.exit_code == 0


def test_on_the_bundled_app_a_skipped_property_level_fails_the_gate():
    # Every level can run on the app the run started: a skip there means a property
    # silently stopped being checked.
    from gauntlet.rundoc.model import PropertiesSection, PropertyResult

    props = suite("properties", Outcome.PASSED, Outcome.SKIPPED)
    props.properties = PropertiesSection(
        properties=[
            PropertyResult(id="6", level="component", outcome=Outcome.PASSED, duration_s=0.1),
            PropertyResult(id="10", level="http", outcome=Outcome.SKIPPED, duration_s=0.1),
        ]
    )
    verdict = evaluate(document(props, kind="bundled"), GateSettings(), ("properties",))
    line = next(r for r in verdict.reasons if r.rule == "properties")
    assert (line.level, line.message) == ("fail", "1 of 2 property levels passed; not run: 10/http")
    assert verdict.exit_code == 1
