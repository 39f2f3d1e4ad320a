"""Dashboard roll-ups (issue 5): per trainee and month, kept current by core.services.dashboards.rollups.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from core.services.dashboards.rollups import rebuild_all

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTS = {
    "rollup_logbook_months": ("drafts", "pending", "approved", "returned", "rejected"),
    "rollup_attendance_months": ("sessions", "attended", "present", "late", "absent", "excused"),
}


def _create(table: str, extra_key: tuple[str, ...], counts: tuple[str, ...]) -> None:
    op.create_table(
        table,
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in extra_key],
        *[sa.Column(name, sa.Integer(), nullable=False) for name in counts],
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f(f"fk_{table}_trainee_id_users")),
        sa.PrimaryKeyConstraint("month", "trainee_id", *extra_key, name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f"ix_{table}_trainee_month", ["trainee_id", "month"], unique=False)


def upgrade() -> None:
    _create("rollup_logbook_months", (), _COUNTS["rollup_logbook_months"])
    _create("rollup_turnaround_months", ("days",), ("decided",))
    _create("rollup_attendance_months", (), _COUNTS["rollup_attendance_months"])
    # A database upgraded with data already in it gets its roll-ups filled now.
    with Session(bind=op.get_bind()) as session:
        rebuild_all(session)


def downgrade() -> None:
    for table in ("rollup_attendance_months", "rollup_turnaround_months", "rollup_logbook_months"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_trainee_month")
        op.drop_table(table)
