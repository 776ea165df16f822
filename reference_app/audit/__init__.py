"""Tamper-evident audit log of auth events and incident changes (property E7).

- :mod:`.chain`: the hash chain and :func:`verify_chain`, standard library only (an
  auditor can verify exported rows without this app; this package imports nothing heavy
  so ``from reference_app.audit import verify_chain`` stays cheap);
- :mod:`.events`: what an entry says, and the no-secrets rule for its details;
- :mod:`.trail`: staging entries so they commit with the change they record, serialised;
- :mod:`.store`: reading entries back; ``build`` is the harness's ``audit_log`` factory.
"""

from __future__ import annotations

from reference_app.audit.chain import GENESIS_HASH, VerificationResult, canonical_json, entry_hash, verify_chain

__all__ = ["GENESIS_HASH", "VerificationResult", "canonical_json", "entry_hash", "verify_chain"]
