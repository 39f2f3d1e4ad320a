"""Single-record attendance corrections (issue 12).

import_batches.kind says what wrote a batch: a file ('import') or an admin's correction of one
record ('correction', with its required reason in import_batches.reason). A correction is a batch
like any other, so undoing an older batch whose row it changed refuses and names it, and the
correction itself can be undone. Saved column mappings are the runtime setting
`attendance_mappings` (no table).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=12), server_default="import", nullable=False))
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_batches") as batch:
        batch.drop_column("reason")
        batch.drop_column("kind")
