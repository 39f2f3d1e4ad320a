"""Dashboard overview in one round trip (issue 18): indexes that answer its logbook counts alone.

The overview's figures are one statement (core.services.dashboards.overview); its logbook parts read
logbook_entries, joined to users for the viewer's scope:

- the queue 30 days ago ("Pending verification", reconstructed from submitted and decided times:
  submitted by then, not decided by then) read every submitted entry. The new
  ix_logbook_entries_decided_submitted (decided_at, submitted_at, trainee_id, status) holds the few
  entries not decided by a moment (undecided, or decided since) at its two ends, and the query
  (core.repositories.analytics.pending_at_query) counts the two halves as two range reads;
- entries in the last 30 days and the 30 before (by case date) and the pending queue by age read
  the table for the trainee and status of every row their index found: ix_logbook_entries_case_date
  and ix_logbook_entries_status_submitted now hold the trainee (and status), so these are
  index-only reads. Their leading columns are unchanged, so every other read they served still is.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "logbook_entries"
# name: (columns before, columns after); None before = a new index
INDEXES: dict[str, tuple[list[str] | None, list[str]]] = {
    "ix_logbook_entries_decided_submitted": (None, ["decided_at", "submitted_at", "trainee_id", "status"]),
    "ix_logbook_entries_case_date": (["case_date"], ["case_date", "trainee_id", "status"]),
    "ix_logbook_entries_status_submitted": (["status", "submitted_at"], ["status", "submitted_at", "trainee_id"]),
}


def upgrade() -> None:
    for name, (before, after) in INDEXES.items():
        if before is not None:
            op.drop_index(name, table_name=TABLE)
        op.create_index(name, TABLE, after)


def downgrade() -> None:
    for name, (before, _after) in INDEXES.items():
        op.drop_index(name, table_name=TABLE)
        if before is not None:
            op.create_index(name, TABLE, before)
