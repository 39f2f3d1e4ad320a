"""Training progress (issue 17): training years and cohorts, logbook requirements, department-scoped assessment groups.

- users.training_year / users.cohort: a trainee's current training year (1..N) and intake cohort;
- training_year_changes: every promotion or correction, dated, with who made it (the history);
- logbook_requirements: minimum approved entries per category (optionally per title and department)
  per training year;
- rollup_logbook_titles: approved entries per month, trainee, category and title, kept current with
  the other logbook roll-ups, so progress reads a summary table;
- assessments.programme_wide: a group belongs to its department unless it is programme-wide.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("training_year", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("cohort", sa.String(length=40), nullable=True))
        batch.create_index("ix_users_training_year", ["training_year"])
        batch.create_index("ix_users_cohort", ["cohort"])
    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("programme_wide", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table(
        "training_year_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("from_year", sa.Integer(), nullable=True),
        sa.Column("to_year", sa.Integer(), nullable=True),
        sa.Column("from_cohort", sa.String(length=40), nullable=True),
        sa.Column("to_cohort", sa.String(length=40), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name="fk_training_year_changes_trainee_id_users"),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name="fk_training_year_changes_actor_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_training_year_changes"),
    )
    op.create_index(
        "ix_training_year_changes_trainee_effective", "training_year_changes", ["trainee_id", "effective_on"]
    )
    op.create_table(
        "logbook_requirements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("training_year", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("title_key", sa.String(length=200), nullable=True),
        sa.Column("minimum", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint("minimum > 0", name="ck_logbook_requirements_minimum_positive"),
        sa.CheckConstraint("training_year >= 1", name="ck_logbook_requirements_year_positive"),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name="fk_logbook_requirements_department_id_departments"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name="fk_logbook_requirements_created_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_logbook_requirements"),
    )
    op.create_index("ix_logbook_requirements_year", "logbook_requirements", ["training_year"])
    op.create_table(
        "rollup_logbook_titles",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("title_key", sa.String(length=200), nullable=False),
        sa.Column("approved", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name="fk_rollup_logbook_titles_trainee_id_users"),
        sa.PrimaryKeyConstraint("month", "trainee_id", "category", "title_key", name="pk_rollup_logbook_titles"),
    )
    op.create_index("ix_rollup_logbook_titles_trainee_month", "rollup_logbook_titles", ["trainee_id", "month"])
    # Existing approved entries count from the start: fill the roll-up from the raw rows.
    op.execute(
        "INSERT INTO rollup_logbook_titles (month, trainee_id, category, title_key, approved) "
        + _fill_select(op.get_bind().dialect.name)
    )


def _fill_select(dialect: str) -> str:
    month = (
        "CAST(date_trunc('month', case_date) AS DATE)"
        if dialect == "postgresql"
        else "date(case_date, 'start of month')"
    )
    return (
        f"SELECT {month}, trainee_id, category, lower(trim(title)), count(*) FROM logbook_entries "
        f"WHERE status = 'approved' GROUP BY {month}, trainee_id, category, lower(trim(title))"
    )


def downgrade() -> None:
    op.drop_index("ix_rollup_logbook_titles_trainee_month", table_name="rollup_logbook_titles")
    op.drop_table("rollup_logbook_titles")
    op.drop_index("ix_logbook_requirements_year", table_name="logbook_requirements")
    op.drop_table("logbook_requirements")
    op.drop_index("ix_training_year_changes_trainee_effective", table_name="training_year_changes")
    op.drop_table("training_year_changes")
    with op.batch_alter_table("assessments") as batch:
        batch.drop_column("programme_wide")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_cohort")
        batch.drop_index("ix_users_training_year")
        batch.drop_column("cohort")
        batch.drop_column("training_year")
