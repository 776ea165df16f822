"""``python -m reference_app.model_server --port 8001 [--host 127.0.0.1] [--delay 0.0]``."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from reference_app.model_server.app import create_model_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_app.model_server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added to each draft")
    parser.add_argument("--log-level", default="warning")
    args = parser.parse_args(argv)
    if args.delay < 0:
        parser.error(f"--delay must be >= 0 seconds, got {args.delay}. Example: --delay 0.2")
    uvicorn.run(
        create_model_server(delay_seconds=args.delay),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
