"""The baseline: a bare FastAPI async endpoint returning a fixed JSON body.

    python -m benchmarks.bare_app --port P --body-file incident.json

Served with the same uvicorn settings as ``python -m reference_app``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI


def build(document: dict[str, Any]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/incidents/{incident_id}")
    async def get_incident(incident_id: str) -> dict[str, Any]:
        return document

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-file", type=Path, required=True)
    args = parser.parse_args()
    app = build(json.loads(args.body_file.read_text(encoding="utf-8")))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        server_header=False,
        date_header=False,
        proxy_headers=False,
        access_log=False,
    )


if __name__ == "__main__":
    main()
