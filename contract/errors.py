"""The contract suite's exceptions.

    gauntlet.errors.GauntletError
    └── ContractError            the contract run could not be set up (exit code 2)
        ├── KnownFailuresError   the known-failures file is malformed
        ├── AppImportError       the in-process ASGI app could not be imported
        └── LoginFailed          the login step did not yield a token

Failures *of the target* are not exceptions: they are records in the run document.
"""

from __future__ import annotations

from gauntlet.errors import GauntletError


class ContractError(GauntletError):
    """Root of the contract suite's errors."""


class KnownFailuresError(ContractError):
    """A known-failures entry lacks a field or holds a wrong value; the message shows a valid entry."""


class AppImportError(ContractError):
    """``[contract] asgi_app`` names nothing importable."""


class LoginFailed(ContractError):
    """The ``[contract.login]`` request (and the signup fallback) gave no token."""
