"""junit.xml: parses, counts match the records, and follows the common JUnit schema."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from gauntlet.rundoc.model import Outcome, SuiteStatus, TestRecord, Verdict, VerdictReason
from reports.junit import junit_report
from reports.junit_cases import split_nodeid
from tests.reports.conftest import (
    CAUSE_CURL,
    CHAOS_ERROR,
    FAILING_NODEID,
    chaos_suite,
    document,
    suite,
)

#: The time format of Surefire's junit-10.xsd (at most three decimals).
SUREFIRE_TIME = re.compile(r"^\d+(\.\d{1,3})?$")
COUNTS = ("tests", "failures", "errors", "skipped")
RESULT_TAGS = {"failure", "error", "skipped"}


def parse(document_) -> ET.Element:
    return ET.fromstring(junit_report(document_).encode("utf-8"))


def outcome_of(case: ET.Element) -> str:
    tags = [child.tag for child in case if child.tag in RESULT_TAGS]
    assert len(tags) <= 1, tags
    return tags[0] if tags else "passed"


def properties_of(element: ET.Element) -> dict[str, str]:
    holder = element.find("properties")
    return {} if holder is None else {p.get("name"): p.get("value") for p in holder}


def check_schema(root: ET.Element) -> None:
    """The common JUnit shape (Surefire/Jenkins junit-10.xsd plus per-case properties)."""
    assert root.tag == "testsuites"
    assert set(root.attrib) <= {"name", "time", *COUNTS}
    for testsuite in root:
        assert testsuite.tag == "testsuite"
        assert {"name", *COUNTS} <= set(testsuite.attrib)
        assert set(testsuite.attrib) <= {"name", "time", "timestamp", "hostname", *COUNTS}
        assert SUREFIRE_TIME.match(testsuite.get("time", "0"))
        assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", testsuite.get("timestamp", ""))
        for child in testsuite:
            assert child.tag in {"properties", "testcase", "system-out", "system-err"}
        for case in testsuite.iter("testcase"):
            assert "name" in case.attrib
            assert set(case.attrib) <= {"name", "classname", "time"}
            assert SUREFIRE_TIME.match(case.get("time", "0"))
            tags = [child.tag for child in case]
            assert set(tags) <= {"properties", *RESULT_TAGS, "system-out", "system-err"}
            assert "properties" not in tags[1:], "properties come first"
    for prop in root.iter("property"):
        assert set(prop.attrib) == {"name", "value"}


def test_output_parses_and_follows_the_junit_schema(run_document):
    text = junit_report(run_document)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    check_schema(parse(run_document))


def test_every_count_attribute_matches_its_testcases(run_document):
    root = parse(run_document)
    totals = dict.fromkeys(COUNTS, 0)
    for testsuite in root:
        outcomes = [outcome_of(case) for case in testsuite.iter("testcase")]
        counted = {
            "tests": len(outcomes),
            "failures": outcomes.count("failure"),
            "errors": outcomes.count("error"),
            "skipped": outcomes.count("skipped"),
        }
        assert {key: int(testsuite.get(key)) for key in COUNTS} == counted, testsuite.get("name")
        for key in COUNTS:
            totals[key] += counted[key]
    assert {key: int(root.get(key)) for key in COUNTS} == totals


def test_one_testcase_per_test_record_with_its_outcome(run_document):
    root = parse(run_document)
    expected = {"passed": "passed", "failed": "failure", "error": "error", "skipped": "skipped"}
    for name, result in run_document.suites.items():
        testsuite = root.find(f"testsuite[@name='{name}']")
        by_nodeid = {properties_of(case).get("nodeid"): case for case in testsuite.iter("testcase")}
        for record in result.tests:
            assert outcome_of(by_nodeid[record.nodeid]) == expected[record.outcome.value]
    assert [s.get("name") for s in root] == list(run_document.suites)


def test_failing_property_test_carries_property_id_message_and_falsifying_example(run_document):
    root = parse(run_document)
    case = root.find(".//testcase[@name='test_hit_after_set[http]']")
    assert case.get("classname") == "properties.test_cache.TestCache"
    assert properties_of(case) | {"property_id": "4"} == properties_of(case)
    assert properties_of(case)["level"] == "http"
    assert properties_of(case)["hypothesis_seed"] == "1234"
    failure = case.find("failure")
    assert failure.get("message") == "AssertionError: assert 'a|b' == 'a'"
    assert "Falsifying example: test_hit_after_set(" in failure.text
    assert f"pytest '{FAILING_NODEID}' --hypothesis-seed=1234" in failure.text


def test_suite_that_could_not_run_is_one_error_testcase_with_its_reason(run_document):
    testsuite = parse(run_document).find("testsuite[@name='chaos']")
    cases = list(testsuite.iter("testcase"))
    assert len(cases) == 1
    error = cases[0].find("error")
    assert error.get("message") == CHAOS_ERROR
    assert testsuite.get("errors") == "1"


def test_suite_that_did_not_run_is_a_skipped_testcase():
    root = parse(document(suite("load", SuiteStatus.NOT_RUN, error="no load profile configured")))
    skipped = root.find(".//testcase/skipped")
    assert skipped.get("message") == "no load profile configured"


def test_contract_causes_and_loose_failures_are_failed_testcases(run_document):
    testsuite = parse(run_document).find("testsuite[@name='contract']")
    cause = testsuite.find("testcase[@classname='contract.causes']")
    assert cause.get("name") == "500 on numbers beyond float range"
    assert properties_of(cause)["cause_id"] == "C1"
    assert CAUSE_CURL in cause.find("failure").text
    loose = testsuite.find("testcase[@classname='contract.response_schema_conformance']")
    assert loose.get("name") == "GET /search?q=a|b"
    assert outcome_of(loose) == "failure"


def test_slo_reasons_of_the_verdict_join_the_load_suite(run_document):
    testsuite = parse(run_document).find("testsuite[@name='load']")
    failed = testsuite.find("testcase[@name='slo p95 GET /items']")
    assert failed.get("classname") == "load.slo"
    assert failed.find("failure").get("message") == "p95 812 ms > 500 ms"
    warned = testsuite.find("testcase[@name='slo error-rate']")
    assert outcome_of(warned) == "passed"
    assert warned.find("system-out").text.startswith("warn: ")


def test_chaos_scenarios_are_testcases_with_expected_versus_observed():
    root = parse(document(chaos_suite()))
    check_schema(root)
    failed = root.find(".//testcase[@name='postgres-partitioned']/failure")
    assert "expected 503 application/problem+json, observed 500 text/html | 3 times" in failed.get("message")
    assert outcome_of(root.find(".//testcase[@name='redis-down']")) == "passed"


def test_security_finding_classes_fail_skip_when_accepted_and_pass_when_info(run_document):
    testsuite = parse(run_document).find("testsuite[@name='security']")
    outcomes = {case.get("name"): outcome_of(case) for case in testsuite.iter("testcase")}
    assert outcomes == {
        "cors-wildcard": "skipped",
        "missing-hsts": "passed",
        "sql-fstring": "failure",
    }
    sql = testsuite.find("testcase[@name='sql-fstring']")
    assert properties_of(sql)["severity"] == "high"
    assert "reference_app/db.py:12" in sql.find("failure").text


def test_characters_xml_cannot_hold_are_replaced_not_written():
    record = TestRecord(
        nodeid="tests/test_x.py::test_nul",
        outcome=Outcome.FAILED,
        duration_s=0.1,
        message="\x1b[31mred\x1b[0m and a NUL \x00 byte",
        longrepr="payload: \x00\x07",
    )
    root = parse(document(suite("security", SuiteStatus.FAILED, tests=[record])))
    failure = root.find(".//failure")
    assert failure.get("message") == "red and a NUL \\x00 byte"
    assert failure.text == "payload: \\x00\\x07"


@pytest.mark.parametrize(
    ("suite_name", "nodeid", "expected"),
    [
        (
            "properties",
            "properties/test_cache.py::TestGet::test_hit[a::b]",
            ("properties.test_cache.TestGet", "test_hit[a::b]"),
        ),
        (
            "contract",
            "tests/contract/test_api.py::test_api[POST /items]",
            ("contract.tests.contract.test_api", "test_api[POST /items]"),
        ),
        ("load", "load/test_smoke.py", ("load.test_smoke", "load/test_smoke.py")),
    ],
)
def test_classname_is_suite_and_module_path(suite_name, nodeid, expected):
    assert split_nodeid(suite_name, nodeid) == expected


def test_same_document_gives_the_same_bytes(run_document):
    assert junit_report(run_document) == junit_report(run_document.model_copy(deep=True))


def test_slo_verdicts_without_a_load_section_get_a_load_suite_of_their_own():
    verdict = Verdict(
        passed=False,
        exit_code=1,
        reasons=[VerdictReason(rule="slo p99", level="fail", message="p99 2 s > 1 s")],
    )
    root = parse(document(verdict=verdict))
    check_schema(root)
    assert [s.get("name") for s in root] == ["load"]
    assert root.get("failures") == "1"


def test_an_empty_unjudged_run_is_still_a_valid_report():
    root = parse(document())
    check_schema(root)
    assert len(root) == 0
    assert root.get("tests") == "0"
