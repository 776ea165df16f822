"""The rate-limit response fields.

Two families on every limited response:

- IETF ``draft-ietf-httpapi-ratelimit-headers-10`` (Structured Fields, RFC 9651): a named
  policy and its live counters, ``RateLimit-Policy: "free";q=100;w=60`` and
  ``RateLimit: "free";r=57;t=12`` (q quota, w window s, r remaining, t seconds to reset).
  Drafts ≤ 07 used ``RateLimit-Policy: 100;w=60`` and ``RateLimit: limit=100,
  remaining=57, reset=12``; -08 onwards name policies, and -10 is what we follow.
- The de-facto ``X-RateLimit-Limit``, ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
  (delta seconds, not an epoch).

A 429 adds ``Retry-After`` (delta seconds ≥ 1, RFC 9110 §10.2.3).
"""

from __future__ import annotations

from reference_app.ratelimit.limiter import RateLimitDecision


def rate_limit_headers(decision: RateLimitDecision) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs for ``decision``.

    >>> rate_limit_headers(decision)[0]
    (b'ratelimit-policy', b'"free";q=100;w=60')
    """
    policy = f'"{decision.tier}"'
    fields = [
        ("ratelimit-policy", f"{policy};q={decision.limit};w={decision.window_s}"),
        ("ratelimit", f"{policy};r={decision.remaining};t={decision.reset_s}"),
        ("x-ratelimit-limit", str(decision.limit)),
        ("x-ratelimit-remaining", str(decision.remaining)),
        ("x-ratelimit-reset", str(decision.reset_s)),
    ]
    if not decision.allowed:
        fields.append(("retry-after", str(decision.retry_after_s)))
    return [(name.encode("ascii"), value.encode("ascii")) for name, value in fields]
