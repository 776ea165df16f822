"""What counts as one JUnit test case, taken from a run document.

Per suite, in this order: one case per pytest test record; one ``<error>`` case when
the suite could not run (a skipped one when it did not run at all); one per contract
cause (and per contract failure not folded into a cause); one per chaos scenario; one
per security finding class (rule id). Load SLOs come from the verdict: one case per
verdict reason whose rule starts with ``slo``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gauntlet.rundoc.model import (
    ChaosSection,
    ContractSection,
    Outcome,
    RunDocument,
    SecurityFinding,
    SecuritySection,
    SuiteResult,
    SuiteStatus,
    TestRecord,
    VerdictReason,
)
from reports import wording

#: Verdict reasons about load SLOs are recognised by their rule name ("slo p95 GET /items").
SLO_RULE_PREFIX = "slo"
#: Severities that fail a finding class; ``info`` findings are reported, not failed.
FAILING_SEVERITIES = frozenset({"low", "medium", "high", "critical"})


@dataclass(frozen=True)
class Case:
    """One ``<testcase>`` before it becomes XML."""

    classname: str
    name: str
    outcome: Outcome
    time_s: float = 0.0
    message: str | None = None
    detail: str | None = None
    properties: list[tuple[str, str]] = field(default_factory=list)
    output: str | None = None


def suite_cases(suite: SuiteResult) -> list[Case]:
    """Every test case one suite contributes, in a stable order."""
    cases = [_record_case(suite.name, test) for test in suite.tests]
    if suite.status == SuiteStatus.ERROR:
        reason = suite.error or "no reason recorded"
        cases.append(Case(suite.name, "suite could not run", Outcome.ERROR, message=reason, detail=reason))
    elif suite.status == SuiteStatus.NOT_RUN and not suite.tests:
        reason = suite.error or "no tests ran"
        cases.append(Case(suite.name, "suite did not run", Outcome.SKIPPED, message=reason))
    if suite.contract:
        cases.extend(_contract_cases(suite.name, suite.contract))
    if suite.chaos:
        cases.extend(_chaos_cases(suite.name, suite.chaos))
    if suite.security:
        cases.extend(_security_cases(suite.name, suite.security))
    return cases


def split_nodeid(suite: str, nodeid: str) -> tuple[str, str]:
    """``("properties", "properties/test_cache.py::TestGet::test_hit[x]")`` ->
    ``("properties.test_cache.TestGet", "test_hit[x]")``.

    Like pytest's own junitxml: the module path and classes form the classname; the
    suite name is put in front unless the module path already starts with it.
    """
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[-1] += bracket + params
    module = names[0].removesuffix(".py").replace("\\", "/").strip("/").replace("/", ".")
    classes = names[1:-1]
    prefix = [] if module == suite or module.startswith(f"{suite}.") else [suite]
    classname = ".".join(part for part in [*prefix, module, *classes] if part)
    return classname, names[-1]


def _record_case(suite: str, test: TestRecord) -> Case:
    classname, name = split_nodeid(suite, test.nodeid)
    properties = [("nodeid", test.nodeid)]
    for key, value in (
        ("property_id", test.property_id),
        ("level", test.level),
        ("mutant_id", test.mutant_id),
    ):
        if value is not None:
            properties.append((key, value))
    info = test.hypothesis
    detail_parts = [test.longrepr or test.message or ""]
    if info:
        if info.seed is not None:
            properties.append(("hypothesis_seed", info.seed))
        if info.examples is not None:
            properties.append(("hypothesis_examples", str(info.examples)))
        example = info.falsifying_example
        if example and example.strip() not in (test.longrepr or ""):
            detail_parts.append(example)
        if info.seed is not None:
            detail_parts.append(f"Reproduce with: {wording.pytest_command(test.nodeid, info.seed)}")
    return Case(
        classname=classname,
        name=name,
        outcome=test.outcome,
        time_s=test.duration_s,
        message=test.message,
        detail="\n\n".join(part.strip() for part in detail_parts if part.strip()) or None,
        properties=properties,
    )


def _contract_cases(suite: str, section: ContractSection) -> list[Case]:
    cases = []
    cause_ids = {cause.id for cause in section.causes}
    for cause in section.causes:
        members = [f for f in section.failures if f.cause_id == cause.id]
        status = "no response" if cause.status is None else f"status {cause.status}"
        operations = ", ".join(cause.operations)
        lines = [f"{status}, value class {cause.value_class}, on {operations}", cause.reproducer]
        lines.extend(f"{f.check} on {f.operation}: {f.message}\n{f.curl}" for f in members)
        cases.append(
            Case(
                classname=f"{suite}.causes",
                name=cause.signature or cause.id,
                outcome=Outcome.FAILED,
                message=f"{status} with {cause.value_class} values on {operations}",
                detail="\n\n".join(lines),
                properties=[("cause_id", cause.id), ("value_class", cause.value_class)],
            )
        )
    for failure in section.failures:
        if failure.cause_id in cause_ids:
            continue
        detail = f"{failure.message}\n\n{failure.curl}"
        if failure.response_excerpt:
            detail += f"\n\nResponse:\n{failure.response_excerpt}"
        properties = [("check", failure.check)]
        if failure.seed is not None:
            properties.append(("seed", str(failure.seed)))
        cases.append(
            Case(
                classname=f"{suite}.{failure.check}",
                name=failure.operation,
                outcome=Outcome.FAILED,
                message=f"{failure.title}: {failure.message}",
                detail=detail,
                properties=properties,
            )
        )
    return cases


def slo_cases(document: RunDocument, suite: str) -> list[Case]:
    """One case per load SLO the gate judged, filed under ``suite``."""
    return [_slo_case(suite, reason) for reason in _slo_reasons(document)]


def _slo_reasons(document: RunDocument) -> list[VerdictReason]:
    if document.verdict is None:
        return []
    return [reason for reason in document.verdict.reasons if reason.rule.lower().startswith(SLO_RULE_PREFIX)]


def _slo_case(suite: str, reason: VerdictReason) -> Case:
    if reason.level == "fail":
        return Case(
            f"{suite}.slo",
            reason.rule,
            Outcome.FAILED,
            message=reason.message,
            detail=reason.message,
        )
    # A warn-level SLO did not fail the gate, so it does not fail the CI tab either.
    output = f"{reason.level}: {reason.message}"
    return Case(f"{suite}.slo", reason.rule, Outcome.PASSED, output=output)


def _chaos_cases(suite: str, section: ChaosSection) -> list[Case]:
    cases = []
    for scenario in section.scenarios:
        lines = [
            f"{'held' if a.passed else 'BROKEN'}: {a.name}: expected {a.expected}, observed {a.observed}"
            for a in scenario.assertions
        ]
        if scenario.recovery_s is not None:
            lines.append(f"recovery: {wording.seconds(scenario.recovery_s)}")
        if scenario.lost_writes is not None:
            lines.append(f"lost writes: {scenario.lost_writes}")
        broken = [a for a in scenario.assertions if not a.passed]
        message = "; ".join(f"{a.name}: expected {a.expected}, observed {a.observed}" for a in broken)
        cases.append(
            Case(
                classname=f"{suite}.scenarios",
                name=scenario.name,
                outcome=Outcome.PASSED if scenario.passed else Outcome.FAILED,
                message=None if scenario.passed else message or "scenario failed",
                detail="\n".join(lines) or None,
                output="\n".join(lines) if scenario.passed and lines else None,
            )
        )
    return cases


def _security_cases(suite: str, section: SecuritySection) -> list[Case]:
    by_rule: dict[str, list[SecurityFinding]] = {}
    for finding in section.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    cases = []
    for rule_id in sorted(by_rule):
        findings = sorted(by_rule[rule_id], key=lambda f: (wording.SEVERITY_ORDER.index(f.severity), f.location))
        worst = findings[0].severity
        open_ = [f for f in findings if not f.accepted_until]
        detail = "\n\n".join(_finding_text(f) for f in findings)
        properties = [("severity", worst), ("findings", str(len(findings)))]
        classname = f"{suite}.findings"
        if not open_:
            until = min(f.accepted_until or "" for f in findings)
            message = f"{len(findings)} accepted finding(s), accepted until {until}"
            cases.append(Case(classname, rule_id, Outcome.SKIPPED, message=message, properties=properties))
        elif open_[0].severity in FAILING_SEVERITIES:
            message = f"{len(open_)} {open_[0].severity} finding(s): {open_[0].message}"
            cases.append(
                Case(
                    classname,
                    rule_id,
                    Outcome.FAILED,
                    message=message,
                    detail=detail,
                    properties=properties,
                )
            )
        else:
            cases.append(Case(classname, rule_id, Outcome.PASSED, output=detail, properties=properties))
    return cases


def _finding_text(finding: SecurityFinding) -> str:
    text = f"[{finding.severity}] {finding.location}: {finding.message}"
    if finding.accepted_until:
        text += f" (accepted until {finding.accepted_until})"
    if finding.evidence:
        text += f"\n{finding.evidence}"
    return text
