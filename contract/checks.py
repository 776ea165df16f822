"""Gauntlet's own contract checks: the one module that registers checks with Schemathesis.

``@schemathesis.check`` registers globally, for every schema of the process (TOOLCHAIN.md),
so each check here is *armed* only for schemas built by :func:`contract.engine.schema_config`
(``[checks.<name>] gauntlet = true``); anywhere else it passes without looking. A target
opts out of a check with ``[contract] disabled_checks``.

Each check is named as the statement it asserts, so a report reads as a sentence:
``every_response_carries_x_request_id`` failed on ``POST /notes``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, MutableMapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import schemathesis

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response

#: Key under ``[checks.<name>]`` that arms a Gauntlet check for one run.
ARMING_KEY = "gauntlet"

#: Schemathesis built-ins the contract suite runs (the rest stay off: they need setup
#: such as a second identity, or test HTTP plumbing rather than the contract).
BUILTIN_CHECKS: tuple[str, ...] = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
)

#: Headers every response must carry, with the value each must hold (None: any non-empty value).
SECURITY_HEADERS: dict[str, re.Pattern[str] | None] = {
    "x-content-type-options": re.compile(r"^nosniff$", re.IGNORECASE),
    "x-frame-options": re.compile(r"^(DENY|SAMEORIGIN)$", re.IGNORECASE),
    "content-security-policy": None,
    "referrer-policy": None,
    "strict-transport-security": re.compile(r"max-age=\d+", re.IGNORECASE),
}

#: What an internal detail looks like in a response body (CWE-209).
LEAK_PATTERNS: dict[str, re.Pattern[str]] = {
    "a Python traceback": re.compile(r"Traceback \(most recent call last\)"),
    "a stack frame": re.compile(r"File \"[^\"]+\", line \d+"),
    "a server file path": re.compile(
        r"(?<![\w.])(?:/(?:usr|home|opt|srv|var|app|root|tmp|site-packages)/[\w./-]+|[A-Z]:\\[\w\\.-]+)"
        r"|[\w/.-]+\.py\b"
    ),
    "an exception class name": re.compile(
        r"\b(?:[A-Z][a-z0-9]+){1,4}(?:Error|Exception)\b|\b(?:[a-z_]+\.)+[A-Z]\w*(?:Error|Exception)\b"
    ),
}

#: Only this much of a body is searched for leaks: enough for any traceback.
MAX_SCANNED_BODY_BYTES = 64 * 1024

Check = Callable[["CheckContext", "Response", "Case[Any]"], "bool | None"]

#: Gauntlet's checks by name, in report order (filled by :func:`_gauntlet_check`).
GAUNTLET_CHECKS: dict[str, Check] = {}


def _gauntlet_check(func: Check) -> Check:
    """Register ``func`` with Schemathesis, armed only where Gauntlet's config says so."""
    name = func.__name__

    def armed(ctx: CheckContext, response: Response, case: Case[Any]) -> bool | None:
        if not ctx.config.custom_kwargs.get(name, {}).get(ARMING_KEY):
            return None
        return func(ctx, response, case)

    armed.__name__ = armed.__qualname__ = name
    armed.__doc__ = func.__doc__
    GAUNTLET_CHECKS[name] = func
    schemathesis.check(armed)
    return func


def header(response: Response, name: str) -> str | None:
    values = response.headers.get(name.lower())
    return values[0].strip() if values else None


def media_type(response: Response) -> str:
    return (header(response, "content-type") or "").split(";")[0].strip().lower()


