"""30 (http): every error response the target sends is in its log, once, complete.

The suite reads the target's JSON-lines log only when told where (``[properties]
log_file``; the bundled app's process log otherwise). Hypothesis sends requests that
draw error responses from any API — unknown paths (404), undocumented methods on
documented paths (405), secured operations without credentials (401) — each with its
own request id; each error response must leave exactly one record at warning (4xx) or
error (5xx) carrying that ``correlation_id``, ``route``, ``status`` and ``error_type``.
Lines that are not JSON objects (a server's start-up banner) are not records.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from properties.component.error_logs import check_error_records
from properties.http.target import HttpTarget

#: How long a record may take to reach the file (buffers, a busy machine) before it is missing.
LOG_WAIT_S = 10.0
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class ErrorProbe:
    method: str
    path: str
    auth: bool


def _concrete(path: str) -> str:
    # Path parameters get a value of no particular type: an error response is the point.
    return "/".join("1" if part.startswith("{") else part for part in path.split("/"))


def probes(http: HttpTarget) -> st.SearchStrategy[ErrorProbe]:
    operations = list(http.api.operations())
    paths = sorted({operation.path for operation in operations})
    unknown = st.from_regex(r"[a-z0-9]{1,12}", fullmatch=True).map(
        lambda name: ErrorProbe("GET", f"/gauntlet-no-such-route/{name}", auth=True)
    )
    undocumented = [
        ErrorProbe(method, _concrete(path), auth=True)
        for path in paths
        for method in METHODS
        if not http.api.has_operation(method, path)
    ]
    anonymous = [ErrorProbe(op.method, _concrete(op.path), auth=False) for op in operations if op.secured]
    choices: list[st.SearchStrategy[ErrorProbe]] = [unknown]
    if undocumented:
        choices.append(st.sampled_from(undocumented))
    if anonymous:
        choices.append(st.sampled_from(anonymous))
    return st.one_of(*choices)


def records_of(log_file: Path, request_ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    wanted = {request_id: [] for request_id in request_ids}  # type: dict[str, list[dict[str, Any]]]
    with log_file.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("correlation_id") in wanted:
                wanted[record["correlation_id"]].append(record)
    return wanted


def _records_when_written(log_file: Path, expected: dict[str, int], wait_s: float) -> dict[str, list[dict[str, Any]]]:
    """Each request's records, re-read until every error response has one or ``wait_s`` is up."""
    deadline = time.monotonic() + wait_s
    while True:
        found = records_of(log_file, expected)
        if time.monotonic() >= deadline:
            return found
        if all(found[rid] for rid, status in expected.items() if status >= 400):
            # A second record of a request is written right after its first: a moment for it.
            time.sleep(min(0.2, wait_s))
            return records_of(log_file, expected)
        time.sleep(0.1)


def check_error_logging_http(http: HttpTarget, log_file: Path, *, log_wait_s: float = LOG_WAIT_S) -> None:
    """30 (http): exactly one complete record per error response in the target's log.

    ``log_wait_s``: how long records may take to reach the file (0 for an app in this
    process, whose records are written before its response is returned).
    """
    header = http.settings.request_id_header

    @given(batch=st.lists(probes(http), min_size=1, max_size=5))
    def every_error_response_is_logged_once(batch: list[ErrorProbe]) -> None:
        sent: list[tuple[ErrorProbe, str, int]] = []
        for probe in batch:
            request_id = f"g30-{uuid.uuid4().hex}"
            response = http.call(probe.method, probe.path, auth=probe.auth, headers={header: request_id})
            sent.append((probe, request_id, response.status_code))
        assert any(status >= 400 for _, _, status in sent), f"no request drew an error response: {sent}"
        found = _records_when_written(log_file, {rid: status for _, rid, status in sent}, log_wait_s)
        for probe, request_id, status in sent:
            what = f"{probe.method} {probe.path}{'' if probe.auth else ' (no credentials)'} [{request_id}]"
            check_error_records(found[request_id], request_id=request_id, status=status, what=what)

    every_error_response_is_logged_once()
