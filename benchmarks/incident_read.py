"""Throughput of a cached incident read through the full stack, as a ratio to bare FastAPI.

    .venv/bin/python -m benchmarks.incident_read [--rounds 5] [--seconds 5] [--connections 16]

Three servers run as real processes with the same uvicorn settings (one worker, no server
header, no access log), driven by wrk interleaved, full bare floor full bare floor ...:

- full = ``python -m reference_app``: ``GET /api/v1/incidents/{id}``, cache warm,
  authenticated by API key, every middleware on, the rate limiter deciding;
- bare = ``benchmarks.bare_app``: a FastAPI async endpoint returning the same JSON;
- floor = bare plus only the two Redis round trips the spec asks of such a read (a GCRA
  step and a cache read, through the app's own storage classes). floor/bare bounds what
  any stack that does them can reach on this machine; full/floor is the stack's own cost.

The figure is full/bare, per round, as median and spread. A second full/bare ratio divides
the processes' CPU time per request (``/proc/PID/stat``): what the throughput ratio would be
if each were CPU-bound on a core of its own (the throughput ratio also measures scheduling
latency on a busy machine). wrk shares the cores with the servers and Redis, whose own CPU
is not counted: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from gauntlet.bundled import BundledApp
from gauntlet.config.model import TargetSettings
from gauntlet.services.ports import free_port
from gauntlet.services.processes import ManagedProcess, ProcessGroup, install_signal_handlers, wait_until
from gauntlet.services.session import ServiceSession

#: The issue's target: the full stack keeps at least this share of bare throughput.
TARGET_RATIO = 0.6
_REQUESTS_PER_SEC = re.compile(r"Requests/sec:\s+([\d.]+)")
_REQUESTS_DONE = re.compile(r"(\d+) requests in ")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    """One wrk run: throughput and the server's CPU seconds per request."""

    requests_per_s: float
    cpu_per_request_s: float


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (``/proc/PID/stat`` fields 14, 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def wrk(url: str, *, seconds: int, connections: int, headers: dict[str, str], pid: int) -> Run:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = cpu_seconds(pid)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu_used = cpu_seconds(pid) - cpu_before
    match = _REQUESTS_PER_SEC.search(output)
    done = _REQUESTS_DONE.search(output)
    if match is None or done is None or int(done.group(1)) == 0:
        raise RuntimeError(f"wrk printed no Requests/sec:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} non-2xx responses; the comparison would be meaningless")
    return Run(float(match.group(1)), cpu_used / int(done.group(1)))


def _app_pid(processes: ProcessGroup) -> int:
    """The uvicorn process serving the full stack (one worker: the ``app`` process itself)."""
    for process in processes.processes:
        if process.name == "app":
            return process.pid
    raise RuntimeError("the bundled app process is not in the group")


def prepare(base_url: str) -> tuple[str, dict[str, str], dict[str, object]]:
    """A user, an API key and one incident; returns its URL, auth headers and JSON."""
    name = f"bench{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(16)
    with httpx.Client(base_url=base_url, timeout=30) as client:
        client.post("/api/v1/users", json={"username": name, "password": password}).raise_for_status()
        token = client.post("/api/v1/auth/token", json={"username": name, "password": password}).json()
        bearer = {"Authorization": f"Bearer {token['access_token']}"}
        key = client.post("/api/v1/api-keys", json={"tier": "enterprise"}, headers=bearer).json()["api_key"]
        headers = {"X-API-Key": key}
        created = client.post("/api/v1/incidents", json={"title": "Disk full on db-1", "description": "x" * 200,
                                                          "severity": "high"}, headers=headers)  # fmt: skip
        created.raise_for_status()
        path = f"/api/v1/incidents/{created.json()['id']}"
        for _ in range(3):  # warm the cache
            body = client.get(path, headers=headers)
            body.raise_for_status()
        if "ratelimit" not in body.headers:  # a limiter failing open would flatter the figure
            raise RuntimeError("the rate limiter did not decide the warm-up requests (failing open?)")
    return path, headers, body.json()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.stderr.write("wrk is not installed: apt-get install -y wrk\n")
        return 2
    install_signal_handlers()
    with tempfile.TemporaryDirectory(prefix="gauntlet-bench-") as tmp, ProcessGroup() as processes:
        workdir = Path(tmp)
        with ServiceSession(None, None, workdir, secrets.token_hex(4)) as services:
            app = BundledApp(
                TargetSettings(), database_url=services.database_url, redis_url=services.redis_url,
                key_prefix=services.key_prefix, workdir=workdir, processes=processes,
            )  # fmt: skip
            # The limiter stays in the path (one Redis round trip per request, as in
            # production); the enterprise quota is raised (to its most: one per microsecond)
            # so no request is a 429.
            app.env["APP_RATE_LIMIT__ENTERPRISE"] = str(60 * 1_000_000)
            target = app.start()
            path, headers, document = prepare(target.url)
            body_file = workdir / "incident.json"
            body_file.write_text(json.dumps(document), encoding="utf-8")
            floor_flags = ["--redis-url", services.redis_url, "--key-prefix", services.key_prefix]
            bare_url = _start_baseline(processes, workdir, path, body_file, name="bare-app")
            floor_url = _start_baseline(processes, workdir, path, body_file, name="floor-app", flags=floor_flags)
            pids = {process.name: process.pid for process in processes.processes}
            servers = [("full", target.url, headers, _app_pid(processes)), ("bare", bare_url, {}, pids["bare-app"]),
                       ("floor", floor_url, {}, pids["floor-app"])]  # fmt: skip
            ratios: dict[str, list[float]] = {"full/bare": [], "CPU full/bare": [], "floor/bare": [], "full/floor": []}
            for round_number in range(1, args.rounds + 1):
                runs = {name: wrk(url + path, seconds=args.seconds, connections=args.connections, headers=sent,
                                  pid=pid) for name, url, sent, pid in servers}  # fmt: skip
                full, bare, floor = runs["full"], runs["bare"], runs["floor"]
                ratios["full/bare"].append(full.requests_per_s / bare.requests_per_s)
                ratios["CPU full/bare"].append(bare.cpu_per_request_s / full.cpu_per_request_s)
                ratios["floor/bare"].append(floor.requests_per_s / bare.requests_per_s)
                ratios["full/floor"].append(full.requests_per_s / floor.requests_per_s)
                print(f"round {round_number}: " + "   ".join(
                    f"{name} {run.requests_per_s:7.0f} req/s {run.cpu_per_request_s * 1e6:5.0f} us CPU/req"
                    for name, run in runs.items()
                ) + f"   ratio {ratios['full/bare'][-1]:.3f}", flush=True)  # fmt: skip
    median = statistics.median(ratios["full/bare"])
    for name, values in ratios.items():
        print(f"{name:>13}: median {statistics.median(values):.3f}, min {min(values):.3f}, max {max(values):.3f}")
    print(f"full/bare is the figure (target >= {TARGET_RATIO}); floor = bare + only the spec's two Redis round trips "
          f"(rate limit, cache read), so floor/bare bounds what any stack doing them reaches here; "
          f"{len(ratios['full/bare'])} interleaved rounds; wrk and the servers share this machine's cores")  # fmt: skip
    return 0 if median >= TARGET_RATIO else 1


def _start_baseline(
    processes: ProcessGroup, workdir: Path, path: str, body_file: Path, *, name: str, flags: Sequence[str] = ()
) -> str:
    """Start ``benchmarks.bare_app`` (with ``flags``) serving ``body_file``; its URL once it answers."""
    port = free_port()
    process = processes.start(ManagedProcess(
        name, [sys.executable, "-m", "benchmarks.bare_app", "--port", str(port), "--body-file", str(body_file),
               *flags], workdir,
    ))  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(url + path), 30, name, process=process, interval=0.2)
    return url


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