@_gauntlet_check
def every_error_is_problem_json_with_matching_status(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """Every 4xx/5xx is ``application/problem+json`` whose ``status`` equals the HTTP status (RFC 9457)."""
    status = response.status_code
    if status < 400:
        return
    kind = media_type(response)
    if kind != "application/problem+json":
        raise AssertionError(f"{status} answered with Content-Type {kind or 'none'!r}, not application/problem+json")
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{status} answered with a problem+json body that is not JSON") from None
    if not isinstance(body, dict) or body.get("status") != status:
        found = body.get("status") if isinstance(body, dict) else type(body).__name__
        raise AssertionError(f"{status} answered with a problem whose status is {found!r}")


@_gauntlet_check
def every_response_carries_x_request_id(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """Every response carries a non-empty ``X-Request-ID`` to correlate it with the server's logs."""
    if not header(response, "x-request-id"):
        raise AssertionError(f"{response.status_code} answered without an X-Request-ID header")


@_gauntlet_check
def every_response_carries_security_headers(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """Every response carries the security headers (OWASP Secure Headers), with safe values."""
    wrong = []
    for name, expected in SECURITY_HEADERS.items():
        value = header(response, name)
        if not value:
            wrong.append(f"{name} missing")
        elif expected is not None and not expected.search(value):
            wrong.append(f"{name}: {value!r} is not a safe value")
    if wrong:
        raise AssertionError("security headers: " + "; ".join(wrong))


@_gauntlet_check
def no_response_body_leaks_internals(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """No response body holds a traceback, a server file path or an exception class name (CWE-209)."""
    text = response.content[:MAX_SCANNED_BODY_BYTES].decode("utf-8", "replace")
    sent = _request_text(response)
    for what, pattern in LEAK_PATTERNS.items():
        for match in pattern.finditer(text):
            # The API may echo what it was sent (validation errors do): that is no leak.
            if match.group(0) not in sent:
                raise AssertionError(f"{response.status_code} body contains {what}: {match.group(0)[:80]!r}")


@_gauntlet_check
def errors_carry_cache_control_no_store(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """Every 4xx/5xx carries ``Cache-Control: no-store``: no cache may replay an error (RFC 9111 §5.2.2.5)."""
    if response.status_code < 400:
        return
    directives = {d.strip().lower() for d in (header(response, "cache-control") or "").split(",")}
    if "no-store" not in directives:
        found = header(response, "cache-control")
        raise AssertionError(f"{response.status_code} answered with Cache-Control {found!r}, not no-store")


@_gauntlet_check
def rate_limited_responses_carry_consistent_headers(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """A 429 says when to retry (``Retry-After`` ≥ 1 s) and its rate-limit headers agree with each other."""
    problems = [
        f"{family}: {p}" for family, fields in rate_limit_fields(response).items() for p in _inconsistent(fields)
    ]
    if response.status_code == 429:
        problems[:0] = _retry_after_problems(header(response, "retry-after"))
        for family, fields in rate_limit_fields(response).items():
            if fields.get("remaining") not in (None, 0):
                problems.append(f"{family}: remaining is {fields['remaining']} on a 429, expected 0")
    if problems:
        raise AssertionError(f"{response.status_code} rate-limit headers: " + "; ".join(problems))


def _retry_after_problems(value: str | None) -> list[str]:
    if value is None:
        return ["Retry-After missing"]
    if value.isdigit():
        return [] if int(value) >= 1 else [f"Retry-After {value!r} is below 1 second"]
    try:
        parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return [f"Retry-After {value!r} is neither seconds nor an HTTP date (RFC 9110 §10.2.3)"]
    return []


def rate_limit_fields(response: Response) -> dict[str, dict[str, int | None]]:
    """``{"X-RateLimit": {"limit": 10, "remaining": 0, "reset": 5}, ...}`` for each family present.

    Families: ``X-RateLimit-*``, ``RateLimit-*`` and the structured ``RateLimit: limit=10,
    remaining=0, reset=5`` of draft-ietf-httpapi-ratelimit-headers. A value that is not an
    integer is kept as None (and reported).
    """
    found: dict[str, dict[str, int | None]] = {}
    for family in ("X-RateLimit", "RateLimit"):
        for field in ("limit", "remaining", "reset"):
            value = header(response, f"{family}-{field}")
            if value is not None:
                found.setdefault(family, {})[field] = _integer(value)
    structured = header(response, "ratelimit")
    if structured:
        for part in structured.split(","):
            key, _, value = part.strip().partition("=")
            if key.strip().lower() in ("limit", "remaining", "reset"):
                found.setdefault("RateLimit", {})[key.strip().lower()] = _integer(value.strip())
        # draft-10 and later: `RateLimit: "policy";r=57;t=12` with the quota in
        # `RateLimit-Policy: "policy";q=100;w=60` (one family per policy name).
        for name, params in _sf_items(structured):
            fields = found.setdefault(f"RateLimit {name}", {})
            for param, field in (("r", "remaining"), ("t", "reset")):
                if param in params:
                    fields[field] = _integer(params[param])
        for name, params in _sf_items(header(response, "ratelimit-policy") or ""):
            if "q" in params and f"RateLimit {name}" in found:
                found[f"RateLimit {name}"]["limit"] = _integer(params["q"])
    return {family: fields for family, fields in found.items() if fields}


def _sf_items(value: str) -> list[tuple[str, dict[str, str]]]:
    """Items of a structured-field list whose members are strings with parameters:
    ``"free";r=57;t=12, "burst";r=3`` -> ``[("free", {"r": "57", "t": "12"}), ...]``."""
    items = []
    for member in value.split(","):
        name, *params = (piece.strip() for piece in member.split(";"))
        if not (name.startswith('"') and name.endswith('"') and len(name) >= 2):
            continue
        items.append((name[1:-1], {k.strip(): v.strip() for k, _, v in (p.partition("=") for p in params)}))
    return items


def _integer(value: str) -> int | None:
    return int(value) if value.isdigit() else None


def _inconsistent(fields: dict[str, int | None]) -> list[str]:
    problems = [f"{name} is not a non-negative integer" for name, value in fields.items() if value is None]
    limit, remaining = fields.get("limit"), fields.get("remaining")
    if limit is not None and remaining is not None and remaining > limit:
        problems.append(f"remaining {remaining} exceeds limit {limit}")
    return problems


def _request_text(response: Response) -> str:
    request = response.request
    body = request.body or b""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    from urllib.parse import unquote

    return unquote(str(request.url or "")) + "\n" + str(body)


#: What an Idempotency-Key may be (draft-ietf-httpapi-idempotency-key-header; the reference
#: app's rule): anything else is left alone, for negative testing to probe.
_VALID_IDEMPOTENCY_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")


@schemathesis.hook("before_call")
def fresh_idempotency_keys(context: Any, case: Case[Any], kwargs: dict[str, Any]) -> None:
    """Give every call its own valid Idempotency-Key.

    The fuzzer happily sends one generated key with two different bodies; the idempotency
    protocol answers that with 422 by design, which is the client's fault, not a contract
    failure (idempotency itself is property E4's business). Registered here because
    ``before_call`` hooks can only be global, and this module holds the global registrations.
    """
    for headers in (case.headers, kwargs.get("headers")):
        # A case's headers are a requests CaseInsensitiveDict: a MutableMapping, not a dict.
        if not isinstance(headers, MutableMapping):
            continue
        for name in list(headers):
            if name.lower() == "idempotency-key" and _VALID_IDEMPOTENCY_KEY.match(str(headers[name])):
                headers[name] = uuid.uuid4().hex
