"""A run document with something of everything a report shows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gauntlet.rundoc.model import (
    ChaosAssertion,
    ChaosScenario,
    ChaosSection,
    ContractCause,
    ContractFailure,
    ContractSection,
    EndpointLoad,
    GeneratorHealth,
    HeaderGrade,
    HostFingerprint,
    HypothesisInfo,
    LatencySummary,
    LoadSection,
    Outcome,
    PropertiesSection,
    PropertyResult,
    RunDocument,
    RunMeta,
    SecurityFinding,
    SecuritySection,
    SuiteResult,
    SuiteStatus,
    TargetInfo,
    TestRecord,
    Verdict,
    VerdictReason,
)

NOW = datetime(2026, 11, 22, 4, 15, 2, tzinfo=UTC)
FAILING_NODEID = "properties/test_cache.py::TestCache::test_hit_after_set[http]"
FALSIFYING = "Falsifying example: test_hit_after_set(\n    key='a|b',\n)"
CAUSE_CURL = "curl -X POST 'http://127.0.0.1:8000/items' -H 'content-type: application/json' -d '{\"quantity\": 1e400}'"
CHAOS_ERROR = "fault proxy did not start: port 8474 in use"


def meta() -> RunMeta:
    return RunMeta(
        run_id="20261122T041502Z-3fa9",
        tool_version="0.1.0",
        target=TargetInfo(url="http://127.0.0.1:8000", kind="bundled", openapi="/openapi.json"),
        git_sha="0123456789abcdef0123456789abcdef01234567",
        host=HostFingerprint(
            hostname="ci-runner-1",
            platform="Linux-6.1-x86_64",
            python="3.11.7",
            cpu_count=2,
            cpu_model="Xeon",
            memory_bytes=8 << 30,
        ),
        profile="ci",
        seed=42,
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=83.5),
    )


def suite(name: str, status: SuiteStatus, **sections: object) -> SuiteResult:
    return SuiteResult.model_validate(
        {
            "name": name,
            "status": status,
            "started_at": NOW,
            "finished_at": NOW + timedelta(seconds=10),
            **sections,
        }
    )


def latency(p50: float, p95: float, p99: float) -> LatencySummary:
    return LatencySummary(p50_ms=p50, p90_ms=p95, p95_ms=p95, p99_ms=p99, p999_ms=p99, max_ms=p99 * 2)


def properties_suite() -> SuiteResult:
    tests = [
        TestRecord(
            nodeid="properties/test_health.py::test_health_is_cheap",
            outcome=Outcome.PASSED,
            duration_s=0.25,
            property_id="1",
            level="http",
            hypothesis=HypothesisInfo(seed="1234", examples=10),
        ),
        TestRecord(
            nodeid=FAILING_NODEID,
            outcome=Outcome.FAILED,
            duration_s=1.5,
            property_id="4",
            level="http",
            message="AssertionError: assert 'a|b' == 'a'",
            longrepr="def test_hit_after_set(key):\n>   assert got == key\nE   AssertionError",
            hypothesis=HypothesisInfo(seed="1234", examples=12, falsifying_example=FALSIFYING),
        ),
        TestRecord(
            nodeid="properties/test_queue.py::test_task_runs_once",
            outcome=Outcome.SKIPPED,
            duration_s=0.0,
            message="needs a Celery worker",
        ),
    ]
    props = PropertiesSection(
        properties=[
            PropertyResult(id="1", level="http", outcome=Outcome.PASSED, examples=10, duration_s=0.25),
            PropertyResult(
                id="4",
                level="http",
                outcome=Outcome.FAILED,
                examples=12,
                duration_s=1.5,
                seed="1234",
                falsifying_example=FALSIFYING,
                nodeids=[FAILING_NODEID],
            ),
        ]
    )
    return suite("properties", SuiteStatus.FAILED, tests=tests, properties=props)


def contract_suite() -> SuiteResult:
    failures = [
        ContractFailure(
            operation=op,
            check="not_a_server_error",
            title="Server error",
            message="500 Internal Server Error",
            curl=CAUSE_CURL,
            cause_id="C1",
        )
        for op in ("POST /items", "PATCH /items/{id}")
    ]
    failures.append(
        ContractFailure(
            operation="GET /search?q=a|b",
            check="response_schema_conformance",
            title="Response violates schema",
            message="'total' is a required property",
            curl="curl 'http://127.0.0.1:8000/search?q=a|b'",
            seed=7,
        )
    )
    section = ContractSection(
        cases_per_phase={"examples": 12, "fuzzing": 100},
        failures=failures,
        causes=[
            ContractCause(
                id="C1",
                status=500,
                value_class="huge-number",
                signature="500 on numbers beyond float range",
                operations=["POST /items", "PATCH /items/{id}"],
                reproducer=CAUSE_CURL,
            )
        ],
    )
    tests = [
        TestRecord(nodeid="contract/test_openapi.py::test_api", outcome=Outcome.FAILED, duration_s=3.0),
    ]
    return suite("contract", SuiteStatus.FAILED, tests=tests, contract=section)


def load_suite() -> SuiteResult:
    items = EndpointLoad(
        name="GET /items|list",
        requests=1200,
        failures=3,
        throughput_rps=40.0,
        latency=latency(3.1, 8.25, 12.0),
        errors_by_status={"500": 2, "ConnectionResetError": 1},
    )
    section = LoadSection(
        profile="baseline",
        endpoints=[items],
        total=items.model_copy(update={"name": "total"}),
        generator=GeneratorHealth(cpu_percent_max=98.0, loop_lag_ms_max=250.0, dropped_starts=12, saturated=True),
        valid=False,
    )
    tests = [TestRecord(nodeid="load/test_baseline.py::test_baseline", outcome=Outcome.PASSED, duration_s=30.0)]
    return suite("load", SuiteStatus.PASSED, tests=tests, load=section)


def security_suite() -> SuiteResult:
    findings = [
        SecurityFinding(rule_id="missing-hsts", severity="info", location="GET /", message="no HSTS"),
        SecurityFinding(
            rule_id="sql-fstring",
            severity="high",
            location="reference_app/db.py:12",
            message="SQL built with an f-string",
            evidence='cur.execute(f"SELECT * FROM t WHERE id = {id}")',
        ),
        SecurityFinding(
            rule_id="cors-wildcard",
            severity="medium",
            location="reference_app/main.py:40",
            message="CORS * with credentials",
            accepted_until="2027-01-01",
        ),
    ]
    section = SecuritySection(
        findings=findings,
        header_grade=HeaderGrade(score=70, grade="B", deductions=["CSP missing: -25"]),
    )
    return suite("security", SuiteStatus.FAILED, security=section)


def chaos_suite() -> SuiteResult:
    scenarios = [
        ChaosScenario(
            name="redis-down",
            passed=True,
            recovery_s=1.2,
            lost_writes=0,
            assertions=[ChaosAssertion(name="no 5xx", expected="0", observed="0", passed=True)],
        ),
        ChaosScenario(
            name="postgres-partitioned",
            passed=False,
            recovery_s=12.5,
            lost_writes=2,
            assertions=[
                ChaosAssertion(
                    name="errors are problem+json 503",
                    expected="503 application/problem+json",
                    observed="500 text/html | 3 times",
                    passed=False,
                ),
                ChaosAssertion(name="readiness flips", expected="503", observed="503", passed=True),
            ],
        ),
    ]
    return suite("chaos", SuiteStatus.FAILED, chaos=ChaosSection(scenarios=scenarios))


def document(*suites: SuiteResult, verdict: Verdict | None = None) -> RunDocument:
    return RunDocument(meta=meta(), suites={s.name: s for s in suites}, verdict=verdict)


@pytest.fixture
def run_document() -> RunDocument:
    """Passed (load), failed (properties, contract, security) and errored (chaos) suites."""
    suites = [
        properties_suite(),
        contract_suite(),
        load_suite(),
        suite("chaos", SuiteStatus.ERROR, error=CHAOS_ERROR),
        security_suite(),
    ]
    verdict = Verdict(
        passed=False,
        exit_code=2,
        reasons=[
            VerdictReason(rule="suite properties", level="fail", message="properties: 1 passed, 1 failed"),
            VerdictReason(rule="suite load", level="ok", message="load: 1 passed"),
            VerdictReason(rule="suite chaos", level="fail", message=f"chaos: could not run: {CHAOS_ERROR}"),
            VerdictReason(rule="slo p95 GET /items", level="fail", message="p95 812 ms > 500 ms"),
            VerdictReason(rule="slo error-rate", level="warn", message="error rate 0.3 % > 0.1 %"),
        ],
    )
    return document(*suites, verdict=verdict)
