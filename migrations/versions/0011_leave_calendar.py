"""Attendance early warning (issue 16): leave types and requests, condonations, programme calendar.

- leave_requests: a trainee's leave (type, dates, reason, optional document), pending -> approved |
  rejected by an admin. Leave types and their policy (excluded from the denominator, or counted as
  excused) are the runtime setting `leave_types` (no table).
- condonations: an exemption from the attendance threshold for a period, raised by one admin and
  decided by a second one.
- calendar_closures: holidays and term breaks, programme-wide (department_id NULL) or one department's;
  department_weekdays: the weekdays each department holds sessions (no row: Monday to Friday).
- attendance_alert_states: the level each trainee was last told about per period (attendance_alerts job).
- eligibility_snapshots gain leave_excluded, leave_policy, condoned and condonation_reason;
  rollup_attendance_months gains leave_excluded (its `sessions` already leaves them out).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def upgrade() -> None:
    decisions = ("pending", "approved", "rejected")
    op.create_table(
        "leave_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("leave_type", sa.String(length=40), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("attachment_name", sa.String(length=255), nullable=True),
        sa.Column("attachment_type", sa.String(length=60), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        _status("status", decisions, "status_valid"),
        sa.CheckConstraint("start_date <= end_date", name="dates_ordered"),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name="fk_leave_requests_trainee_id_users"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name="fk_leave_requests_requested_by_id_users"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name="fk_leave_requests_decided_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_leave_requests"),
    )
    op.create_index(
        "ix_leave_requests_trainee_status_dates",
        "leave_requests",
        ["trainee_id", "status", "start_date", "end_date"],
    )
    op.create_table(
        "condonations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="pending", nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        _status("status", decisions, "status_valid"),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name="fk_condonations_trainee_id_users"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name="fk_condonations_requested_by_id_users"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name="fk_condonations_decided_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_condonations"),
    )
    op.create_index("ix_condonations_trainee_status", "condonations", ["trainee_id", "status"])
    op.create_table(
        "calendar_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        _status("kind", ("holiday", "term_break"), "kind_valid"),
        sa.CheckConstraint("start_date <= end_date", name="dates_ordered"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_calendar_closures_department_id_departments"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_calendar_closures_created_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_closures"),
    )
    op.create_index("ix_calendar_closures_dates", "calendar_closures", ["start_date", "end_date"])
    op.create_table(
        "department_weekdays",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("weekdays", sa.String(length=20), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_department_weekdays_department_id_departments"
        ),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"], name="fk_department_weekdays_updated_by_id_users"),
        sa.PrimaryKeyConstraint("department_id", name="pk_department_weekdays"),
    )
    op.create_table(
        "attendance_alert_states",
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("announced_at", sa.DateTime(), nullable=False),
        _status("level", ("warning", "at_risk", "out_of_reach"), "level_valid"),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name="fk_attendance_alert_states_trainee_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("trainee_id", "period", name="pk_attendance_alert_states"),
    )
    with op.batch_alter_table("eligibility_snapshots") as batch:
        batch.add_column(sa.Column("leave_excluded", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("leave_policy", sa.Text(), nullable=True))
        batch.add_column(sa.Column("condoned", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("condonation_reason", sa.Text(), nullable=True))
    with op.batch_alter_table("rollup_attendance_months") as batch:
        batch.add_column(sa.Column("leave_excluded", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("rollup_attendance_months") as batch:
        batch.drop_column("leave_excluded")
    with op.batch_alter_table("eligibility_snapshots") as batch:
        batch.drop_column("condonation_reason")
        batch.drop_column("condoned")
        batch.drop_column("leave_policy")
        batch.drop_column("leave_excluded")
    op.drop_table("attendance_alert_states")
    op.drop_table("department_weekdays")
    op.drop_index("ix_calendar_closures_dates", table_name="calendar_closures")
    op.drop_table("calendar_closures")
    op.drop_index("ix_condonations_trainee_status", table_name="condonations")
    op.drop_table("condonations")
    op.drop_index("ix_leave_requests_trainee_status_dates", table_name="leave_requests")
    op.drop_table("leave_requests")
