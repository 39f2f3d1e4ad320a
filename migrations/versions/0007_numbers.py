"""Verification semantics: deciders of returned and rejected entries in their own fields (issue 11).

Verified means approved. Every decision records its decider in `decided_by_id` / `decided_at`;
only an approval sets `verified_by_id` / `verified_at`. Existing rows are moved accordingly:
the decider of every decided entry goes to `decided_by_id`, approved entries keep their verifier
and get `verified_at` from their decision time, returned and rejected entries lose their verifier.
The roll-ups are then rebuilt from the raw rows.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from core.services.dashboards.rollups import rebuild_all

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_entries = sa.table(
    "logbook_entries",
    sa.column("status", sa.String),
    sa.column("decided_at", sa.DateTime),
    sa.column("decided_by_id", sa.Integer),
    sa.column("verified_by_id", sa.Integer),
    sa.column("verified_at", sa.DateTime),
)
_DECIDED = ("approved", "returned", "rejected")


def upgrade() -> None:
    with op.batch_alter_table("logbook_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_logbook_entries_decided_by_id_users"), "users", ["decided_by_id"], ["id"]
        )
    op.execute(_entries.update().where(_entries.c.status.in_(_DECIDED)).values(decided_by_id=_entries.c.verified_by_id))
    op.execute(_entries.update().where(_entries.c.status == "approved").values(verified_at=_entries.c.decided_at))
    op.execute(
        _entries.update()
        .where(_entries.c.status.in_(("returned", "rejected")))
        .values(verified_by_id=None, verified_at=None)
    )
    with Session(bind=op.get_bind()) as session:
        rebuild_all(session)


def downgrade() -> None:
    op.execute(
        _entries.update()
        .where(_entries.c.status.in_(("returned", "rejected")))
        .values(verified_by_id=_entries.c.decided_by_id)
    )
    with op.batch_alter_table("logbook_entries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_logbook_entries_decided_by_id_users"), type_="foreignkey")
        batch_op.drop_column("verified_at")
        batch_op.drop_column("decided_by_id")
