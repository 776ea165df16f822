"""The layers of ARCHITECTURE.md, checked on every import statement in the tree."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUITES = ("properties", "contract", "load", "chaos", "security")
HARNESS = ("gauntlet", *SUITES, "reports")

#: package -> top-level project packages it must never import
FORBIDDEN: dict[str, set[str]] = {
    "reference_app": {"gauntlet", *SUITES, "reports", "tests"},
    "gauntlet": {"reference_app", *SUITES, "tests"} | {"reports"},
    "reports": {"reference_app", *SUITES, "tests"},
    **{suite: {"reference_app", "tests", "reports", *(s for s in SUITES if s != suite)} for suite in SUITES},
}
#: The documented exceptions: (importing module path prefix, imported package).
ALLOWED = {
    ("gauntlet/cli/", "reports"),  # the CLI is the composition root that renders reports
    ("chaos/", "load"),  # chaos applies load with load/'s runner during a fault
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def python_files(package: str) -> list[Path]:
    return [p for p in (ROOT / package).rglob("*.py") if "out" not in p.relative_to(ROOT).parts]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_inward(package):
    violations = []
    for path in python_files(package):
        relative = path.relative_to(ROOT).as_posix()
        for imported in imported_packages(path) & FORBIDDEN[package]:
            if not any(relative.startswith(prefix) and imported == pkg for prefix, pkg in ALLOWED):
                violations.append(f"{relative} imports {imported}")
    assert violations == []


def test_locust_is_imported_by_load_only():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for package in ("gauntlet", "reference_app", "reports", "properties", "contract", "chaos", "security", "tests")
        for path in python_files(package)
        if "locust" in imported_packages(path)
    ]
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path):
    """The rule above can fail: a planted import is found."""
    planted = tmp_path / "bad.py"
    planted.write_text("from reference_app.settings import Settings\nimport gauntlet.cli\n")
    assert imported_packages(planted) == {"reference_app", "gauntlet"}
