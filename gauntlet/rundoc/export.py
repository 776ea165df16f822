"""``python -m gauntlet.rundoc.export``: write the run document's JSON Schema under docs/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gauntlet.rundoc.store import json_schema

SCHEMA_PATH = Path("docs") / "run-document.schema.json"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sys.stdout.write(f"wrote {path}\n")


if __name__ == "__main__":
    main()
