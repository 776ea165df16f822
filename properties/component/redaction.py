"""35: for any nested structure, values under sensitive keys and card-like numbers never
reach the redactor's output.

Hypothesis builds random JSON-like structures and plants secrets in them: unique marker
values under sensitive keys (any case, ``-`` or ``_``, as suffixes too), at any depth and
inside lists and tuples; and Luhn-valid 13–19 digit numbers as ints, strings and inside
free text. The output, rendered as text, must contain none of them.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gauntlet.components.protocols import Redactor

#: Sensitive key names (spec/reference-app.md "Logging"), before case and separator variation.
SENSITIVE_KEYS = (
    "password", "secret", "token", "access_token", "refresh_token", "api_key", "authorization",
    "cookie", "set-cookie", "x-api-key", "client_secret", "private_key", "card_number", "cvv", "ssn",
    "db_password", "github_token", "webhook_secret",
)  # fmt: skip
#: Plain keys that hold the rest of the structure.
PLAIN_KEYS = st.from_regex(r"[a-z]{1,8}", fullmatch=True).filter(
    lambda k: not any(s.replace("-", "_") in k for s in ("token", "secret", "password", "cvv", "ssn", "cookie"))
)


def luhn_check_digit(body: str) -> str:
    total = 0
    for index, char in enumerate(reversed(body)):
        value = int(char)
        if index % 2 == 0:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


#: Luhn-valid card-like numbers, 13 to 19 digits, not starting with 0.
card_numbers = st.integers(12, 18).flatmap(
    lambda n: st.from_regex(rf"[1-9][0-9]{{{n - 1}}}", fullmatch=True).map(lambda body: body + luhn_check_digit(body))
)


def key_variants(key: str) -> st.SearchStrategy[str]:
    forms = {key, key.upper(), key.title(), key.replace("_", "-"), key.replace("-", "_"), key.replace("_", "-").upper()}
    return st.sampled_from(sorted(forms))


@dataclass(frozen=True)
class Planted:
    structure: Any
    secrets: tuple[str, ...]


def _secret_value(marker: str) -> st.SearchStrategy[Any]:
    """A value holding ``marker``: itself, in a list, in a dict, as bytes."""
    return st.sampled_from(
        [marker, [marker], {"value": marker}, (marker, 1), marker.encode(), {"nested": [{"deep": marker}]}]
    )


@st.composite
def planted_structures(draw: st.DrawFn) -> Planted:
    planted: list[str] = []

    def sensitive_entry() -> tuple[str, Any]:
        marker = f"gauntletsecret{secrets.token_hex(6)}"
        planted.append(marker)
        key = draw(st.sampled_from(SENSITIVE_KEYS).flatmap(key_variants))
        return key, draw(_secret_value(marker))

    def card_value() -> Any:
        number = draw(card_numbers)
        planted.append(number)
        return draw(st.sampled_from([int(number), number, f"card {number} charged", f"paid with {number}."]))

    def node(depth: int) -> Any:
        kind = draw(st.sampled_from(["dict", "list", "tuple", "leaf", "card"] if depth < 6 else ["leaf", "card"]))
        if kind == "leaf":
            return draw(st.none() | st.booleans() | st.text(st.characters(codec="ascii"), max_size=12))
        if kind == "card":
            return card_value()
        children = [node(depth + 1) for _ in range(draw(st.integers(0, 3)))]
        if kind == "list":
            return children
        if kind == "tuple":
            return tuple(children)
        result: dict[str, Any] = {draw(PLAIN_KEYS): child for child in children}
        for _ in range(draw(st.integers(0, 2))):
            key, value = sensitive_entry()
            result[key] = value
        return result

    structure = {"event": "gauntlet", **dict([sensitive_entry()]), "payload": node(0)}
    return Planted(structure, tuple(planted))


def rendered(obj: Any) -> str:
    return json.dumps(obj, default=lambda o: o.decode("utf-8", "replace") if isinstance(o, bytes) else str(o))


def check_redaction(redactor: Redactor) -> None:
    @given(planted=planted_structures())
    def planted_secrets_never_appear(planted: Planted) -> None:
        output = rendered(redactor.redact(planted.structure))
        leaked = [secret for secret in planted.secrets if secret in output]
        assert not leaked, f"secrets left in the redacted output: {leaked}\noutput: {output[:500]}"

    planted_secrets_never_appear()
