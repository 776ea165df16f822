"""The contract suite: the target's OpenAPI document, fuzzed, judged check by check.

Each test is one check, named as the statement it asserts; it fails with every open
cause charged to that check, each cause once, with its smallest reproducer.
"""

from __future__ import annotations

import pytest

from contract.checks import BUILTIN_CHECKS, GAUNTLET_CHECKS
from contract.report import ContractReport


@pytest.mark.parametrize("check", [*BUILTIN_CHECKS, *GAUNTLET_CHECKS])
def test_every_operation_honours(check: str, contract_report: ContractReport) -> None:
    if check not in contract_report.checks:
        pytest.skip(f"{check} is switched off by [contract] disabled_checks")
    causes = contract_report.open_causes(check)
    if causes:
        pytest.fail(contract_report.explain(causes), pytrace=False)


def test_the_run_kept_its_credentials(contract_report: ContractReport) -> None:
    """Losing access is a finding; staying locked out would make the rest of the run meaningless."""
    if not contract_report.credentials_kept:
        pytest.fail("\n".join(contract_report.findings), pytrace=False)


def test_the_run_sent_requests(contract_report: ContractReport) -> None:
    assert contract_report.total_cases > 0, f"no case was generated: {contract_report.findings}"
