"""Alembic migrations of the reference app, with a programmatic API.

>>> from reference_app.migrations import upgrade, downgrade
>>> upgrade("postgresql://postgres@127.0.0.1/app", "head")
>>> downgrade("postgresql://postgres@127.0.0.1/app", "base")
"""

from reference_app.migrations.runner import (
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)

__all__ = ["current_revision", "downgrade", "head_revision", "upgrade"]
