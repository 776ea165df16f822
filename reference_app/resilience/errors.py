"""Exceptions of the resilience layer (retries, circuit breaker, upstream client).

Hierarchy::

    ResilienceError                 root: anything this package raises on purpose
    ├── CircuitOpenError            the breaker refused the call (carries retry_after_s)
    └── UpstreamError               an upstream call failed for good; the API maps it to 5xx
        ├── UpstreamUnavailableError  breaker open, or the upstream's 429/503 Retry-After → 503 with it
        ├── UpstreamTimeoutError      the upstream did not answer in time → 504
        └── BadUpstreamError          connection failed or the answer was unusable → 502
"""

from __future__ import annotations


class ResilienceError(Exception):
    """Root of every exception the resilience layer raises deliberately."""


class CircuitOpenError(ResilienceError):
    """The circuit breaker rejected the call without calling the upstream."""

    def __init__(self, name: str, retry_after_s: float) -> None:
        self.name = name
        self.retry_after_s = retry_after_s
        super().__init__(f"circuit {name!r} is open; retry in {retry_after_s:.1f} s")


class UpstreamError(ResilienceError):
    """An upstream call failed after retries; ``status`` is what the API answers."""

    status = 502


class UpstreamUnavailableError(UpstreamError):
    status = 503

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(f"upstream unavailable; retry in {retry_after_s:.1f} s")


class UpstreamTimeoutError(UpstreamError):
    status = 504


class BadUpstreamError(UpstreamError):
    status = 502
