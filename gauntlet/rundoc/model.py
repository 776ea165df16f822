"""Run document, schema version 1: what one Gauntlet run found.

Suites only write it (each its own ``results/<suite>.json``, a :class:`SuiteResult`);
the gate and the reports only read it. Every report can be rebuilt from a stored
``report.json`` alone, so everything a report shows must live here.

    RunDocument
    ├── meta: RunMeta            target, git SHA, host, profile, seed, times
    ├── suites: {name: SuiteResult}
    │     ├── tests: [TestRecord]           one per pytest test (outcome, property id, seed...)
    │     └── properties | contract | load | chaos | security   (the suite's own section)
    └── verdict: Verdict | None  written by the gate
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Bumped on any incompatible change; readers refuse documents of another major version.
SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class SuiteStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    #: The suite could not run (bad setup, target unreachable): never a pass.
    ERROR = "error"
    NOT_RUN = "not_run"


class TargetInfo(_Model):
    url: str
    kind: Literal["bundled", "external"]
    openapi: str | None = None


class HostFingerprint(_Model):
    hostname: str
    platform: str
    python: str
    cpu_count: int
    cpu_model: str
    memory_bytes: int


class RunMeta(_Model):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    tool_version: str
    target: TargetInfo
    git_sha: str | None
    host: HostFingerprint
    profile: str
    seed: int
    started_at: datetime
    finished_at: datetime | None = None


class HypothesisInfo(_Model):
    seed: str | None = None
    examples: int | None = None
    falsifying_example: str | None = None


class TestRecord(_Model):
    """One pytest test as the plugin saw it."""

    __test__ = False  # a record, not a pytest test class

    nodeid: str
    outcome: Outcome
    duration_s: float
    property_id: str | None = None
    mutant_id: str | None = None
    level: str | None = None
    message: str | None = None
    longrepr: str | None = None
    hypothesis: HypothesisInfo | None = None


class PropertyResult(_Model):
    """One property at one level, folded from its tests."""

    id: str
    level: str
    outcome: Outcome
    examples: int | None = None
    duration_s: float
    seed: str | None = None
    falsifying_example: str | None = None
    nodeids: list[str] = Field(default_factory=list)


class PropertiesSection(_Model):
    properties: list[PropertyResult] = Field(default_factory=list)


class ContractFailure(_Model):
    operation: str
    check: str
    title: str
    message: str
    curl: str
    seed: int | None = None
    response_excerpt: str | None = None
    cause_id: str | None = None


class ContractCause(_Model):
    id: str
    status: int | None
    value_class: str
    signature: str
    operations: list[str]
    reproducer: str


class ContractSection(_Model):
    cases_per_phase: dict[str, int] = Field(default_factory=dict)
    failures: list[ContractFailure] = Field(default_factory=list)
    causes: list[ContractCause] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)


class LatencySummary(_Model):
    #: Base64 of the serialised HDR histogram (microseconds), for re-analysis.
    hdr: str | None = None
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float


class EndpointLoad(_Model):
    name: str
    requests: int
    failures: int
    throughput_rps: float
    latency: LatencySummary
    latency_uncorrected: LatencySummary | None = None
    errors_by_status: dict[str, int] = Field(default_factory=dict)
    timeseries: list[dict[str, float]] = Field(default_factory=list)


class GeneratorHealth(_Model):
    cpu_percent_max: float
    loop_lag_ms_max: float
    dropped_starts: int
    saturated: bool


class LoadSection(_Model):
    profile: str
    endpoints: list[EndpointLoad] = Field(default_factory=list)
    total: EndpointLoad | None = None
    generator: GeneratorHealth | None = None
    slos: dict[str, Any] = Field(default_factory=dict)
    #: False when the generator saturated: such a run is never compared.
    valid: bool = True


class ChaosAssertion(_Model):
    name: str
    expected: str
    observed: str
    passed: bool


class ChaosScenario(_Model):
    name: str
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    assertions: list[ChaosAssertion] = Field(default_factory=list)
    recovery_s: float | None = None
    lost_writes: int | None = None
    passed: bool


class ChaosSection(_Model):
    scenarios: list[ChaosScenario] = Field(default_factory=list)


class SecurityFinding(_Model):
    rule_id: str
    severity: Literal["info", "low", "medium", "high", "critical"]
    location: str
    message: str
    evidence: str | None = None
    accepted_until: str | None = None


class HeaderGrade(_Model):
    score: int
    grade: str
    deductions: list[str] = Field(default_factory=list)


class SecuritySection(_Model):
    findings: list[SecurityFinding] = Field(default_factory=list)
    header_grade: HeaderGrade | None = None


class SuiteResult(_Model):
    """What one suite wrote: ``results/<suite>.json``."""

    name: str
    status: SuiteStatus
    started_at: datetime
    finished_at: datetime | None = None
    #: Why the suite could not run (status ``error``), in one line.
    error: str | None = None
    tests: list[TestRecord] = Field(default_factory=list)
    properties: PropertiesSection | None = None
    contract: ContractSection | None = None
    load: LoadSection | None = None
    chaos: ChaosSection | None = None
    security: SecuritySection | None = None

    def counts(self) -> dict[Outcome, int]:
        counted = {outcome: 0 for outcome in Outcome}
        for test in self.tests:
            counted[test.outcome] += 1
        return counted


class VerdictReason(_Model):
    rule: str
    level: Literal["fail", "warn", "ok"]
    message: str


class Verdict(_Model):
    passed: bool
    exit_code: Literal[0, 1, 2]
    reasons: list[VerdictReason] = Field(default_factory=list)


class RunDocument(_Model):
    meta: RunMeta
    suites: dict[str, SuiteResult] = Field(default_factory=dict)
    verdict: Verdict | None = None
