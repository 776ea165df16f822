"""``report.md``: the run as a pull-request comment or CI step summary.

Reading order is the reviewer's: the verdict and why (first line), the run it came
from, one row per suite, then per suite what failed with its smallest reproducer.
Sections with nothing to show are left out; the file reads as plain text too::

    ## ❌ FAIL · exit code 1
    - ❌ fail · suite properties: properties: 35 passed, 1 failed, 0 errors, 0 skipped
    **Run** `20261122T041502Z-3fa9` · target `http://127.0.0.1:8000` (bundled) · ...
    | Suite | Status | Passed | Failed | Error | Skipped |
    ### properties
    #### Failing tests (1)
"""

from __future__ import annotations

from gauntlet.rundoc.model import Outcome, RunDocument, RunMeta, SuiteStatus, Verdict
from reports import wording
from reports.markdown_sections import suite_sections
from reports.markup import code, heading, plain, table
from reports.registry import writer

#: Reasons listed worst first, so the cause of a failed gate is the first thing read.
REASON_ORDER = ("fail", "warn", "ok")
COUNTED = (Outcome.PASSED, Outcome.FAILED, Outcome.ERROR, Outcome.SKIPPED)


@writer("report.md")
def markdown_report(document: RunDocument) -> str:
    """Render ``document`` as Markdown; the same document always gives the same text."""
    blocks = [_verdict(document.verdict), _run_line(document.meta), *_suites(document)]
    for suite in document.suites.values():
        blocks.extend(suite_sections(suite))
    return "\n\n".join(block for block in blocks if block) + "\n"


def _verdict(verdict: Verdict | None) -> str:
    if verdict is None:
        return heading(2, f"{wording.verdict_title(None)}: report.json holds no verdict yet")
    lines = [heading(2, f"{wording.verdict_title(verdict)} · exit code {verdict.exit_code}")]
    reasons = sorted(verdict.reasons, key=lambda r: REASON_ORDER.index(r.level))
    if reasons:
        lines.append("")
        lines.extend(
            f"- {wording.REASON_MARKS[r.level]} {r.level} · {plain(r.rule)}: {plain(r.message)}" for r in reasons
        )
    return "\n".join(lines)


def _run_line(meta: RunMeta) -> str:
    target = meta.target
    host = meta.host
    duration = wording.elapsed(meta.started_at, meta.finished_at)
    parts = [
        f"**Run** {code(meta.run_id)}",
        f"target {code(target.url)} ({target.kind})",
        f"profile {code(meta.profile)}",
        f"seed {code(str(meta.seed))}",
        f"git {code(wording.short_sha(meta.git_sha))}",
        f"duration {wording.seconds(duration)}" if duration is not None else "unfinished",
        f"host {code(host.hostname)} ({host.cpu_count} CPUs, {plain(host.platform)}, Python {plain(host.python)})",
        f"gauntlet {plain(meta.tool_version)}",
    ]
    return " · ".join(parts)


def _suites(document: RunDocument) -> list[str]:
    if not document.suites:
        return ["No suite ran."]
    rows = []
    for suite in document.suites.values():
        counts = suite.counts()
        rows.append(
            [
                plain(suite.name),
                wording.status(suite.status),
                *(str(counts[o]) for o in COUNTED),
            ]
        )
    blocks = [
        heading(3, "Suites"),
        table(
            ["Suite", "Status", "Passed", "Failed", "Error", "Skipped"],
            rows,
            "llrrrr",
        ),
    ]
    notes = [
        f"- {wording.STATUS_MARKS[s.status]} **{plain(s.name)}** "
        f"{'could not run' if s.status == SuiteStatus.ERROR else 'did not run'}: "
        f"{plain(s.error or 'no reason recorded')}"
        for s in document.suites.values()
        if s.status in (SuiteStatus.ERROR, SuiteStatus.NOT_RUN)
    ]
    if notes:
        blocks.append("\n".join(notes))
    return blocks
