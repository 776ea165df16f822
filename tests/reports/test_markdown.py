"""report.md: verdict first, then the run, the suites, and each failure's reproducer."""

from __future__ import annotations

import re

from gauntlet.rundoc.model import SuiteStatus, Verdict, VerdictReason
from reports.markdown import markdown_report
from tests.reports.conftest import (
    CAUSE_CURL,
    CHAOS_ERROR,
    FAILING_NODEID,
    FALSIFYING,
    chaos_suite,
    document,
    suite,
)

UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def fenced_blocks(text: str) -> list[str]:
    return re.findall(r"^(`{3,})[a-z]*\n(.*?)\n\1$", text, flags=re.S | re.M)


def test_verdict_is_the_first_line_with_exit_code_and_worst_reasons_first(run_document):
    text = markdown_report(run_document)
    lines = text.splitlines()
    assert lines[0] == "## ⚠️ COULD NOT RUN · exit code 2"
    reasons = [line for line in lines if line.startswith("- ") and " · " in line][:5]
    assert [r.split(" · ")[0] for r in reasons] == ["- ❌ fail"] * 3 + ["- ⚠️ warn", "- ✅ ok"]
    assert text.index("COULD NOT RUN") < text.index("**Run**") < text.index("### Suites")


def test_pass_and_fail_verdicts_are_worded_for_a_reviewer():
    passed = Verdict(passed=True, exit_code=0, reasons=[])
    failed = Verdict(
        passed=False,
        exit_code=1,
        reasons=[VerdictReason(rule="suite properties", level="fail", message="1 failed")],
    )
    assert markdown_report(document(verdict=passed)).startswith("## ✅ PASS · exit code 0\n")
    assert markdown_report(document(verdict=failed)).startswith("## ❌ FAIL · exit code 1\n")
    assert markdown_report(document()).startswith("## ⚠️ NOT JUDGED")


def test_run_line_names_target_profile_seed_sha_duration_and_host(run_document):
    run_line = next(line for line in markdown_report(run_document).splitlines() if line.startswith("**Run**"))
    for expected in (
        "`http://127.0.0.1:8000` (bundled)",
        "profile `ci`",
        "seed `42`",
        "git `0123456`",
        "duration 1 m 24 s",
        "host `ci-runner-1`",
    ):
        assert expected in run_line


def test_suite_table_counts_each_outcome_and_names_why_a_suite_could_not_run(run_document):
    text = markdown_report(run_document)
    assert "| properties | ❌ failed | 1 | 1 | 0 | 1 |" in text
    assert "| chaos | ⚠️ error | 0 | 0 | 0 | 0 |" in text
    assert f"**chaos** could not run: {CHAOS_ERROR}" in text


def test_failing_property_test_carries_its_falsifying_example_and_seed_in_a_fence(run_document):
    text = markdown_report(run_document)
    assert f"`{FAILING_NODEID}` · property 4 (http)" in text
    block = next(body for _, body in fenced_blocks(text) if "Falsifying example" in body)
    assert "AssertionError: assert 'a|b' == 'a'" in block
    assert FALSIFYING in block
    assert f"pytest '{FAILING_NODEID}' --hypothesis-seed=1234" in block
    # Shown once: the property table does not repeat a reproducer listed above it.
    assert text.count("Falsifying example") == 1


def test_property_table_lists_id_level_outcome_examples_and_duration(run_document):
    text = markdown_report(run_document)
    assert "| Property | Level | Outcome | Examples | Duration |" in text
    assert "| 4 | http | ❌ failed | 12 | 1.5 s |" in text


def test_contract_causes_show_operations_status_value_class_and_curl(run_document):
    text = markdown_report(run_document)
    assert "| `C1` | 500 | `huge-number` | `POST /items`, `PATCH /items/{id}` | 2 |" in text
    assert f"```sh\n{CAUSE_CURL}\n```" in text


def test_every_table_row_keeps_its_columns_when_values_hold_pipes(run_document):
    text = markdown_report(run_document.model_copy(update={"suites": {**run_document.suites, "chaos": chaos_suite()}}))
    assert "`GET /items\\|list`" in text
    assert "`500 text/html \\| 3 times`" in text
    tables: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.startswith("|"):
            tables[-1].append(line)
        elif tables[-1]:
            tables.append([])
    assert len([t for t in tables if t]) >= 6
    for rows in filter(None, tables):
        widths = {len(UNESCAPED_PIPE.split(row)) for row in rows}
        assert len(widths) == 1, rows


def test_load_endpoints_show_percentiles_throughput_errors_and_saturation(run_document):
    text = markdown_report(run_document)
    assert "| `GET /items\\|list` | 1200 | 3.1 | 8.2 | 12.0 | 40.0 | 3 (500: 2, ConnectionResetError: 1) |" in text
    assert "invalid: generator saturated" in text


def test_chaos_failures_show_expected_versus_observed():
    text = markdown_report(document(chaos_suite()))
    assert "| `postgres-partitioned` | ❌ failed | 12.5 s | 2 |" in text
    assert (
        "| errors are problem+json 503 | `503 application/problem+json` "
        "| `500 text/html \\| 3 times` | ❌ broken |" in text
    )
    # A passing scenario is a row in the summary, not an assertions table.
    assert "**❌ `redis-down`**" not in text


def test_security_findings_are_listed_worst_first_with_rule_and_location(run_document):
    text = markdown_report(run_document)
    high = text.index("| high | `sql-fstring` | `reference_app/db.py:12` |")
    medium = text.index("| medium | `cors-wildcard` |")
    info = text.index("| info | `missing-hsts` |")
    assert high < medium < info
    assert "(accepted until 2027-01-01)" in text
    assert "grade **B** (score 70)" in text


def test_sections_with_nothing_to_show_are_left_out():
    quiet = document(suite("contract", SuiteStatus.PASSED), suite("chaos", SuiteStatus.PASSED))
    text = markdown_report(quiet)
    for absent in (
        "Failing tests",
        "#### Contract",
        "Chaos scenarios",
        "Security",
        "Load",
        "### contract",
    ):
        assert absent not in text
    assert "| contract | ✅ passed | 0 | 0 | 0 | 0 |" in text


def test_same_document_gives_the_same_text(run_document):
    assert markdown_report(run_document) == markdown_report(run_document.model_copy(deep=True))
