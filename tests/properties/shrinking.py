"""Failure proofs need a counterexample, not the smallest one.

Shrinking one that lives in a real database or Redis costs seconds per step, so slow
proofs run with generation only. ``with no_shrinking(): ...`` (the active profile's
other settings, e.g. the ci seed and example count, are kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hypothesis import Phase, settings

PROFILE = "failure-proofs-no-shrink"


@contextmanager
def no_shrinking() -> Iterator[None]:
    current = settings.get_current_profile_name()
    settings.register_profile(PROFILE, parent=settings.get_profile(current), phases=[Phase.explicit, Phase.generate])
    settings.load_profile(PROFILE)
    try:
        yield
    finally:
        settings.load_profile(current)
