"""35 fails on a redactor that misses a key spelling or card numbers."""

from __future__ import annotations

import pytest

from properties.component.redaction import check_redaction
from reference_app.http import redaction
from reference_app.http.redaction import Redactor


class CaseSensitiveRedactor(Redactor):
    """Matches keys only as spelled in the list: ``Password`` and ``X-API-Key`` slip through."""

    def is_sensitive_key(self, key: object) -> bool:
        return str(key) in self.keys


class NoCardRedactor(Redactor):
    """Forgets the card-number rule."""

    def redact_text(self, text: str) -> str:
        text = redaction._JWT.sub(redaction.REDACTED, text)
        return redaction._AUTH_CREDENTIALS.sub(lambda m: f"{m[1]}{m[2]}{redaction.REDACTED}", text)

    def _walk(self, obj, depth):
        if isinstance(obj, int) and not isinstance(obj, bool):
            return obj
        return super()._walk(obj, depth)


def test_the_property_holds_on_the_reference_redactor():
    check_redaction(Redactor())


@pytest.mark.mutant(35)
@pytest.mark.parametrize("mutant", [CaseSensitiveRedactor, NoCardRedactor])
def test_redaction_fails_on_a_mutant(mutant):
    with pytest.raises(AssertionError, match="secrets left"):
        check_redaction(mutant())
