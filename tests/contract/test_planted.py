"""End to end against a service that is not the reference app, with bugs planted on purpose.

See ``planted_app.py``: a NUL byte crashes three operations, an integer past 64 bits
crashes one, one status is undocumented, and one endpoint revokes the caller's own tokens.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest

from contract.run import Source, run_contract
from contract.settings import RunSettings
from gauntlet.config.model import LoginSettings
from tests.contract.conftest import ROOT

pytestmark = pytest.mark.slow

LOGIN = LoginSettings(path="/login", json_body={"username": "qa{nonce}", "password": "pw1"}, signup_path="/signup")
NUL_OPERATIONS = ["GET /notes/search", "POST /notes", "PUT /notes/{note_id}"]


@pytest.fixture(scope="module")
def report(planted_url):
    # The ci profile's budget: ten examples per operation, every phase, seed 0.
    return run_contract(Source.network(planted_url), RunSettings(seed=0, max_examples=10, login=LOGIN))


def causes_of(report, status, value_class=None):
    return [c for c in report.causes if c.status == status and value_class in (None, c.value_class)]


def test_each_planted_bug_is_reported_once(report):
    nul = causes_of(report, 500, "nul-byte")
    overflow = causes_of(report, 500, "integer-beyond-64-bits")
    undocumented = causes_of(report, 410)
    assert [c.operations for c in nul] == [NUL_OPERATIONS]
    assert [c.operations for c in overflow] == [["GET /notes"]]
    assert [c.operations for c in undocumented] == [["GET /notes/{note_id}"]]
    assert len(report.causes) == 3, report.explain(report.causes)


def test_every_reproducer_gets_the_same_status_from_curl(report):
    for cause in report.causes:
        command = cause.reproducer.curl + " --silent --output /dev/null --write-out '%{http_code}'"
        completed = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30, check=True)
        assert completed.stdout == str(cause.status), command


def test_the_credential_loss_is_a_finding_and_the_run_continues(report):
    losses = [f for f in report.findings if f.startswith("credentials lost after POST /session/revoke")]
    assert losses and all("run continued" in f for f in losses)
    assert report.credentials_kept
    assert report.cases_per_phase["fuzzing"] > 0 and report.cases_per_phase["stateful"] > 0


def test_the_run_document_keeps_raw_failures_with_reproducers(report):
    section = report.section()
    assert len(section.failures) > len(section.causes) == 3
    assert all(f.cause_id and f.curl.startswith("curl ") and f.seed == 0 for f in section.failures)
    assert {c.id for c in section.causes} == {f.cause_id for f in section.failures}


def test_gauntlet_run_contract_exits_1_on_the_planted_service(planted_url, tmp_path):
    body = {"username": "cli", "password": "pw1"}
    httpx.post(planted_url + "/signup", json=body)
    token = httpx.post(planted_url + "/login", json=body).json()["access_token"]
    env = {**os.environ, "GAUNTLET_CONTRACT__LOGIN": json.dumps(LOGIN.model_dump())}
    completed = subprocess.run(
        [sys.executable, "-m", "gauntlet.cli", "run", "contract", "--target", planted_url,
         "--openapi", planted_url + "/openapi.json", "--header", f"Authorization: Bearer {token}",
         "--out-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout + completed.stderr
    (result,) = {path.resolve() for path in tmp_path.glob("*/results/contract.json")}
    document = json.loads(result.read_text())
    assert len(document["contract"]["causes"]) == 3
    failed = {t["nodeid"].split("[")[-1].rstrip("]") for t in document["tests"] if t["outcome"] == "failed"}
    assert failed == {"not_a_server_error", "status_code_conformance"}
