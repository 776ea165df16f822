"""How run-document values read in a report: outcome marks, durations, counts.

Shared by every writer so that Markdown, JUnit and later HTML say the same thing the
same way. Plain functions of their input: no clock, no locale, so output is stable.
"""

from __future__ import annotations

import shlex
from datetime import datetime

from gauntlet.rundoc.model import Outcome, SuiteStatus, Verdict

MARK_OK = "✅"
MARK_FAIL = "❌"
MARK_WARN = "⚠️"
MARK_SKIP = "⏭️"

OUTCOME_MARKS: dict[Outcome, str] = {
    Outcome.PASSED: MARK_OK,
    Outcome.FAILED: MARK_FAIL,
    Outcome.ERROR: MARK_WARN,
    Outcome.SKIPPED: MARK_SKIP,
}
STATUS_MARKS: dict[SuiteStatus, str] = {
    SuiteStatus.PASSED: MARK_OK,
    SuiteStatus.FAILED: MARK_FAIL,
    SuiteStatus.ERROR: MARK_WARN,
    SuiteStatus.NOT_RUN: MARK_SKIP,
}
REASON_MARKS = {"fail": MARK_FAIL, "warn": MARK_WARN, "ok": MARK_OK}
#: The gate's exit codes (gauntlet/gate.py) in words.
VERDICT_WORDS = {0: "PASS", 1: "FAIL", 2: "COULD NOT RUN"}
VERDICT_MARKS = {0: MARK_OK, 1: MARK_FAIL, 2: MARK_WARN}
#: Shown instead of a verdict when report.json was rendered before the gate judged it.
NOT_JUDGED = "NOT JUDGED"
#: Security severities from worst to least; findings are listed worst first.
SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
#: Characters of a git SHA shown in a run line (git's own default abbreviation).
SHORT_SHA_CHARS = 7


def verdict_title(verdict: Verdict | None) -> str:
    if verdict is None:
        return f"{MARK_WARN} {NOT_JUDGED}"
    return f"{VERDICT_MARKS[verdict.exit_code]} {VERDICT_WORDS[verdict.exit_code]}"


def outcome(value: Outcome) -> str:
    return f"{OUTCOME_MARKS[value]} {value.value}"


def status(value: SuiteStatus) -> str:
    return f"{STATUS_MARKS[value]} {value.value.replace('_', ' ')}"


def seconds(value: float) -> str:
    """``0.042 s``, ``12.3 s``, ``2 m 05 s``, ``1 h 02 m``."""
    if value < 1:
        return f"{value:.3f} s"
    if value < 60:
        return f"{value:.1f} s"
    whole = round(value)
    if whole < 3600:
        return f"{whole // 60} m {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} m"


def elapsed(started: datetime, finished: datetime | None) -> float | None:
    if finished is None:
        return None
    return max(0.0, (finished - started).total_seconds())


def short_sha(sha: str | None) -> str:
    return sha[:SHORT_SHA_CHARS] if sha else "unknown"


def number(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def optional(value: object, missing: str = "—") -> str:
    return missing if value is None else str(value)


def pytest_command(nodeid: str, hypothesis_seed: str | None = None) -> str:
    """The shell command that re-runs one test, with Hypothesis's seed when known."""
    command = f"pytest {shlex.quote(nodeid)}"
    if hypothesis_seed:
        command += f" --hypothesis-seed={shlex.quote(hypothesis_seed)}"
    return command
