"""Per-suite Markdown sections of ``report.md``: what went wrong and how to reproduce it.

Each function returns one block (or ``None`` when it has nothing to show, so the
section is left out). Order within a suite: failing tests, properties, contract,
load, chaos, security.
"""

from __future__ import annotations

from collections.abc import Sequence

from gauntlet.rundoc.model import (
    ChaosScenario,
    ChaosSection,
    ContractFailure,
    ContractSection,
    EndpointLoad,
    LoadSection,
    Outcome,
    PropertiesSection,
    SecurityFinding,
    SecuritySection,
    SuiteResult,
    TestRecord,
)
from reports import wording
from reports.markup import code, fence, heading, plain, table

#: Reproducers shown per list (failing tests, contract failures, evidence): a pull
#: request comment holds 65,536 characters; the rest is in junit.xml and report.json.
MAX_REPRODUCERS_SHOWN = 20
FAILING = (Outcome.FAILED, Outcome.ERROR)


def suite_sections(suite: SuiteResult) -> list[str]:
    """The blocks for one suite, under a ``### suite`` heading; empty when all is quiet."""
    shown_examples: set[str] = set()
    blocks = [
        _failing_tests(suite.tests, shown_examples),
        _properties(suite.properties, shown_examples) if suite.properties else None,
        _contract(suite.contract) if suite.contract else None,
        _load(suite.load) if suite.load else None,
        _chaos(suite.chaos) if suite.chaos else None,
        _security(suite.security) if suite.security else None,
    ]
    present = [block for block in blocks if block]
    if not present:
        return []
    return [heading(3, plain(suite.name)), *present]


def _more(total: int, shown: int, what: str) -> str | None:
    if total <= shown:
        return None
    return f"… and {total - shown} more {what} (all of them are in junit.xml and report.json)."


def _join(parts: Sequence[str | None]) -> str:
    return "\n\n".join(part for part in parts if part)


def _failing_tests(tests: list[TestRecord], shown_examples: set[str]) -> str | None:
    failing = [test for test in tests if test.outcome in FAILING]
    if not failing:
        return None
    parts: list[str | None] = [heading(4, f"Failing tests ({len(failing)})")]
    for test in failing[:MAX_REPRODUCERS_SHOWN]:
        parts.append(_failing_test(test))
        if test.hypothesis and test.hypothesis.falsifying_example:
            shown_examples.add(test.nodeid)
    parts.append(_more(len(failing), MAX_REPRODUCERS_SHOWN, "failing tests"))
    return _join(parts)


def _failing_test(test: TestRecord) -> str:
    title = f"**{wording.outcome(test.outcome)}** {code(test.nodeid)}"
    if test.property_id:
        level = f" ({plain(test.level)})" if test.level else ""
        title += f" · property {plain(test.property_id)}{level}"
    if test.mutant_id:
        title += f" · mutant {plain(test.mutant_id)}"
    lines = [_message(test)]
    info = test.hypothesis
    if info and info.falsifying_example:
        lines.append(info.falsifying_example.strip())
    seed = info.seed if info else None
    if seed:
        lines.append(f"Hypothesis seed: {seed}")
    lines.append(f"Reproduce: {wording.pytest_command(test.nodeid, seed)}")
    return f"{title}\n\n{fence(chr(10).join(lines), 'text')}"


def _message(test: TestRecord) -> str:
    if test.message:
        return test.message.strip()
    tail = [line for line in (test.longrepr or "").splitlines() if line.strip()]
    return tail[-1].strip() if tail else "(no message recorded)"


def _properties(section: PropertiesSection, shown_examples: set[str]) -> str | None:
    if not section.properties:
        return None
    failed = sum(1 for p in section.properties if p.outcome in FAILING)
    rows = [
        [
            plain(p.id),
            plain(p.level),
            wording.outcome(p.outcome),
            wording.optional(p.examples),
            wording.seconds(p.duration_s),
        ]
        for p in section.properties
    ]
    parts: list[str | None] = [
        heading(4, f"Properties ({failed} of {len(section.properties)} failing)"),
        table(
            ["Property", "Level", "Outcome", "Examples", "Duration"],
            rows,
            "lllrr",
        ),
    ]
    # A failing property whose tests are not listed above still owes its reproducer.
    for p in section.properties:
        if p.falsifying_example and not shown_examples.intersection(p.nodeids):
            lines = [p.falsifying_example.strip()]
            if p.seed:
                lines.append(f"Hypothesis seed: {p.seed}")
            title = f"**Property {plain(p.id)} ({plain(p.level)})** falsifying example:"
            parts.append(f"{title}\n\n{fence(chr(10).join(lines), 'text')}")
    return _join(parts)


def _contract(section: ContractSection) -> str | None:
    cause_ids = {cause.id for cause in section.causes}
    loose = [f for f in section.failures if f.cause_id not in cause_ids]
    if not (section.causes or loose or section.findings):
        return None
    parts: list[str | None] = [heading(4, "Contract")]
    if section.cases_per_phase:
        phases = " · ".join(f"{plain(k)} {v}" for k, v in sorted(section.cases_per_phase.items()))
        parts.append(f"Cases generated: {phases}")
    if section.causes:
        per_cause = {cid: 0 for cid in cause_ids}
        for failure in section.failures:
            if failure.cause_id in per_cause:
                per_cause[failure.cause_id] += 1
        rows = [
            [
                code(cause.id),
                wording.optional(cause.status, "no response"),
                code(cause.value_class),
                ", ".join(code(op) for op in cause.operations),
                str(per_cause[cause.id]),
            ]
            for cause in section.causes
        ]
        parts.append(
            table(
                ["Cause", "Status", "Value class", "Operations", "Failures"],
                rows,
                "lrllr",
            )
        )
        for cause in section.causes[:MAX_REPRODUCERS_SHOWN]:
            title = f"**Cause {code(cause.id)}**: {plain(cause.signature)}"
            parts.append(f"{title}\n\n{fence(cause.reproducer, 'sh')}")
        parts.append(_more(len(section.causes), MAX_REPRODUCERS_SHOWN, "causes"))
    for failure in loose[:MAX_REPRODUCERS_SHOWN]:
        parts.append(_contract_failure(failure))
    parts.append(_more(len(loose), MAX_REPRODUCERS_SHOWN, "contract failures"))
    if section.findings:
        parts.append("\n".join(f"- {plain(finding)}" for finding in section.findings))
    return _join(parts)


