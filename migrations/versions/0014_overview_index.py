"""Dashboard overview in one round trip (issue 18): an index for the queue 30 days ago.

The overview's "Pending verification" card compares today's queue with the queue 30 days ago,
reconstructed from the entries' submitted and decided times (submitted by then, not decided by then).
Without an index that read every submitted entry. logbook_entries(decided_at, submitted_at,
trainee_id, status) holds the few entries not decided by a moment (undecided ones, or decided
since) at its two ends, with the columns the count needs, so both halves of the count
(core.repositories.analytics.pending_at_query) are range reads of the index.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["decided_at", "submitted_at", "trainee_id", "status"]


def upgrade() -> None:
    op.create_index("ix_logbook_entries_decided_submitted", "logbook_entries", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_logbook_entries_decided_submitted", table_name="logbook_entries")
