"""Scale out (issue 19): archived report files stored in the database.

The archive used to live on each web replica's disk (REPORT_DIR/<yyyy>/<mm>/<file>, named by
report_runs.file_path), so a second replica could not serve it and the backup left it out. Now the
bytes are rows of `stored_files`, referenced by report_runs.file_id.

The existing archive migrates in during this upgrade, in the same transaction: every report_runs row
whose file is still under REPORT_DIR (read from the environment like the app does) and whose SHA-256
matches the one recorded at generation gets its bytes copied into stored_files. A row whose file is
missing or altered keeps file_id NULL (the archive says the file is gone) and is logged. The files on
disk are left alone: once the upgrade has committed, REPORT_DIR may be deleted.

Revision ID: 0013
Revises: 0012
"""

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

MIME = {
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _report_dir() -> Path:
    """REPORT_DIR as the app reads it (environment, then `.env`, then data/reports)."""
    if value := os.environ.get("REPORT_DIR"):
        return Path(value)
    from core.config import Settings

    return Settings().report_dir


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stored_files")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # Out of line and uncompressed (PDFs and XLSX are compressed already): reading a file in chunks
        # (substr) then fetches only each chunk's pages instead of decompressing the whole value each time.
        op.execute("ALTER TABLE stored_files ALTER COLUMN content SET STORAGE EXTERNAL")
    op.create_index(op.f("ix_stored_files_purpose"), "stored_files", ["purpose"])
    op.create_index(op.f("ix_stored_files_created_at"), "stored_files", ["created_at"])
    with op.batch_alter_table("report_runs") as batch:
        batch.add_column(sa.Column("file_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_report_runs_file_id_stored_files"), "stored_files", ["file_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index(op.f("ix_report_runs_file_id"), ["file_id"])
    _import_archive(_report_dir())
    with op.batch_alter_table("report_runs") as batch:
        batch.drop_column("file_path")


def _import_archive(report_dir: Path) -> None:
    bind = op.get_bind()
    runs = sa.table(
        "report_runs",
        sa.column("id", sa.Integer),
        sa.column("file_name", sa.String),
        sa.column("file_format", sa.String),
        sa.column("file_path", sa.String),
        sa.column("checksum", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("file_id", sa.Integer),
    )
    files = sa.table(
        "stored_files",
        sa.column("id", sa.Integer),
        sa.column("purpose", sa.String),
        sa.column("file_name", sa.String),
        sa.column("mime", sa.String),
        sa.column("size_bytes", sa.BigInteger),
        sa.column("sha256", sa.String),
        sa.column("created_at", sa.DateTime),
        sa.column("content", sa.LargeBinary),
    )
    rows = bind.execute(
        sa.select(runs.c.id, runs.c.file_name, runs.c.file_format, runs.c.file_path, runs.c.checksum, runs.c.created_at)
        .where(runs.c.file_path.is_not(None))
        .order_by(runs.c.id)
    ).all()
    root = report_dir.resolve()
    imported = skipped = 0
    for row in rows:
        path = (root / row.file_path).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            log.warning("report %s: %s is not in %s; its archive entry keeps no file", row.id, row.file_path, root)
            skipped += 1
            continue
        content = path.read_bytes()
        digest = hashlib.sha256(content).hexdigest()
        if row.checksum and digest != row.checksum:
            log.warning("report %s: %s does not match its recorded SHA-256; not imported", row.id, row.file_path)
            skipped += 1
            continue
        file_id = bind.execute(
            sa.insert(files)
            .values(
                purpose="report",
                file_name=row.file_name,
                mime=MIME.get(row.file_format, "application/octet-stream"),
                size_bytes=len(content),
                sha256=digest,
                created_at=row.created_at,
                content=content,
            )
            .returning(files.c.id)
        ).scalar_one()
        bind.execute(sa.update(runs).where(runs.c.id == row.id).values(file_id=file_id))
        imported += 1
    if rows:
        log.info("report archive: %d file(s) imported from %s into stored_files, %d missing", imported, root, skipped)


def downgrade() -> None:
    with op.batch_alter_table("report_runs") as batch:
        batch.add_column(sa.Column("file_path", sa.String(length=500), nullable=True))
        batch.drop_index(op.f("ix_report_runs_file_id"))
        batch.drop_constraint(op.f("fk_report_runs_file_id_stored_files"), type_="foreignkey")
        batch.drop_column("file_id")
    op.drop_index(op.f("ix_stored_files_created_at"), table_name="stored_files")
    op.drop_index(op.f("ix_stored_files_purpose"), table_name="stored_files")
    op.drop_table("stored_files")
