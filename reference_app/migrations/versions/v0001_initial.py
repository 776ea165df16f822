"""Initial schema: users, api_keys, refresh_tokens, incidents and their indexes.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ENUMS = {
    "api_key_tier": ("free", "premium", "enterprise"),
    "incident_status": ("open", "investigating", "resolved", "closed"),
    "incident_severity": ("low", "medium", "high", "critical"),
}


def _enum(name: str) -> sa.Enum:
    # Types are created once, explicitly, below: columns must not create them again.
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
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        _timestamp("created_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("tier", _enum("api_key_tier"), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True, default=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"])
    op.create_table(
        "refresh_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("tier", _enum("api_key_tier"), nullable=False),
        _timestamp("issued_at"),
        _timestamp("expires_at", default=False),
        _timestamp("used_at", nullable=True, default=False),
        _timestamp("revoked_at", nullable=True, default=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_refresh_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refresh_tokens")),
    )
    op.create_index(op.f("ix_refresh_tokens_user_id"), "refresh_tokens", ["user_id"])
    op.create_index(op.f("ix_refresh_tokens_family_id"), "refresh_tokens", ["family_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", _enum("incident_status"), server_default="open", nullable=False),
        sa.Column("severity", _enum("incident_severity"), server_default="medium", nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_incidents_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index(
        "ix_incidents_owner_created",
        "incidents",
        ["owner_id", sa.literal_column("created_at DESC"), sa.literal_column("id DESC")],
    )
    op.create_index(
        "ix_incidents_owner_status_created",
        "incidents",
        ["owner_id", "status", "created_at", "id"],
    )
    if bind.dialect.name == "postgresql":
        op.create_index(
            "ix_incidents_search",
            "incidents",
            [sa.text("to_tsvector('english'::regconfig, (title::text || ' '::text) || description)")],
            postgresql_using="gin",
        )


def downgrade() -> None:
    bind = op.get_bind()
    # Dropping a table drops its indexes; the enum types outlive tables and go last.
    op.drop_table("incidents")
    op.drop_table("refresh_tokens")
    op.drop_table("api_keys")
    op.drop_table("users")
    if bind.dialect.name == "postgresql":
        for name, values in reversed(_ENUMS.items()):
            postgresql.ENUM(*values, name=name).drop(bind, checkfirst=False)
