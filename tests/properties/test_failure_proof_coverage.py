"""Every property the suite encodes has at least one failure proof (a mutant test).

Read from the source (markers ``@pytest.mark.property(N)`` under ``properties/`` and
``@pytest.mark.mutant(N)`` under ``tests/properties/``), so a property added without its
proof fails here even when nobody runs the proofs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def marker_ids(folder: Path, marker: str) -> set[str]:
    ids: set[str] = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == marker
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr == "mark"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                ids.add(str(node.args[0].value))
    return ids


def test_the_marker_reader_sees_markers():
    # Guards the test below against passing vacuously (a reader that finds nothing).
    assert {"6", "E2"} <= marker_ids(ROOT / "properties", "property")
    assert {"6", "E2"} <= marker_ids(ROOT / "tests" / "properties", "mutant")


def test_every_encoded_property_has_a_failure_proof():
    encoded = marker_ids(ROOT / "properties", "property")
    proven = marker_ids(ROOT / "tests" / "properties", "mutant")
    assert not encoded - proven, f"properties without a mutant test: {sorted(encoded - proven)}"
    assert not proven - encoded, f"mutant tests of properties the suite does not encode: {sorted(proven - encoded)}"
