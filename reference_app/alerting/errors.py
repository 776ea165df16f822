"""Exceptions of the alerting package.

Hierarchy::

    AlertingError        root: a rule set, a series or an evaluation time that cannot be used
"""

from __future__ import annotations

from reference_app.errors import ReferenceAppError


class AlertingError(ReferenceAppError, ValueError):
    """Invalid rules (duplicate names, bad JSON) or time going backwards; the message says which."""
