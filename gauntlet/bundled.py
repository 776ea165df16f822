"""The bundled target: the reference app and its model server, started as processes.

The core never imports the app. It starts ``python -m <app_module>`` with this contract:

    python -m <app_module>.model_server --host 127.0.0.1 --port P
    python -m <app_module> --host 127.0.0.1 --port P --migrate [--workers N]
      (N > 1: N processes on the one port; the app migrates once, before its workers start)
      env APP_ENVIRONMENT=dev APP_DATABASE_URL APP_REDIS_URL APP_REDIS_KEY_PREFIX
          APP_MODEL_SERVER_URL
    GET /health/ready answers 200 once it can serve.
    python -m <app_module> worker --ready-file F      (same env; background jobs)
      creates F once it consumes tasks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from gauntlet.config.model import TargetSettings
from gauntlet.errors import GauntletError
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, wait_until
from gauntlet.target import Target

HOST = "127.0.0.1"


def app_environment(*, database_url: str, redis_url: str, key_prefix: str) -> dict[str, str]:
    """The ``APP_*`` variables of the contract above, for a process or an in-process factory."""
    return {
        "APP_ENVIRONMENT": "dev",
        "APP_DATABASE_URL": database_url,
        "APP_REDIS_URL": redis_url,
        "APP_REDIS_KEY_PREFIX": key_prefix,
    }


def allowed_origins(settings: TargetSettings) -> tuple[str, ...]:
    """The CORS origins the bundled app is started with (``APP_CORS_ORIGINS``: JSON or a,b)."""
    raw = settings.app_env.get("APP_CORS_ORIGINS", "").strip()
    if raw.startswith("["):
        parsed = json.loads(raw)
        return tuple(str(origin) for origin in parsed) if isinstance(parsed, list) else ()
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip())


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


class BundledApp:
    """Start the model server and the app; stop both with the process group."""

    def __init__(
        self,
        settings: TargetSettings,
        *,
        database_url: str,
        redis_url: str,
        key_prefix: str,
        workdir: Path,
        processes: ProcessGroup,
        port: int | None = None,
        workers: int = 1,
    ) -> None:
        if workers < 1:
            raise GauntletError(f"workers must be >= 1, got {workers}. Example: gauntlet serve --workers 2")
        self.settings = settings
        self.workers = workers
        self.workdir = workdir
        self.processes = processes
        self.port = port
        self.env = {
            **app_environment(database_url=database_url, redis_url=redis_url, key_prefix=key_prefix),
            **settings.app_env,
        }
        self.model_server_url = ""

    def start(self) -> Target:
        module = self.settings.app_module
        self.start_model_server()
        app_port = self.port or free_port()
        url = f"http://{HOST}:{app_port}"
        command = [sys.executable, "-m", module, "--host", HOST, "--port", str(app_port), "--migrate"]
        if self.workers > 1:  # the flag is left out at 1 so an app without it still starts
            command += ["--workers", str(self.workers)]
        app = self._spawn("app", command)
        wait_until(lambda: _answers(f"{url}/health/ready"), self.settings.startup_timeout_s,
                   f"the reference app at {url} to be ready", process=app, interval=0.2)  # fmt: skip
        self._start_worker(module)
        return Target(url=url, kind="bundled", openapi=f"{url}/openapi.json", headers={}, log_file=str(app.log_path))

    def start_model_server(self) -> str:
        """The model server alone (also for an app run in process); returns its URL."""
        module = self.settings.app_module
        model_port = free_port()
        self.model_server_url = f"http://{HOST}:{model_port}"
        model_server = self._spawn(
            "model-server", [sys.executable, "-m", f"{module}.model_server", "--host", HOST, "--port", str(model_port)]
        )
        wait_until(lambda: _answers(f"{self.model_server_url}/health"), self.settings.startup_timeout_s,
                   "the model server to answer /health", process=model_server, interval=0.2)  # fmt: skip
        self.env["APP_MODEL_SERVER_URL"] = self.model_server_url
        return self.model_server_url

    def _start_worker(self, module: str) -> ManagedProcess:
        """The background-job worker, after the app (which migrated the database)."""
        ready = self.workdir / "worker.ready"
        ready.unlink(missing_ok=True)
        # Exports land in the run's own directory unless the target settings say otherwise.
        exports = {"APP_TASKS__EXPORT_DIR": str(self.workdir / "exports")}
        if "APP_TASKS__EXPORT_DIR" in self.env:
            exports = {}
        worker = self._spawn("worker", [sys.executable, "-m", module, "worker", "--ready-file", str(ready)], exports)
        wait_until(ready.exists, self.settings.startup_timeout_s, "the task worker to be ready",
                   process=worker, interval=0.2)  # fmt: skip
        return worker

    def seed_demo(self) -> dict[str, Any]:
        """Create the demo user and one API key per tier (dev only); returns them."""
        completed = subprocess.run(
            [sys.executable, "-m", self.settings.app_module, "seed-demo"],
            env={**os.environ, **self.env}, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
            raise GauntletError(f"seeding demo data failed: {tail}")
        seeded: dict[str, Any] = json.loads(completed.stdout)
        return seeded

    def _spawn(self, name: str, command: list[str], extra_env: Mapping[str, str] | None = None) -> ManagedProcess:
        env = {**os.environ, **self.env, **(extra_env or {})}
        return self.processes.start(ManagedProcess(name, command, self.workdir, env=env))
