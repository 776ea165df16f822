"""One report per root cause: failures grouped by what caused them, not by where they showed.

A NUL byte that crashes the database layer fails ``not_a_server_error`` *and*
``status_code_conformance`` on every operation that writes a string; the report should
say it once, list the operations, and give the smallest reproducer. A cause is:

* a server error (5xx): status + normalised error-body signature + trigger class, whatever
  check noticed it (the crash is the cause; a missing header on the crash page is not);
* a response-shape check (headers, media type, schema, Gauntlet's checks): the check and its
  normalised message; the status and the trigger do not matter (a missing header is
  missing everywhere for one reason);
* another error response (4xx): status + signature, whatever check objected (an
  undocumented 410 is also a rejected valid request: one cause);
* anything else (a 2xx that should not be): check + status + signature + trigger class.

Cause ids are stable hashes of that key, so a known-failures file can name them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from gauntlet.rundoc.model import ContractCause, ContractFailure

#: Checks about the shape of any response: one cause per check and message.
SHAPE_CHECKS = frozenset({
    "content_type_conformance", "response_headers_conformance", "response_schema_conformance",
    "every_error_is_problem_json_with_matching_status", "every_response_carries_x_request_id",
    "every_response_carries_security_headers", "no_response_body_leaks_internals",
    "errors_carry_cache_control_no_store", "rate_limited_responses_carry_consistent_headers",
})  # fmt: skip
#: Which check a cause is charged to when several noticed it (first wins).
CHECK_PRIORITY = ("not_a_server_error", "status_code_conformance", "ignored_auth", "use_after_free")
#: Longest signature kept: enough to tell two error bodies apart.
MAX_SIGNATURE_CHARS = 120

_VOLATILE = [
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"\b[0-9a-f]{16,}\b", re.I), "<hex>"),
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"'[^']*'|\"[^\"]*\""), "<value>"),
    (re.compile(r"-?\d+(?:\.\d+)?"), "<n>"),
    (re.compile(r"\s+"), " "),
]
#: Problem/JSON error fields that name the error rather than the instance.
_NAMING_FIELDS = ("type", "title", "detail", "error", "message", "code")


@dataclass(frozen=True)
class RawFailure:
    """One failure as Schemathesis reported it, with what grouping needs."""

    operation: str
    check: str
    title: str
    message: str
    curl: str
    status: int | None
    body: str
    value_class: str
    phase: str
    seed: int | None = None
    cause_id: str | None = None

    def to_record(self) -> ContractFailure:
        return ContractFailure(
            operation=self.operation,
            check=self.check,
            title=self.title,
            message=self.message,
            curl=self.curl,
            seed=self.seed,
            response_excerpt=f"{self.status} {self.body}" if self.status is not None else None,
            cause_id=self.cause_id,
        )


@dataclass
class Cause:
    id: str
    status: int | None
    signature: str
    check: str
    failures: list[RawFailure] = field(default_factory=list)

    @property
    def operations(self) -> list[str]:
        return sorted({f.operation for f in self.failures})

    @property
    def checks(self) -> list[str]:
        return sorted({f.check for f in self.failures}, key=_check_rank)

    @property
    def value_class(self) -> str:
        return self.reproducer.value_class

    @property
    def reproducer(self) -> RawFailure:
        """The smallest failing request: shortest curl, then first found."""
        return min(self.failures, key=lambda f: len(f.curl))

    def to_record(self) -> ContractCause:
        return ContractCause(
            id=self.id,
            status=self.status,
            value_class=self.value_class,
            signature=self.signature,
            operations=self.operations,
            reproducer=self.reproducer.curl,
        )

    def describe(self) -> str:
        """One paragraph for a pytest failure message."""
        return (
            f"[{self.id}] {self.reproducer.title} ({', '.join(self.checks)}): status {self.status}, "
            f"trigger {self.value_class}, signature {self.signature!r}\n"
            f"  operations: {', '.join(self.operations)}\n"
            f"  reproduce:  {self.reproducer.curl}"
        )


def signature(body: str) -> str:
    """What an error body says with the instance details (ids, values, numbers) blanked.

    >>> signature('{"title": "Note 42 not found", "instance": "/notes/42"}')
    'title=Note <n> not found'
    """
    text = body.strip()
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        named = [f"{k}={_flat(parsed[k])}" for k in _NAMING_FIELDS if k in parsed and parsed[k] not in (None, "")]
        text = "; ".join(named) if named else "keys=" + ",".join(sorted(parsed))
    elif isinstance(parsed, list):
        text = "list"
    else:
        text = re.sub(r"<[^>]+>", " ", text)  # an HTML error page: its words, not its markup
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text.strip()[:MAX_SIGNATURE_CHARS]


def _flat(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def cause_key(failure: RawFailure) -> tuple[str, ...]:
    status = str(failure.status)
    if failure.status is not None and failure.status >= 500:
        return ("server-error", status, signature(failure.body), failure.value_class)
    if failure.check in SHAPE_CHECKS:
        return (failure.check, signature(failure.message))
    if failure.status is not None and failure.status >= 400:
        # An error body names its cause ("Note archived"), whichever check objected to it.
        return ("error-response", status, signature(failure.body))
    return (failure.check, failure.title, status, signature(failure.body), failure.value_class)


def _cause_signature(failure: RawFailure) -> str:
    is_shape = failure.check in SHAPE_CHECKS and not (failure.status is not None and failure.status >= 500)
    return signature(failure.message) if is_shape else signature(failure.body)


def cause_id(key: tuple[str, ...]) -> str:
    return "C-" + hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:8]


def group(failures: Iterable[RawFailure]) -> tuple[list[Cause], list[RawFailure]]:
    """Causes (most operations first) and the failures, each stamped with its cause id."""
    causes: dict[tuple[str, ...], Cause] = {}
    stamped = []
    for failure in failures:
        key = cause_key(failure)
        cause = causes.get(key)
        if cause is None:
            cause = causes[key] = Cause(
                id=cause_id(key),
                status=failure.status,
                signature=_cause_signature(failure),
                check=failure.check,
            )
        with_cause = replace(failure, cause_id=cause.id)
        cause.failures.append(with_cause)
        stamped.append(with_cause)
    for cause in causes.values():
        cause.check = cause.checks[0]
    ordered = sorted(causes.values(), key=lambda c: (-len(c.operations), _check_rank(c.check), c.id))
    return ordered, stamped


def _check_rank(check: str) -> tuple[int, str]:
    return (CHECK_PRIORITY.index(check) if check in CHECK_PRIORITY else len(CHECK_PRIORITY), check)
