"""Run document: round trip through disk, schema version, exported JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gauntlet.rundoc.model import Outcome, RunDocument, SuiteResult, SuiteStatus, TestRecord
from gauntlet.rundoc.store import (
    RunDocumentError,
    json_schema,
    point_latest,
    read_run_document,
    read_suite_results,
    write_run_document,
    write_suite_result,
)
from tests.gauntlet.test_gate import NOW, document

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "run-document.schema.json"


def test_round_trip_preserves_everything(tmp_path):
    result = SuiteResult(
        name="properties", status=SuiteStatus.FAILED, started_at=NOW,
        tests=[TestRecord(nodeid="p::t", outcome=Outcome.FAILED, duration_s=1.5, property_id="4", level="http")],
    )  # fmt: skip
    original = document(result)
    write_run_document(tmp_path, original)
    assert read_run_document(tmp_path) == original
    assert read_run_document(tmp_path / "report.json") == original


def test_suite_results_are_collected_from_results_dir(tmp_path):
    write_suite_result(tmp_path, SuiteResult(name="contract", status=SuiteStatus.PASSED, started_at=NOW))
    write_suite_result(tmp_path, SuiteResult(name="load", status=SuiteStatus.NOT_RUN, started_at=NOW))
    assert sorted(read_suite_results(tmp_path)) == ["contract", "load"]


def test_other_schema_version_is_refused(tmp_path):
    write_run_document(tmp_path, document())
    raw = json.loads((tmp_path / "report.json").read_text())
    raw["meta"]["schema_version"] = 99
    (tmp_path / "report.json").write_text(json.dumps(raw))
    with pytest.raises(RunDocumentError, match="schema_version 99"):
        read_run_document(tmp_path)


def test_missing_document_is_a_clear_error(tmp_path):
    with pytest.raises(RunDocumentError, match="no run document"):
        read_run_document(tmp_path)


def test_unknown_fields_are_refused(tmp_path):
    write_run_document(tmp_path, document())
    raw = json.loads((tmp_path / "report.json").read_text())
    raw["surprise"] = 1
    (tmp_path / "report.json").write_text(json.dumps(raw))
    with pytest.raises(RunDocumentError, match="does not match"):
        read_run_document(tmp_path)


def test_latest_points_at_the_newest_run(tmp_path):
    for run_id in ("run-a", "run-b"):
        (tmp_path / run_id).mkdir()
        point_latest(tmp_path, tmp_path / run_id)
    assert (tmp_path / "latest").resolve() == (tmp_path / "run-b").resolve()


def test_exported_schema_is_current():
    """docs/run-document.schema.json must be regenerated when the model changes."""
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), (
        "run `python -m gauntlet.rundoc.export` to refresh docs/run-document.schema.json"
    )


def test_schema_validates_a_real_document(tmp_path):
    import jsonschema

    write_run_document(tmp_path, document())
    jsonschema.validate(json.loads((tmp_path / "report.json").read_text()), json_schema())
    assert RunDocument.model_json_schema()["title"] == "RunDocument"
