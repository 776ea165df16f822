"""Audit log: the ``audit_log`` hash-chain table (``reference_app.audit``).

Additive: a new table, nothing else changes. ``id`` is a plain BIGINT (assigned as head + 1
under the chain lock, see ``AuditLogEntry``); ``prev_hash`` is unique so the chain cannot fork.

Revision ID: 0003_audit_log
Revises: 0002_tasks
Create Date: 2025-01-03 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_audit_log"
down_revision: str | None = "0002_tasks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("prev_hash", name=op.f("uq_audit_log_prev_hash")),
    )
    # "What happened to incident X / what did user Y do": the two questions asked of a log.
    op.create_index(op.f("ix_audit_log_actor"), "audit_log", ["actor"])
    op.create_index(op.f("ix_audit_log_subject"), "audit_log", ["subject"])


def downgrade() -> None:
    op.drop_table("audit_log")  # drops its indexes and constraints too
