"""Known failures: accepted with a reason until they expire, then failing again."""

from __future__ import annotations

from datetime import date

import pytest

from contract.causes import RawFailure, group
from contract.errors import KnownFailuresError
from contract.known import KnownFailures
from contract.report import ContractReport

TODAY = date(2026, 3, 1)


def failure(check="status_code_conformance", operation="GET /notes/{note_id}", status=410):
    return RawFailure(operation=operation, check=check, title="Undocumented status code", message="Received: 410",
                      curl=f"curl {operation}", status=status, body='{"title": "gone"}', value_class="ordinary",
                      phase="fuzzing")  # fmt: skip


def report(known: KnownFailures, *failures: RawFailure) -> ContractReport:
    causes, stamped = group(failures)
    return ContractReport(mode="network", checks=("status_code_conformance",), failures=stamped, causes=causes,
                          findings=[], cases_per_phase={"fuzzing": 3}, known=known, today=TODAY)  # fmt: skip


def write(tmp_path, text):
    path = tmp_path / "known.toml"
    path.write_text(text)
    return KnownFailures.load(path)


def test_an_accepted_failure_does_not_fail_the_check(tmp_path):
    known = write(tmp_path, '[[failure]]\ncheck = "status_code_conformance"\noperation = "GET /notes/{note_id}"\n'
                            'reason = "documented in v2"\nexpires = 2026-06-30\n')  # fmt: skip
    judged = report(known, failure())
    assert judged.open_causes("status_code_conformance") == []
    assert "accepted: status_code_conformance on GET /notes/{note_id}" in judged.section().failures[0].message


def test_an_expired_acceptance_fails_again_and_says_so(tmp_path):
    known = write(tmp_path, '[[failure]]\ncheck = "status_code_conformance"\noperation = "GET /notes/{note_id}"\n'
                            'reason = "documented in v2"\nexpires = 2026-01-31\n')  # fmt: skip
    judged = report(known, failure())
    open_causes = judged.open_causes("status_code_conformance")
    assert len(open_causes) == 1
    assert "EXPIRED acceptance" in judged.explain(open_causes)
    assert any("known failure expired" in f for f in judged.section().findings)


def test_a_cause_id_accepts_the_whole_cause(tmp_path):
    causes, _ = group([failure()])
    known = write(tmp_path, f'[[failure]]\ncause = "{causes[0].id}"\nreason = "r"\nexpires = "2026-12-31"\n')
    assert report(known, failure(), failure(operation="GET /other")).open_causes() == []


def test_an_unmatched_failure_stays_open(tmp_path):
    known = write(tmp_path, '[[failure]]\ncheck = "status_code_conformance"\noperation = "GET /else"\n'
                            'reason = "r"\nexpires = 2026-12-31\n')  # fmt: skip
    assert len(report(known, failure()).open_causes()) == 1


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('[[failure]]\ncheck = "c"\noperation = "GET /"\nexpires = 2026-01-01\n', "needs a reason"),
        ('[[failure]]\ncheck = "c"\noperation = "GET /"\nreason = "r"\n', "needs expires"),
        ('[[failure]]\ncheck = "c"\nreason = "r"\nexpires = 2026-01-01\n', "either cause"),
        ('[[failure]]\ncause = "42"\nreason = "r"\nexpires = 2026-01-01\n', "not a cause id"),
        (
            '[[failure]]\ncheck = "c"\noperation = "GET /"\nreason = "r"\nexpires = 2026-01-01\nowner = "x"\n',
            "unknown key",
        ),
        ("[[failure]\n", "not valid TOML"),
    ],
)
def test_malformed_entries_are_refused_with_an_example(tmp_path, text, complaint):
    with pytest.raises(KnownFailuresError, match=complaint) as raised:
        write(tmp_path, text)
    assert "example:" in str(raised.value) or complaint == "not a cause id"
