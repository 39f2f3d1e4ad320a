"""Ten years of data (issue 19): the turnaround histogram reads its roll-up's index alone.

At 10M attendance + 2.5M logbook rows (`bench/dashboards.py --scale 10`) the dashboard's turnaround
summed about 150k roll-up rows of its 12 months through the primary key (month, trainee_id, days) and
then the table for `decided`: 77 ms, over the 50 ms a dashboard query may take. The new
ix_rollup_turnaround_months_month_days (month, days, trainee_id, decided) answers the histogram,
scoped by joining users on trainee_id, as an index-only read (25 ms at that size).

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "rollup_turnaround_months"
NAME = "ix_rollup_turnaround_months_month_days"


def upgrade() -> None:
    op.create_index(NAME, TABLE, ["month", "days", "trainee_id", "decided"])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