def _contract_failure(failure: ContractFailure) -> str:
    title = f"**{code(failure.check)}** on {code(failure.operation)}: {plain(failure.title)}"
    lines = [failure.message.strip(), failure.curl.strip()]
    if failure.seed is not None:
        lines.append(f"# seed {failure.seed}")
    return f"{title}\n\n{fence(chr(10).join(lines), 'sh')}"


def _load(section: LoadSection) -> str | None:
    endpoints = list(section.endpoints)
    if not (endpoints or section.total or not section.valid):
        return None
    parts: list[str | None] = [heading(4, f"Load (profile {code(section.profile)})")]
    if not section.valid:
        health = ""
        if section.generator:
            g = section.generator
            health = (
                f" (CPU max {g.cpu_percent_max:.0f} %, event-loop lag max "
                f"{g.loop_lag_ms_max:.0f} ms, {g.dropped_starts} dropped starts)"
            )
        parts.append(
            f"{wording.MARK_WARN} **invalid: generator saturated**{health}; this run is never compared with a baseline."
        )
    rows = [_load_row(code(e.name), e) for e in endpoints]
    if section.total:
        rows.append(_load_row("**total**", section.total))
    if rows:
        header = ["Endpoint", "Requests", "p50 ms", "p95 ms", "p99 ms", "Throughput rps", "Errors"]
        parts.append(table(header, rows, "lrrrrrr"))
    return _join(parts)


def _load_row(name: str, e: EndpointLoad) -> list[str]:
    errors = str(e.failures)
    if e.errors_by_status:
        ranked = sorted(e.errors_by_status.items(), key=lambda kv: (-kv[1], kv[0]))
        errors += " (" + ", ".join(f"{plain(k)}: {v}" for k, v in ranked) + ")"
    latency = e.latency
    return [
        name,
        str(e.requests),
        wording.number(latency.p50_ms),
        wording.number(latency.p95_ms),
        wording.number(latency.p99_ms),
        wording.number(e.throughput_rps),
        errors,
    ]


def _chaos(section: ChaosSection) -> str | None:
    if not section.scenarios:
        return None
    rows = [
        [
            code(s.name),
            wording.MARK_OK + " passed" if s.passed else wording.MARK_FAIL + " failed",
            wording.seconds(s.recovery_s) if s.recovery_s is not None else "—",
            wording.optional(s.lost_writes),
        ]
        for s in section.scenarios
    ]
    parts: list[str | None] = [
        heading(4, "Chaos scenarios"),
        table(["Scenario", "Result", "Recovery", "Lost writes"], rows, "llrr"),
    ]
    parts.extend(_scenario_assertions(s) for s in section.scenarios if not s.passed)
    return _join(parts)


def _scenario_assertions(scenario: ChaosScenario) -> str:
    title = f"**{wording.MARK_FAIL} {code(scenario.name)}** assertions:"
    if not scenario.assertions:
        return f"{title} none recorded."
    rows = [
        [
            plain(a.name),
            code(a.expected),
            code(a.observed),
            wording.MARK_OK + " held" if a.passed else wording.MARK_FAIL + " broken",
        ]
        for a in scenario.assertions
    ]
    return f"{title}\n\n{table(['Assertion', 'Expected', 'Observed', 'Result'], rows)}"


def _severity_rank(finding: SecurityFinding) -> tuple[int, str, str]:
    return (wording.SEVERITY_ORDER.index(finding.severity), finding.rule_id, finding.location)


def _security(section: SecuritySection) -> str | None:
    if not (section.findings or section.header_grade):
        return None
    parts: list[str | None] = [heading(4, "Security")]
    findings = sorted(section.findings, key=_severity_rank)
    if findings:
        rows = []
        for f in findings:
            message = plain(f.message)
            if f.accepted_until:
                message += f" (accepted until {plain(f.accepted_until)})"
            rows.append([f.severity, code(f.rule_id), code(f.location), message])
        parts.append(table(["Severity", "Rule", "Location", "Message"], rows))
        # Accepted findings are known and waived: their evidence is noise in a review.
        with_evidence = [(f, f.evidence) for f in findings if f.evidence and not f.accepted_until]
        for f, evidence in with_evidence[:MAX_REPRODUCERS_SHOWN]:
            title = f"**{code(f.rule_id)}** at {code(f.location)}:"
            parts.append(f"{title}\n\n{fence(evidence, 'text')}")
        parts.append(_more(len(with_evidence), MAX_REPRODUCERS_SHOWN, "pieces of evidence"))
    grade = section.header_grade
    if grade:
        lines = [f"Security headers: grade **{plain(grade.grade)}** (score {grade.score})"]
        lines.extend(f"- {plain(d)}" for d in grade.deductions)
        parts.append("\n".join(lines))
    return _join(parts)
