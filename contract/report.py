"""What a contract run found, judged against the known failures, ready for the run document."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from contract.causes import Cause, RawFailure
from contract.known import KnownFailures, Verdict
from gauntlet.rundoc.model import ContractSection


@dataclass
class ContractReport:
    mode: str
    checks: tuple[str, ...]
    failures: list[RawFailure]
    causes: list[Cause]
    findings: list[str]
    cases_per_phase: dict[str, int]
    known: KnownFailures
    today: date
    #: False when credentials were lost and could not be obtained again.
    credentials_kept: bool = True

    def verdict(self, failure: RawFailure) -> Verdict:
        return self.known.judge(failure, self.today)

    def open_causes(self, check: str | None = None) -> list[Cause]:
        """Causes with a failure not accepted by a live known-failures entry (charged to ``check``)."""
        return [
            cause
            for cause in self.causes
            if (check is None or cause.check == check) and any(not self.verdict(f).accepted for f in cause.failures)
        ]

    def explain(self, causes: list[Cause]) -> str:
        """The pytest failure message: each cause once, expired acceptances named."""
        lines = [f"{len(causes)} cause(s) of contract failures ({self.mode}):"]
        for cause in causes:
            lines.append(cause.describe())
            notes = {self.verdict(f).note() for f in cause.failures} - {""}
            lines.extend(f"  {note}" for note in sorted(notes))
        return "\n".join(lines)

    @property
    def total_cases(self) -> int:
        return sum(self.cases_per_phase.values())

    def section(self) -> ContractSection:
        """The ``contract`` section of the run document: raw failures, causes, findings, counts."""
        records = []
        findings = list(self.findings)
        for failure in self.failures:
            verdict = self.verdict(failure)
            record = failure.to_record()
            if verdict.entry is not None:
                record = record.model_copy(update={"message": f"{record.message}\n[{verdict.note()}]"})
            records.append(record)
        for entry in {v.entry for v in map(self.verdict, self.failures) if v.entry and not v.accepted}:
            findings.append(f"known failure expired: {entry.describe()}")
        return ContractSection(
            cases_per_phase=dict(self.cases_per_phase),
            failures=records,
            causes=[cause.to_record() for cause in self.causes],
            findings=findings,
        )

    def without_acceptances(self) -> ContractReport:
        return replace(self, known=KnownFailures())
