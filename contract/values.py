"""The class of the value that triggered a failure: NUL byte, integer beyond 64 bits...

Two failures with the same status and error body but different trigger classes are two
bugs (a NUL byte the database refuses, an integer it cannot store), so the class is part
of a cause's identity (:mod:`contract.causes`). Classes are checked in the order of
:data:`VALUE_CLASSES`: the most specific one found anywhere in the request wins.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

#: Longer strings than this are "oversized": past any sane column or header size.
OVERSIZED_STRING_CHARS = 4096
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

#: Trigger classes, most specific first; "ordinary" when none applies.
VALUE_CLASSES: tuple[str, ...] = (
    "nul-byte",
    "integer-beyond-64-bits",
    "integer-beyond-32-bits",
    "null-in-required-field",
    "negative-number",
    "oversized-string",
    "control-character",
    "non-json-body",
    "ordinary",
)


@dataclass(frozen=True)
class RequestParts:
    """What a request carried, as generated (before serialisation)."""

    path_parameters: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    headers: Mapping[str, Any] | None = None
    body: Any = None
    #: JSON Schema of the body, to tell a null in a required field from an optional one.
    body_schema: Mapping[str, Any] | None = None


def classify(parts: RequestParts) -> str:
    """The most specific trigger class found in ``parts``.

    >>> classify(RequestParts(body={"name": "a\\x00b"}))
    'nul-byte'
    """
    found: set[str] = set()
    for location in (parts.path_parameters, parts.query, parts.headers):
        for value in _leaves(location):
            found.update(_classes_of(value))
    if isinstance(parts.body, bytes | bytearray):
        found.add("nul-byte" if b"\x00" in parts.body or b"\\u0000" in parts.body else "non-json-body")
    else:
        for value in _leaves(parts.body):
            found.update(_classes_of(value))
        if _null_in_required(parts.body, parts.body_schema):
            found.add("null-in-required-field")
    return next((name for name in VALUE_CLASSES if name in found), "ordinary")


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield key
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def _classes_of(value: Any) -> Iterator[str]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            yield "integer-beyond-64-bits"
        elif not -INT32_MAX - 1 <= value <= INT32_MAX:
            yield "integer-beyond-32-bits"
        elif value < 0:
            yield "negative-number"
    elif isinstance(value, float):
        if value < 0:
            yield "negative-number"
    elif isinstance(value, str):
        yield from _string_classes(value)


#: Digit strings longer than this are classified without being parsed.
MAX_EXACT_DIGITS = 40


def _string_classes(value: str) -> Iterator[str]:
    if "\x00" in value:
        yield "nul-byte"
    if len(value) > OVERSIZED_STRING_CHARS:
        yield "oversized-string"
    if any(ord(c) < 32 and c not in "\t\n\r" for c in value):
        yield "control-character"
    stripped = value.strip()
    digits = stripped.lstrip("-")
    if digits.isdigit() and digits.isascii():
        if len(digits) > MAX_EXACT_DIGITS:
            # int() refuses strings this long (CPython's 4300-digit guard); no need to parse:
            # anything with more than 20 digits is beyond 64 bits.
            yield "integer-beyond-64-bits"
        else:
            yield from _classes_of(int(stripped))


def _null_in_required(body: Any, schema: Mapping[str, Any] | None) -> bool:
    if not isinstance(body, Mapping) or not isinstance(schema, Mapping):
        return False
    required = schema.get("required") or ()
    properties = schema.get("properties") or {}
    for name, value in body.items():
        if value is None and name in required:
            return True
        if isinstance(value, Mapping) and _null_in_required(value, properties.get(name)):
            return True
    return False
