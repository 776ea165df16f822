"""Where run documents live on disk, and how they are read back.

reports/out/<run-id>/
    results/<suite>.json   one SuiteResult per suite, written by the suite
    report.json            the RunDocument (meta + suites + verdict)
    report.md, junit.xml   renderings of report.json
reports/out/latest -> <run-id>
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from gauntlet.errors import GauntletError
from gauntlet.rundoc.model import SCHEMA_VERSION, RunDocument, SuiteResult

RESULTS_DIR = "results"
REPORT_JSON = "report.json"
LATEST_LINK = "latest"


class RunDocumentError(GauntletError):
    """A stored run document is missing, unreadable, or of another schema version."""


def write_suite_result(run_dir: Path, result: SuiteResult) -> Path:
    path = run_dir / RESULTS_DIR / f"{result.name}.json"
    _atomic_write(path, result.model_dump_json(indent=2))
    return path


def read_suite_results(run_dir: Path) -> dict[str, SuiteResult]:
    results: dict[str, SuiteResult] = {}
    for path in sorted((run_dir / RESULTS_DIR).glob("*.json")):
        try:
            result = SuiteResult.model_validate_json(path.read_text(encoding="utf-8"))
        except ValidationError as exc:
            raise RunDocumentError(f"{path} is not a valid suite result: {exc}") from exc
        results[result.name] = result
    return results


def write_run_document(run_dir: Path, document: RunDocument) -> Path:
    path = run_dir / REPORT_JSON
    _atomic_write(path, document.model_dump_json(indent=2))
    return path


def read_run_document(run_dir_or_file: Path) -> RunDocument:
    path = run_dir_or_file
    if path.is_dir():
        path = path / REPORT_JSON
    if not path.is_file():
        raise RunDocumentError(f"no run document at {path}; expected a run directory with {REPORT_JSON}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise RunDocumentError(f"{path} is not readable JSON: {exc}") from exc
    version = raw.get("meta", {}).get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise RunDocumentError(f"{path} has schema_version {version!r}; this Gauntlet reads version {SCHEMA_VERSION}")
    try:
        return RunDocument.model_validate(raw)
    except ValidationError as exc:
        raise RunDocumentError(f"{path} does not match the run document schema: {exc}") from exc


def point_latest(out_dir: Path, run_dir: Path) -> None:
    """Make ``out_dir/latest`` a relative symlink to ``run_dir`` (replaced atomically)."""
    link = out_dir / LATEST_LINK
    tmp = out_dir / f".{LATEST_LINK}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(run_dir.name, target_is_directory=True)
    os.replace(tmp, link)


def json_schema() -> dict[str, object]:
    return RunDocument.model_json_schema()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
