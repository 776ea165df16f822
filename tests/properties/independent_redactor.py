"""A second, independent Redactor (shares no code with the reference app's): the
compatibility kit's proof that ``[components] redactor = "..."`` plugs a team's own
implementation into property 35.

    [components]
    redactor = "tests.properties.independent_redactor:build"
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
SENSITIVE = ("password", "secret", "token", "api_key", "apikey", "authorization", "cookie", "cvv", "ssn",
             "card_number", "private_key")  # fmt: skip
DIGIT_RUN = re.compile(r"\d[\d -]{11,}\d")


def _luhn(digits: str) -> bool:
    checksum = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        checksum += value - 9 if value > 9 else value
    return checksum % 10 == 0


def _mask_cards(text: str) -> str:
    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match[0])
        return MASK if 13 <= len(digits) <= 19 and _luhn(digits) else match[0]

    return DIGIT_RUN.sub(mask, text)


class IndependentRedactor:
    def redact(self, event: Any) -> Any:
        if isinstance(event, dict):
            return {k: MASK if self._sensitive(k) else self.redact(v) for k, v in event.items()}
        if isinstance(event, list | tuple | set):
            return [self.redact(item) for item in event]
        if isinstance(event, bytes):
            return self.redact(event.decode("utf-8", "replace"))
        if isinstance(event, int) and not isinstance(event, bool):
            return self.redact(str(event))
        if isinstance(event, str):
            return _mask_cards(event)
        return event

    @staticmethod
    def _sensitive(key: object) -> bool:
        name = str(key).lower().replace("-", "_")
        return any(word in name for word in SENSITIVE)


def build() -> IndependentRedactor:
    return IndependentRedactor()
