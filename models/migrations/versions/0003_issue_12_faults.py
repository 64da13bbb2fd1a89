"""comments keep their text as read; accounts say why their actions wait

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 04:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:
        batch.add_column(sa.Column("as_read_json", sa.Text(), nullable=True))
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("action_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("action_error")
    with op.batch_alter_table("comments") as batch:
        batch.drop_column("as_read_json")
