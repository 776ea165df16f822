"""The run document: the spine every suite writes and the gate and reports read."""

from gauntlet.rundoc.model import (
    SCHEMA_VERSION,
    ChaosSection,
    ContractSection,
    HostFingerprint,
    LoadSection,
    Outcome,
    PropertyResult,
    RunDocument,
    RunMeta,
    SecuritySection,
    SuiteResult,
    SuiteStatus,
    TargetInfo,
    TestRecord,
    Verdict,
    VerdictReason,
)

__all__ = [
    "SCHEMA_VERSION",
    "ChaosSection",
    "ContractSection",
    "HostFingerprint",
    "LoadSection",
    "Outcome",
    "PropertyResult",
    "RunDocument",
    "RunMeta",
    "SecuritySection",
    "SuiteResult",
    "SuiteStatus",
    "TargetInfo",
    "TestRecord",
    "Verdict",
    "VerdictReason",
]
