"""Redaction of secrets from anything about to be logged (property 35).

``Redactor.redact`` returns a redacted deep copy; the input is never modified. Rules:

- keys, compared case-insensitively with ``-`` ≡ ``_``: ``password``, ``secret``,
  ``token``, ``access_token``, ``refresh_token``, ``api_key``, ``authorization``,
  ``cookie``, ``set-cookie``, ``x-api-key``, ``client_secret``, ``private_key``,
  ``card_number``, ``cvv``, ``ssn`` (and a few synonyms), and any key ending in
  ``_token``, ``_secret`` or ``_password``: the whole value becomes ``[REDACTED]``;
- string values anywhere: ``Bearer …``/``Basic …`` credentials, JWT-shaped strings (three
  base64url segments, the first starting ``eyJ``) and ``key=value`` pairs with a sensitive
  key are redacted in place; Luhn-valid 13-19 digit numbers (also with spaces or dashes,
  also as ints) are masked to their last 4 digits;
- containers are walked to ``max_depth`` (10) levels; anything deeper is replaced whole
  (what cannot be inspected cannot be logged);
- objects of other types are logged as their ``str()``, redacted like any string.

Deliberate exception: values under identifier keys (``correlation_id``, ``trace_id``...)
are validated opaque ids the app generated or accepted and echoes in every response; they
skip the VALUE rules, else an id that happens to hold a Luhn-valid digit run would be
masked and the request's records would no longer correlate (property 32).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: What a redacted value becomes.
REDACTED = "[REDACTED]"
#: What a container nested deeper than ``max_depth`` becomes.
TOO_DEEP = "[REDACTED: nested too deep]"
#: Containers are walked this many levels below the logged object.
MAX_DEPTH = 10
#: Keys whose whole value is redacted (normalised: lower-case, ``-`` → ``_``).
SENSITIVE_KEYS = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "secret_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "api_key",
        "apikey",
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "x_api_key",
        "client_secret",
        "private_key",
        "card_number",
        "cvv",
        "ssn",
    }
)
#: Any key ending in one of these is sensitive too (``github_token``, ``db_password``).
SENSITIVE_SUFFIXES = ("_token", "_secret", "_password")
#: Validated ids exempt from the value rules (see the module docstring).
IDENTIFIER_KEYS = frozenset({"correlation_id", "request_id", "trace_id", "span_id", "traceparent"})

_AUTH_CREDENTIALS = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9\-._~+/]+=*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
#: A digit, then 12 to 18 more, each optionally after one space or dash; not inside a
#: longer digit run.
_CARD_CANDIDATE = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
_CARD_SEPARATOR = re.compile(r"([ -])")
#: Payment card numbers are 13 to 19 digits long (ISO/IEC 7812).
CARD_MIN_DIGITS = 13
CARD_MAX_DIGITS = 19


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of a digit string.

    >>> luhn_valid("4111111111111111"), luhn_valid("4111111111111112")
    (True, False)
    """
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _is_card(digits: str) -> bool:
    return CARD_MIN_DIGITS <= len(digits) <= CARD_MAX_DIGITS and luhn_valid(digits)


def _mask(digits: str) -> str:
    return "*" * 4 + digits[-4:]


def _mask_card_candidate(match: re.Match[str]) -> str:
    return _mask_cards_in(match[0])


def _mask_cards_in(text: str) -> str:
    tokens = _CARD_SEPARATOR.split(text)  # groups at even indexes, separators at odd
    groups = tokens[0::2]
    # The longest run of whole digit groups that is a card wins: the candidate may also
    # hold neighbouring digits ("ref 7 4111 1111 1111 1111") or two cards.
    for size in range(len(groups), 0, -1):
        for start in range(len(groups) - size + 1):
            digits = "".join(groups[start : start + size])
            if _is_card(digits):
                before = "".join(tokens[: 2 * start])
                after = "".join(tokens[2 * (start + size) :])
                return _mask_cards_in(before) + _mask(digits) + _mask_cards_in(after)
    return text


