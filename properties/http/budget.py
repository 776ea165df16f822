"""Hypothesis settings shared by the http properties."""

from __future__ import annotations

from hypothesis import Phase, settings

#: No shrinking: every example is a series of network requests (some with deliberately
#: slow password hashing), and shrinking one failure could take minutes. The first
#: failing example is reported as found, with its seed; the profile's example count holds.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target)


def over_http() -> settings:
    """``@over_http()`` above ``@given``: the active profile, without the shrink phase."""
    return settings(phases=NO_SHRINK)
