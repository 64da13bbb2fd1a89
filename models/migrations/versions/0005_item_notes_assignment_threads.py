"""item notes, assignment to a named colleague, comments by post (for threads), a school's open queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 04:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.create_index("ix_comments_post", ["platform", "post_id"], unique=False)
    op.create_table(
        "item_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("queue_item_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["queue_item_id"], ["queue_items.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("item_notes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_item_notes_queue_item_id"), ["queue_item_id"], unique=False
        )
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_queue_school_open",
            ["school_id", "status", "priority", "created_at"],
            unique=False,
        )
        batch_op.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_queue_items_assigned_to_id"), ["assigned_to_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_queue_items_assigned_to_id_users", "users", ["assigned_to_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("queue_items", schema=None) as batch_op:
        batch_op.drop_constraint("fk_queue_items_assigned_to_id_users", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_queue_items_assigned_to_id"))
        batch_op.drop_column("assigned_to_id")
        batch_op.drop_index("ix_queue_school_open")
    with op.batch_alter_table("item_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_notes_queue_item_id"))
    op.drop_table("item_notes")
    with op.batch_alter_table("comments", schema=None) as batch_op:
        batch_op.drop_index("ix_comments_post")
