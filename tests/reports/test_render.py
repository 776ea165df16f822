"""render_run: report.json in, every registered file out, byte for byte reproducible."""

from __future__ import annotations

import pytest

from gauntlet.rundoc.model import RunDocument
from gauntlet.rundoc.store import RunDocumentError, write_run_document
from reports.junit import junit_report
from reports.markdown import markdown_report
from reports.registry import WriterRegistry
from reports.render import render_run


def test_render_writes_every_builtin_report(tmp_path, run_document):
    write_run_document(tmp_path, run_document)
    written = render_run(tmp_path)
    assert written == [tmp_path / "junit.xml", tmp_path / "report.md"]
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == markdown_report(run_document)
    assert (tmp_path / "junit.xml").read_text(encoding="utf-8") == junit_report(run_document)
    assert not list(tmp_path.glob(".*.tmp"))


def test_deleted_reports_are_recreated_byte_for_byte_from_report_json(tmp_path, run_document):
    write_run_document(tmp_path, run_document)
    first = {path.name: path.read_bytes() for path in render_run(tmp_path)}
    for name in first:
        (tmp_path / name).unlink()
    second = {path.name: path.read_bytes() for path in render_run(tmp_path)}
    assert second == first
    assert set(first) == {"report.md", "junit.xml"}


def test_render_accepts_the_report_json_path_itself(tmp_path, run_document):
    path = write_run_document(tmp_path, run_document)
    assert render_run(path) == [tmp_path / "junit.xml", tmp_path / "report.md"]


def test_render_uses_the_registry_it_is_given(tmp_path, run_document):
    registry = WriterRegistry()

    @registry.writer("run-id.txt")
    def run_id(document: RunDocument) -> str:
        return document.meta.run_id + "\n"

    write_run_document(tmp_path, run_document)
    assert render_run(tmp_path, registry) == [tmp_path / "run-id.txt"]
    assert (tmp_path / "run-id.txt").read_text() == "20261122T041502Z-3fa9\n"
    assert not (tmp_path / "report.md").exists()


def test_a_run_dir_without_report_json_is_a_clear_error(tmp_path):
    with pytest.raises(RunDocumentError, match="no run document"):
        render_run(tmp_path)
