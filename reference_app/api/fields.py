"""``fields=a,b`` parsing: exactly those fields plus ``id``; unknown names are a 422."""

from __future__ import annotations

import re

from reference_app.errors import ProblemError
from reference_app.schemas.incidents import INCIDENT_FIELDS

#: Longest ``fields`` value read (every field name, comma-separated, fits well within).
MAX_FIELDS_LENGTH = 200


def fields_pattern(allowed: tuple[str, ...] = INCIDENT_FIELDS) -> str:
    """The documented grammar: allowed names separated by commas, nothing else."""
    name = "(?:" + "|".join(allowed) + ")"
    return f"^{name}(?:,{name})*$"


def parse_fields(raw: str | None, allowed: tuple[str, ...] = INCIDENT_FIELDS) -> tuple[str, ...]:
    """The selected field names in declaration order, ``id`` first.

    >>> parse_fields("title,status")
    ('id', 'title', 'status')
    """
    if raw is None:
        return allowed
    if not re.fullmatch(fields_pattern(allowed), raw):
        allowed_text = ", ".join(allowed)
        message = (
            f"fields must be comma-separated names without spaces. Allowed fields: "
            f"{allowed_text}. Example: fields=title,status"
        )
        raise ProblemError(
            422,
            "Unprocessable Content",
            slug="validation-error",
            detail=message,
            # The unknown names are not echoed back: only the allowed ones are listed.
            extra={
                "errors": [{"loc": ["query", "fields"], "msg": message, "type": "value_error"}],
                "allowed_fields": list(allowed),
            },
        )
    requested = set(raw.split(","))
    return tuple(name for name in allowed if name == "id" or name in requested)
