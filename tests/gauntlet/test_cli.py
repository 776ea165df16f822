"""The gauntlet command end to end, in subprocesses: exit codes, error lines, reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

GAUNTLET = [sys.executable, "-m", "gauntlet.cli"]


def gauntlet(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GAUNTLET_")}
    return subprocess.run(
        [*GAUNTLET, *args], cwd=cwd, env={**clean, **(env or {})}, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def tiny_target():
    """A real HTTP server that is not the reference app."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_unreachable_target_exits_2_with_one_line(tmp_path):
    done = gauntlet("gate", "--target", "http://127.0.0.1:9", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "gauntlet: error: target http://127.0.0.1:9 is unreachable: connection refused"
    ]
    assert not (tmp_path / "reports").exists()


def test_bad_profile_exits_2_naming_key_and_valid_values(tmp_path):
    done = gauntlet("gate", cwd=tmp_path, env={"GAUNTLET_PROFILE": "nonsense"})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "profile = 'nonsense'" in lines[0] and "GAUNTLET_PROFILE" in lines[0] and "ci, full" in lines[0]


def test_bad_config_file_exits_2_naming_the_key(tmp_path):
    (tmp_path / "gauntlet.toml").write_text('[gate]\nproperties = "sometimes"\n')
    done = gauntlet("gate", cwd=tmp_path)
    assert done.returncode == 2
    assert "gate.properties = 'sometimes'" in done.stderr


def test_unknown_suite_is_a_usage_error(tmp_path):
    done = gauntlet("run", "nonsense", cwd=tmp_path)
    assert done.returncode == 2
    assert "nonsense" in done.stderr


def fake_suite(root: Path, body: str) -> Path:
    """A `properties` package shadowing ours through PYTHONPATH, holding one test file."""
    package = root / "shadow" / "properties"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "test_fake.py").write_text(body)
    return root / "shadow"


@pytest.mark.parametrize(
    ("body", "exit_code", "word"),
    [
        ("def test_ok():\n    assert True\n", 0, "PASS"),
        ("def test_broken():\n    assert 1 == 2\n", 1, "FAIL"),
    ],
)
def test_run_writes_reports_and_exits_with_the_verdict(tmp_path, tiny_target, body, exit_code, word):
    shadow = fake_suite(tmp_path, body)
    done = gauntlet(
        "run", "properties", "--target", tiny_target, "--out-dir", str(tmp_path / "out"),
        cwd=tmp_path, env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert f"verdict: {word} (exit {exit_code})" in done.stdout
    latest = tmp_path / "out" / "latest"
    assert {p.name for p in latest.iterdir()} >= {"report.json", "report.md", "junit.xml", "results"}
    document = json.loads((latest / "report.json").read_text())
    assert document["meta"]["target"] == {
        "url": tiny_target,
        "kind": "external",
        "openapi": tiny_target + "/openapi.json",
    }
    assert document["verdict"]["exit_code"] == exit_code
    [test] = document["suites"]["properties"]["tests"]
    assert test["outcome"] == ("passed" if exit_code == 0 else "failed")


def test_report_re_renders_from_report_json_alone(tmp_path, tiny_target):
    shadow = fake_suite(tmp_path, "def test_ok():\n    pass\n")
    out = tmp_path / "out"
    first = gauntlet("run", "properties", "--target", tiny_target, "--out-dir", str(out), cwd=tmp_path,
                     env={"PYTHONPATH": str(shadow)})  # fmt: skip
    assert first.returncode == 0, first.stderr
    run_dir = (out / "latest").resolve()
    original = {name: (run_dir / name).read_text() for name in ("report.md", "junit.xml")}
    for name in original:
        (run_dir / name).unlink()
    for path in (run_dir / "results").iterdir():
        path.unlink()
    again = gauntlet("report", str(run_dir), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert {name: (run_dir / name).read_text() for name in original} == original


def test_report_of_a_directory_without_run_document_exits_2(tmp_path):
    done = gauntlet("report", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert "no run document" in done.stderr


def test_run_selects_properties_and_levels(tmp_path, tiny_target):
    shadow = fake_suite(
        tmp_path,
        "import pytest\n\n"
        "@pytest.mark.property(6, level='component')\ndef test_six():\n    pass\n\n"
        "@pytest.mark.property(6, level='http')\ndef test_six_http():\n    pass\n\n"
        "@pytest.mark.property(12, level='http')\ndef test_twelve():\n    assert False\n",
    )
    done = gauntlet(
        "run", "properties", "--property", "6", "--level", "http", "--target", tiny_target,
        "--out-dir", str(tmp_path / "out"), cwd=tmp_path, env={"PYTHONPATH": str(shadow)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    [test] = document["suites"]["properties"]["tests"]
    assert test["nodeid"].endswith("test_six_http")
    assert "[ok] properties: 1 of 1 property levels passed" in done.stdout
