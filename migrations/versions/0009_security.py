"""Server-side sessions, audit-trail protection and account provenance (issue 14).

- user_sessions: the signed sign-in cookie names one row (by the sha256 of a random id); sign-out,
  a password reset, deactivation or a role change end the rows, and only a live row signs anyone in.
- verify_attempts: one row per document check on /verify (a hashed client key and when), so the
  per-client limit (setting verify_attempts_per_minute) holds across replicas.
- users.created_by_id / users.reactivated_by_id: who created or last reactivated an account (the
  two-person rule on change requests).
- PostgreSQL only: a trigger refuses UPDATE on audit_events and DELETE of rows younger than the
  7-year retention floor (2,557 days, core.rules.settings.AUDIT_RETENTION_FLOOR_DAYS).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIT_FLOOR_DAYS = 2557

GUARD_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_events_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit_events is append-only: UPDATE is refused';
    END IF;
    IF OLD.occurred_at > (now() AT TIME ZONE 'UTC') - interval '{AUDIT_FLOOR_DAYS} days' THEN
        RAISE EXCEPTION 'audit_events: an event younger than {AUDIT_FLOOR_DAYS} days (7 years) cannot be deleted';
    END IF;
    RETURN OLD;
END
$$ LANGUAGE plpgsql
"""
GUARD_TRIGGER = (
    "CREATE TRIGGER audit_events_guard BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_guard()"
)


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_reason", sa.String(length=40), nullable=True),
        sa.Column("client", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_user_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"], unique=False)
    op.create_index(op.f("ix_user_sessions_expires_at"), "user_sessions", ["expires_at"], unique=False)
    op.create_table(
        "verify_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verify_attempts")),
    )
    op.create_index(op.f("ix_verify_attempts_client_hash"), "verify_attempts", ["client_hash"], unique=False)
    op.create_index(op.f("ix_verify_attempts_attempted_at"), "verify_attempts", ["attempted_at"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reactivated_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_users_created_by_id_users"), "users", ["created_by_id"], ["id"])
        batch.create_foreign_key(op.f("fk_users_reactivated_by_id_users"), "users", ["reactivated_by_id"], ["id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(GUARD_FUNCTION)
        op.execute(GUARD_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_guard ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_guard()")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("fk_users_reactivated_by_id_users"), type_="foreignkey")
        batch.drop_constraint(op.f("fk_users_created_by_id_users"), type_="foreignkey")
        batch.drop_column("reactivated_by_id")
        batch.drop_column("created_by_id")
    op.drop_index(op.f("ix_verify_attempts_attempted_at"), table_name="verify_attempts")
    op.drop_index(op.f("ix_verify_attempts_client_hash"), table_name="verify_attempts")
    op.drop_table("verify_attempts")
    op.drop_index(op.f("ix_user_sessions_expires_at"), table_name="user_sessions")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
