"""Report writer registry: registration by decorator, unique and safe file names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gauntlet.rundoc.model import RunDocument
from reports.errors import ReportError, WriterNameError
from reports.registry import WRITERS, WriterRegistry
from reports.render import render_run  # noqa: F401  (registers the built-in writers)


def _writer(document: RunDocument) -> str:
    return document.meta.run_id


def test_decorator_registers_and_returns_the_function():
    registry = WriterRegistry()

    @registry.writer("summary.txt")
    def summary(document: RunDocument) -> str:
        return "ok"

    assert registry.get("summary.txt") is summary
    assert registry.names() == ["summary.txt"]
    registry.register("a.txt", summary)
    assert registry.names() == ["a.txt", "summary.txt"], "listed by name, not by registration"
    assert "summary.txt" in registry
    assert len(registry) == 2


def test_duplicate_names_are_refused_and_the_first_writer_kept():
    registry = WriterRegistry()
    registry.register("report.md", _writer)
    with pytest.raises(WriterNameError, match=r"'report\.md' is already registered.*report-2\.md"):
        registry.register("report.md", lambda document: "other")
    assert registry.get("report.md") is _writer


ROOT = Path(__file__).resolve().parents[2]


def test_importing_render_alone_registers_the_builtin_writers():
    # A fresh interpreter: nothing else imported reports.markdown or reports.junit first.
    probe = "import reports.render; from reports.registry import WRITERS; print(WRITERS.names())"
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['junit.xml', 'report.md']"


def test_builtin_names_cannot_be_taken_again():
    with pytest.raises(WriterNameError, match="already registered"):
        WRITERS.register("junit.xml", _writer)


@pytest.mark.parametrize("name", ["report.json", "results", "../escape.md", "a/b.md", "", ".."])
def test_names_that_are_not_safe_file_names_are_refused(name):
    with pytest.raises(WriterNameError, match=r"e\.g\. 'report\.md'"):
        WriterRegistry().register(name, _writer)


def test_unknown_writer_names_what_is_registered():
    registry = WriterRegistry()
    registry.register("a.md", _writer)
    with pytest.raises(WriterNameError, match=r"no report writer named 'b\.md'; registered: a\.md"):
        registry.get("b.md")


def test_name_errors_belong_to_the_package_root_and_value_errors():
    assert issubclass(WriterNameError, ReportError)
    assert issubclass(WriterNameError, ValueError)
