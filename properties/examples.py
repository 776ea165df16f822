"""How many examples an expensive property runs (each one starts processes, stops servers...).

Below the spec's 100 (the ``ci`` profile) such a property runs a fraction of the profile's
examples, at least ``floor``; from 100 on (``full``) it runs all of them, so every
property meets spec/properties.md's "at least 100 examples in the full profile".
"""

from __future__ import annotations

from hypothesis import settings

#: spec/properties.md: at least this many examples per property in the ``full`` profile.
SPEC_EXAMPLES = 100


def scaled_examples(divisor: int, *, floor: int = 2) -> int:
    """The active profile's examples, divided by ``divisor`` (at least ``floor``) below the spec's 100."""
    configured = settings().max_examples
    return configured if configured >= SPEC_EXAMPLES else max(floor, configured // divisor)
