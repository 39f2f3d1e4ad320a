"""Attendance import and eligibility (issue 4): lighter bookkeeping on attendance_records.

The import writes a million rows at a time and each foreign-key check is a trigger per row
(about 4-7 µs each on 2 cores). `created_batch_id` / `batch_id` only record which import wrote a
row (import batches are never deleted) and `department_id` is a copy of a department the import
has just looked up (departments are never deleted), so these become plain integers checked by the
import service. The trainee_id foreign key stays. The batch_id index is
never used (undo finds rows through created_batch_id and attendance_changes), and rows of one
batch are stored together, so a BRIN index on created_batch_id is enough on PostgreSQL.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attendance_records", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_records_batch_id")
        batch_op.drop_index("ix_attendance_records_created_batch_id")
        batch_op.drop_constraint("fk_attendance_records_batch_id_import_batches", type_="foreignkey")
        batch_op.drop_constraint("fk_attendance_records_created_batch_id_import_batches", type_="foreignkey")
        batch_op.drop_constraint("fk_attendance_records_department_id_departments", type_="foreignkey")
    op.create_index(
        "ix_attendance_records_created_batch_id", "attendance_records", ["created_batch_id"],
        unique=False, postgresql_using="brin",
    )


def downgrade() -> None:
    op.drop_index("ix_attendance_records_created_batch_id", table_name="attendance_records")
    with op.batch_alter_table("attendance_records", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_attendance_records_department_id_departments", "departments", ["department_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_attendance_records_created_batch_id_import_batches", "import_batches", ["created_batch_id"], ["id"]
        )
        batch_op.create_foreign_key(
            "fk_attendance_records_batch_id_import_batches", "import_batches", ["batch_id"], ["id"]
        )
        batch_op.create_index("ix_attendance_records_created_batch_id", ["created_batch_id"], unique=False)
        batch_op.create_index("ix_attendance_records_batch_id", ["batch_id"], unique=False)

