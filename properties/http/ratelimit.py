"""E1 (http): a client never gets more than its tier's quota, whichever process answers.

Black box: the tiers come from the OpenAPI document (the ``tier`` enum of the request
body of an operation that issues API keys, e.g. ``POST /api-keys``); the quota and window
from the answers' ``RateLimit-Policy`` header (IETF draft: ``"tier";q=N;w=S``). Per
example, Hypothesis picks a tier and how many requests beyond the quota to send; a fresh
account gets a fresh key of that tier, then all requests are sent at once (several
connections, so with ``--workers N`` several app processes answer):

- accepted ≤ q + ⌈Δ·q/w⌉ (Δ: first send to last answer) and accepted ≥ min(sent, what
  the first answer's ``RateLimit`` header says is left + 1);
- every answer names the key's tier in its policy; every 429 carries ``Retry-After``
  (whole seconds ≥ 1) and the ``RateLimit`` / ``RateLimit-Policy`` headers;
- a tier's quota is the same in every example and, when the caller knows the target's
  configuration (``expected_limits``), equals it: limits differ per tier as configured.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.examples import scaled_examples
from properties.http.budget import NO_SHRINK
from properties.http.openapi import Operation
from properties.http.target import HttpTarget

#: Connections sending an example's requests at once.
PARALLEL = 8
#: Requests beyond what is left of the quota in an example: at least two, so one refill
#: during the example cannot hide an excess (bound q + 1 for short examples).
MIN_EXTRA = 2
MAX_EXTRA = 6
#: Quotas above this are not exhausted (a target's premium tier may allow thousands): the
#: example then sends this many and checks they are all accepted, with their headers.
MAX_SENT = 60
#: Each example signs up an account (a deliberately slow password hash): a fifth of the profile.
EXAMPLES_DIVISOR = 5

_REMAINING = re.compile(r"(?:^|;)\s*r=(?P<r>\d+)")
_POLICY = re.compile(r'^\s*"?(?P<tier>[^";]+)"?\s*;\s*q=(?P<q>\d+)\s*;\s*w=(?P<w>\d+)')


@dataclass(frozen=True)
class Policy:
    tier: str
    quota: int
    window_s: int


def policy_of(response: httpx.Response) -> Policy | None:
    match = _POLICY.match(response.headers.get("ratelimit-policy", ""))
    if match is None:
        return None
    return Policy(match["tier"], int(match["q"]), int(match["w"]))


def remaining_of(response: httpx.Response) -> int | None:
    """``r`` of the ``RateLimit`` header: requests left after this one."""
    match = _REMAINING.search(response.headers.get("ratelimit", ""))
    return int(match["r"]) if match else None


def key_issuer(http: HttpTarget) -> tuple[Operation, list[str]] | None:
    """The operation issuing API keys by tier, and the tiers its body enumerates."""
    for operation in http.api.operations():
        if operation.method != "POST":
            continue
        schema = http.api.request_body_schema(operation) or {}
        tier = http.api.resolve(schema.get("properties", {}).get("tier"))
        if isinstance(tier, Mapping):
            options = [http.api.resolve(option) for option in tier.get("anyOf", [tier])]
            tiers = [value for option in options if isinstance(option, Mapping) for value in option.get("enum", ())]
            if tiers:
                return operation, [str(t) for t in tiers]
    return None


def _fresh_key(http: HttpTarget, issuer: Operation, tier: str) -> dict[str, str]:
    """Credentials of a new account's new key of ``tier`` (its own, untouched quota)."""
    account = http.another_account()
    reply = http.call("POST", issuer.path, auth=False, headers=dict(account.headers), json={"tier": tier})
    assert reply.status_code in (200, 201), f"{issuer.label} for tier {tier!r} answered {reply.status_code}"
    body = reply.json()
    secret = next((v for k, v in body.items() if "key" in k.lower() and isinstance(v, str) and len(v) > 16), None)
    assert secret, f"{issuer.label} answered no key: {sorted(body)}"
    header = http.settings.api_key.header if http.settings.api_key is not None else "X-API-Key"
    return {header: secret}


def check_rate_limits(http: HttpTarget, expected_limits: Mapping[str, int] | None = None) -> list[str]:
    """E1 over HTTP; returns the tiers checked (empty: the document issues no tiered keys)."""
    found = key_issuer(http)
    listing = next(iter(http.api.list_operations(http.settings)), None)
    if found is None or listing is None:
        return []
    issuer, tiers = found
    if expected_limits is not None:
        tiers = [tier for tier in tiers if tier in expected_limits]
    quotas: dict[str, int] = {}

    def send(credentials: dict[str, str]) -> httpx.Response:
        return http.call("GET", listing.path, auth=False, headers=credentials, params={"limit": 1})

    @settings(max_examples=scaled_examples(EXAMPLES_DIVISOR), phases=NO_SHRINK)
    @given(tier=st.sampled_from(tiers), extra=st.integers(MIN_EXTRA, MAX_EXTRA))
    def no_client_exceeds_its_quota(tier: str, extra: int) -> None:
        credentials = _fresh_key(http, issuer, tier)
        started = time.monotonic()
        first = send(credentials)
        policy = policy_of(first)
        assert policy is not None, f"GET {listing.path} with a {tier} key answered no RateLimit-Policy header"
        assert policy.tier == tier, f"a {tier!r} key was limited as {policy.tier!r}"
        quota = quotas.setdefault(tier, policy.quota)
        assert policy.quota == quota, f"tier {tier!r} had quota {quota}, now {policy.quota}"
        if expected_limits is not None:
            assert quota == expected_limits[tier], (
                f"tier {tier!r} has quota {quota}, configured {expected_limits[tier]}"
            )
        # What the first answer says is left (+1: itself). The account's set-up requests
        # (issuing the key) may have used some of its quota, on targets that limit per user.
        remaining = remaining_of(first)
        available = quota if remaining is None else min(quota, remaining + 1)
        total = available + extra if quota <= MAX_SENT else MAX_SENT
        with ThreadPoolExecutor(PARALLEL) as pool:
            answers = [first, *pool.map(lambda _: send(credentials), range(total - 1))]
        elapsed = time.monotonic() - started
        statuses = [a.status_code for a in answers]
        accepted = sum(status != 429 for status in statuses)
        bound = quota + math.ceil(elapsed * quota / policy.window_s)
        where = f"tier {tier!r} (q={quota}, w={policy.window_s} s), {total} requests"
        assert accepted <= bound, f"{accepted} requests accepted, above the bound {bound}: {where}"
        assert accepted >= min(total, available), (
            f"only {accepted} accepted, {available} were left of the quota: {where}; {statuses}"
        )
        for answer in answers:
            assert answer.status_code in (200, 429), f"{where}: an answer was {answer.status_code} {answer.text[:200]}"
            answered = policy_of(answer)
            assert answered is not None and answered.tier == tier and "ratelimit" in answer.headers, (
                f"{where}: an answer ({answer.status_code}) lacks the rate-limit headers: {dict(answer.headers)}"
            )
            if answer.status_code == 429:
                retry_after = answer.headers.get("retry-after", "")
                assert retry_after.isdigit() and int(retry_after) >= 1, (
                    f"{where}: a 429 has Retry-After {retry_after!r}, expected whole seconds >= 1"
                )

    no_client_exceeds_its_quota()
    return tiers