def _key_value_pattern(keys: Iterable[str]) -> re.Pattern[str]:
    """``password=x``, ``"X-Api-Key": "x"``, ``db_password: x`` inside free text.

    The value runs to a delimiter; an auth scheme word or an already redacted value is
    left to the rule that handled it.
    """
    names = "|".join(re.escape(k).replace("_", "[_-]") for k in sorted(keys, key=len, reverse=True))
    return re.compile(
        rf"(?i)\b([A-Za-z0-9_-]*(?:{names})\"?\s*[=:]\s*\"?)"
        r"(?!(?:bearer|basic)\s|\[REDACTED)([^\s&,;\"')\]}>]+)"
    )


def _normalized_key(key: object) -> str:
    return str(key).strip().lower().replace("-", "_")


class Redactor:
    """Removes secrets from log records; the structlog processor that must run LAST.

    Example::

        Redactor().redact({"headers": {"Authorization": "Bearer abc"}})
        # {'headers': {'Authorization': '[REDACTED]'}}
    """

    def __init__(
        self,
        *,
        keys: Iterable[str] = SENSITIVE_KEYS,
        suffixes: Iterable[str] = SENSITIVE_SUFFIXES,
        identifier_keys: Iterable[str] = IDENTIFIER_KEYS,
        max_depth: int = MAX_DEPTH,
    ) -> None:
        self.keys = frozenset(_normalized_key(k) for k in keys)
        self.suffixes = tuple(_normalized_key(s) for s in suffixes)
        self.identifier_keys = frozenset(_normalized_key(k) for k in identifier_keys)
        self.max_depth = max_depth
        self._key_value = _key_value_pattern(self.keys | {suffix.lstrip("_") for suffix in self.suffixes})

    def __call__(self, logger: object, method_name: str, event_dict: Any) -> Any:
        """structlog processor interface."""
        return self.redact(event_dict)

    def is_sensitive_key(self, key: object) -> bool:
        normalized = _normalized_key(key)
        return normalized in self.keys or normalized.endswith(self.suffixes)

    def redact_text(self, text: str) -> str:
        """Apply the value rules to one string."""
        text = _JWT.sub(REDACTED, text)
        text = _AUTH_CREDENTIALS.sub(lambda m: f"{m[1]}{m[2]}{REDACTED}", text)
        text = self._key_value.sub(lambda m: f"{m[1]}{REDACTED}", text)
        return _CARD_CANDIDATE.sub(_mask_card_candidate, text)

    def redact(self, obj: Any) -> Any:
        """A redacted deep copy of ``obj`` (dicts, lists, tuples, sets, scalars)."""
        return self._walk(obj, 0)

    def _walk(self, obj: Any, depth: int) -> Any:
        if obj is None or isinstance(obj, bool | float):
            return obj
        if isinstance(obj, int):
            digits = str(abs(obj))
            return _mask(digits) if _is_card(digits) else obj
        if isinstance(obj, str):
            return self.redact_text(obj)
        if isinstance(obj, bytes | bytearray):
            return self.redact_text(bytes(obj).decode("utf-8", "replace"))
        if isinstance(obj, Mapping | list | tuple | set | frozenset):
            if depth >= self.max_depth:
                return TOO_DEEP
            if isinstance(obj, Mapping):
                return {key: self._value(key, value, depth + 1) for key, value in obj.items()}
            items = [self._walk(item, depth + 1) for item in obj]
            return tuple(items) if isinstance(obj, tuple) else items
        return self.redact_text(str(obj))

    def _value(self, key: object, value: Any, depth: int) -> Any:
        if self.is_sensitive_key(key):
            return REDACTED
        if _normalized_key(key) in self.identifier_keys and isinstance(value, str):
            return value
        return self._walk(value, depth)
