"""Constrained string types shared by the schemas.

NUL characters are refused in every stored string: PostgreSQL ``text`` cannot hold them,
so letting one through would turn a client error (422) into a server error (500).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import StrictStr, StringConstraints

#: Matches any string without NUL; documented in OpenAPI so fuzzers know the rule.
NO_NUL_PATTERN = r"^[^\x00]*$"
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
SEARCH_MAX_LENGTH = 200

Title = Annotated[
    StrictStr,
    StringConstraints(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=NO_NUL_PATTERN),
]
Description = Annotated[StrictStr, StringConstraints(max_length=DESCRIPTION_MAX_LENGTH, pattern=NO_NUL_PATTERN)]
Username = Annotated[StrictStr, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Password = Annotated[StrictStr, StringConstraints(min_length=8, max_length=128, pattern=NO_NUL_PATTERN)]
#: Any presented secret (API key, refresh token): bounded so hashing stays cheap.
Credential = Annotated[StrictStr, StringConstraints(min_length=1, max_length=4096, pattern=NO_NUL_PATTERN)]
