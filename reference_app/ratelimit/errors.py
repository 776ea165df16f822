"""Exceptions of the rate limiter.

Hierarchy::

    RateLimitError          root
    └── UnknownTierError    a tier with no configured limit (names the known tiers)
"""

from __future__ import annotations


class RateLimitError(Exception):
    """Root of every exception the rate limiter raises deliberately."""


class UnknownTierError(RateLimitError, KeyError):
    pass
