"""Exceptions of the idempotency package.

Hierarchy::

    IdempotencyError                 root
    ├── InvalidIdempotencyKeyError   the header is not 1-255 printable ASCII (→ 400; also ValueError)
    └── IdempotencyStorageError      a stored record cannot be read (corrupt or foreign value)
"""

from __future__ import annotations


class IdempotencyError(Exception):
    """Root of the exceptions the idempotency package raises deliberately."""


class InvalidIdempotencyKeyError(IdempotencyError, ValueError):
    """The route layer answers 400 problem+json (type ``invalid-idempotency-key``)."""


class IdempotencyStorageError(IdempotencyError):
    """A record under an idempotency key is not one this package wrote."""
