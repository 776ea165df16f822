"""Background tasks: the ``tasks`` status table, its enums and its listing index.

Revision ID: 0002_tasks
Revises: 0001
Create Date: 2025-01-02 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_tasks"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENUMS = {
    "task_status": ("PENDING", "STARTED", "RETRY", "SUCCESS", "FAILURE"),
    "task_priority": ("high", "normal", "low"),
}


def _enum(name: str) -> sa.Enum:
    # Created once, explicitly, below: the columns must not create them again.
    return postgresql.ENUM(*_ENUMS[name], name=name, create_type=False)


def _timestamp(name: str, *, nullable: bool = False, default: bool = True) -> sa.Column[object]:
    return sa.Column(
        name,
        sa.DateTime(timezone=True),
        nullable=nullable,
        server_default=sa.text("CURRENT_TIMESTAMP") if default else None,
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, values in _ENUMS.items():
            postgresql.ENUM(*values, name=name).create(bind, checkfirst=False)
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("status", _enum("task_status"), server_default="PENDING", nullable=False),
        sa.Column("priority", _enum("task_priority"), server_default="normal", nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retries", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("worker", sa.String(length=255), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("started_at", nullable=True, default=False),
        _timestamp("finished_at", nullable=True, default=False),
        _timestamp("next_attempt_at", nullable=True, default=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_tasks_owner_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    op.create_index(
        "ix_tasks_owner_created",
        "tasks",
        ["owner_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
    )


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_table("tasks")  # drops its index too
    if bind.dialect.name == "postgresql":
        for name, values in reversed(_ENUMS.items()):
            postgresql.ENUM(*values, name=name).drop(bind, checkfirst=False)
