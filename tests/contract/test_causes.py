"""Grouping failures into causes, and the class of the value that triggered them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contract.causes import RawFailure, group, signature
from contract.values import RequestParts, classify

CRASH = '{"type": "about:blank", "title": "Internal Server Error", "status": 500}'


NUL_CURL = 'curl -X POST http://t/notes -d \'{"title": "\\u0000"}\''


def failure(operation="POST /notes", check="not_a_server_error", status=500, body=CRASH, value_class="nul-byte",
            curl=NUL_CURL, title="Server error", message=""):  # fmt: skip
    return RawFailure(operation=operation, check=check, title=title, message=message, curl=curl, status=status,
                      body=body, value_class=value_class, phase="fuzzing", seed=3)  # fmt: skip


def test_one_crash_seen_by_two_checks_on_three_operations_is_one_cause():
    failures = [
        failure(operation=op, check=check, curl=f"curl {op} {len(check)}")
        for op in ("POST /notes", "PUT /notes/{id}", "GET /notes/search")
        for check in ("not_a_server_error", "status_code_conformance")
    ]
    causes, stamped = group(failures)
    assert len(causes) == 1
    assert causes[0].operations == ["GET /notes/search", "POST /notes", "PUT /notes/{id}"]
    assert causes[0].check == "not_a_server_error"
    assert {f.cause_id for f in stamped} == {causes[0].id}
    assert len(stamped) == 6  # the raw failures are all kept


def test_the_same_crash_page_from_different_values_is_two_causes():
    causes, _ = group([failure(), failure(value_class="integer-beyond-64-bits", operation="GET /notes")])
    assert sorted(c.value_class for c in causes) == ["integer-beyond-64-bits", "nul-byte"]


def test_a_missing_header_is_one_cause_whatever_the_status():
    failures = [
        failure(
            check="every_response_carries_x_request_id",
            status=s,
            body="{}",
            value_class="ordinary",
            message=f"{s} answered without an X-Request-ID header",
            operation=op,
        )
        for s, op in ((200, "GET /a"), (404, "GET /b"), (422, "POST /c"))
    ]
    causes, _ = group(failures)
    assert len(causes) == 1 and causes[0].operations == ["GET /a", "GET /b", "POST /c"]


def test_an_error_status_is_one_cause_whichever_check_objects():
    body = '{"title": "Note archived", "status": 410}'
    undocumented = failure(check="status_code_conformance", status=410, body=body, value_class="ordinary")
    rejected = failure(check="positive_data_acceptance", status=410, body=body, value_class="integer-beyond-32-bits")
    causes, _ = group([undocumented, rejected])
    assert len(causes) == 1


def test_the_reproducer_is_the_smallest_request():
    small = failure(curl="curl http://t/s?q=%00")
    causes, _ = group([failure(curl='curl http://t/notes -d \'{"title": "long long\\u0000"}\''), small])
    assert causes[0].reproducer.curl == small.curl
    assert causes[0].to_record().reproducer == small.curl


def test_cause_ids_are_stable_across_runs():
    first, _ = group([failure()])
    second, _ = group([replace(failure(), curl="curl other", operation="PUT /x")])
    assert first[0].id == second[0].id and first[0].id.startswith("C-")


def test_signatures_blank_instance_details():
    assert signature('{"title": "Note 42 not found", "instance": "/notes/42"}') == "title=Note <n> not found"
    assert signature("<html><h1>Internal Server Error</h1></html>") == "Internal Server Error"
    assert signature('{"detail": "id 3fa85f64-5717-4562-b3fc-2c963f66afa6"}') == "detail=id <uuid>"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (RequestParts(body={"title": "a\x00b", "n": 2**64}), "nul-byte"),
        (RequestParts(query={"offset": 2**63}), "integer-beyond-64-bits"),
        (RequestParts(path_parameters={"id": "2147483648"}), "integer-beyond-32-bits"),
        (RequestParts(body={"title": None}, body_schema={"required": ["title"]}), "null-in-required-field"),
        (RequestParts(body={"title": None}, body_schema={"required": []}), "ordinary"),
        (RequestParts(query={"limit": -1}), "negative-number"),
        (RequestParts(body={"title": "x" * 5000}), "oversized-string"),
        (RequestParts(body=b"\xff{"), "non-json-body"),
        (RequestParts(body={"title": "hello"}), "ordinary"),
    ],
)
def test_trigger_classes(parts, expected):
    assert classify(parts) == expected
