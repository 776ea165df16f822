"""Render a stored run: ``report.json`` in, every registered report file out.

This is what ``gauntlet report RUN_DIR`` (and the end of every ``gauntlet gate``) calls::

    from reports.render import render_run
    render_run(Path("reports/out/latest"))   # -> [.../junit.xml, .../report.md]

Importing this module registers the built-in writers, so callers need nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path

from gauntlet.rundoc.store import read_run_document

# Imported for their @writer registrations: report.md and junit.xml.
from reports import junit, markdown  # noqa: F401
from reports.registry import WRITERS, WriterRegistry


def render_run(run_dir: Path, registry: WriterRegistry = WRITERS) -> list[Path]:
    """Write every writer's file of ``registry`` into ``run_dir``; return the paths written
    (in file-name order).

    Reads only ``run_dir/report.json``; raises ``RunDocumentError`` (exit code 2 in the
    CLI) when it is missing, unreadable or of another schema version. Output depends on
    the document alone: rendering twice gives byte-identical files.
    """
    document = read_run_document(run_dir)
    directory = run_dir if run_dir.is_dir() else run_dir.parent
    written = []
    for name, write in registry.items():
        path = directory / name
        _atomic_write(path, write(document))
        written.append(path)
    return written


def _atomic_write(path: Path, text: str) -> None:
    # Bytes, not text mode: no newline translation, so output is identical on every OS.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(text.encode("utf-8"))
    os.replace(tmp, path)
