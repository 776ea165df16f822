"""The gate: run document + policy -> verdict.

Verdict = every ``fail`` rule holds. Exit codes: 0 pass, 1 gate failed, 2 could not run.
A suite that could not run (status ``error``) under a ``fail`` policy makes the whole
run "could not run" (2), never a pass: a gate that did not look must not say yes.
"""

from __future__ import annotations

from gauntlet.config.model import GateSettings, SuiteName
from gauntlet.rundoc.model import Outcome, PropertiesSection, RunDocument, SuiteStatus, Verdict, VerdictReason


def evaluate(document: RunDocument, policy: GateSettings, requested: tuple[SuiteName, ...]) -> Verdict:
    """Judge ``document`` against ``policy`` for the suites the profile ``requested``.

    Suites under ``off`` are ignored; a suite with no tests yet is a warning while
    ``allow_empty_suites`` holds (the suites grow issue by issue).
    """
    reasons: list[VerdictReason] = []
    could_not_run = False
    failed = False
    for name in requested:
        level = getattr(policy, name)
        if level == "off":
            continue
        suite = document.suites.get(name)
        if suite is None or suite.status == SuiteStatus.NOT_RUN:
            why = suite.error if suite and suite.error else "no tests ran"
            if policy.allow_empty_suites:
                reasons.append(VerdictReason(rule=f"suite {name}", level="warn", message=f"not run ({why})"))
            else:
                failed = failed or level == "fail"
                reasons.append(VerdictReason(rule=f"suite {name}", level=level, message=f"not run ({why})"))
            continue
        counts = suite.counts()
        summary = (
            f"{counts[Outcome.PASSED]} passed, {counts[Outcome.FAILED]} failed, "
            f"{counts[Outcome.ERROR]} errors, {counts[Outcome.SKIPPED]} skipped"
        )
        if suite.status == SuiteStatus.ERROR:
            reasons.append(VerdictReason(rule=f"suite {name}", level=level, message=f"could not run: {suite.error}"))
            could_not_run = could_not_run or level == "fail"
        elif suite.status == SuiteStatus.FAILED:
            reasons.append(VerdictReason(rule=f"suite {name}", level=level, message=summary))
            failed = failed or level == "fail"
        else:
            reasons.append(VerdictReason(rule=f"suite {name}", level="ok", message=summary))
        if suite.properties is not None and suite.properties.properties:
            reason = _properties_reason(suite.properties, level, bundled=document.meta.target.kind == "bundled")
            reasons.append(reason)
            failed = failed or reason.level == "fail"
    exit_code = 2 if could_not_run else 1 if failed else 0
    return Verdict(passed=exit_code == 0, exit_code=exit_code, reasons=reasons)


def could_not_run(message: str) -> Verdict:
    return Verdict(passed=False, exit_code=2, reasons=[VerdictReason(rule="run", level="fail", message=message)])


def _properties_reason(section: PropertiesSection, level: str, *, bundled: bool) -> VerdictReason:
    """One line per run on the properties themselves: which (property, level) pairs failed
    or did not run. Failures already fail the suite. On the bundled app every property
    level can run, so one that did not fails the gate too; against a deployment some
    cannot (its Redis is not ours to stop): a warning, visible in every report."""
    failed = [f"{p.id}/{p.level}" for p in section.properties if p.outcome in (Outcome.FAILED, Outcome.ERROR)]
    skipped = [f"{p.id}/{p.level}" for p in section.properties if p.outcome == Outcome.SKIPPED]
    passed = len(section.properties) - len(failed) - len(skipped)
    message = f"{passed} of {len(section.properties)} property levels passed"
    if failed:
        message += f"; failed: {', '.join(failed)}"
    if skipped:
        message += f"; not run: {', '.join(skipped)}"
    verdict_level = level if failed or (skipped and bundled) else "warn" if skipped else "ok"
    return VerdictReason(rule="properties", level=verdict_level, message=message)
