"""Attendance queries: lookups, the staging table, the set-based upsert and undo.

PostgreSQL: COPY into a temporary staging table, a diff against the stored rows, then one
MERGE that skips unchanged rows; concurrent imports queue on an advisory lock.
SQLite: executemany into the staging table, the same diff, then one INSERT ... ON CONFLICT.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Row, and_, delete, extract, func, or_, select, text, union, update
from sqlalchemy.orm import Session, aliased

from core.models import AttendanceChange, AttendanceRecord, Department, ImportBatch, User
from core.rules.values import ImportBatchState, Role

IMPORT_LOCK_KEY = 0x41545444  # "ATTD": one attendance import at a time (MERGE races on new keys)
STAGE_COLUMNS = ("trainee_id", "session_date", "session", "department_id", "status", "check_in_time", "remarks")
COPY_CHUNK_ROWS = 200_000


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def list_trainee_keys(session: Session) -> list[tuple[int, str, int | None, int | None]]:
    """(id, registration_number, department_id, supervisor_id) of every trainee with a number."""
    rows = session.execute(
        select(User.id, User.registration_number, User.department_id, User.supervisor_id).where(
            User.role == Role.TRAINEE, User.registration_number.is_not(None)
        )
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows if r[1] is not None]


def list_department_ids(session: Session) -> dict[str, int]:
    """Department name -> id."""
    return {name: id_ for id_, name in session.execute(select(Department.id, Department.name)).all()}


def list_session_labels(session: Session, lowered: Sequence[str]) -> list[str]:
    """Stored session labels whose lower-case form is one of `lowered`."""
    if not lowered:
        return []
    stmt = select(AttendanceRecord.session).where(func.lower(AttendanceRecord.session).in_(list(lowered))).distinct()
    return sorted(session.scalars(stmt))


# A client that dies or hangs while importing must not keep the lock (issue 14): for this transaction the
# server drops the connection after 8 s idle in the transaction, probes a silent peer after 3 s idle
# every 1 s (3 probes), and checks during a running statement every second that the client is still there.
# Every release happens within 10 s; a healthy import never idles between its statements that long.
IMPORT_SESSION_GUARDS = (
    "SET LOCAL idle_in_transaction_session_timeout = '8s'",
    "SET LOCAL tcp_keepalives_idle = 3",
    "SET LOCAL tcp_keepalives_interval = 1",
    "SET LOCAL tcp_keepalives_count = 3",
    "SET LOCAL client_connection_check_interval = '1s'",
)


def lock_imports(session: Session) -> None:
    """Serialise imports until this transaction ends (PostgreSQL; SQLite has one writer anyway).

    A dead or frozen importer's lock is released within 10 s (IMPORT_SESSION_GUARDS).
    """
    if is_postgres(session):
        for statement in IMPORT_SESSION_GUARDS:
            session.execute(text(statement))
        session.execute(select(func.pg_advisory_xact_lock(IMPORT_LOCK_KEY)))


def get_batch(session: Session, batch_id: int) -> ImportBatch | None:
    return session.get(ImportBatch, batch_id)


def get_latest_batch_by_sha(session: Session, sha256: str) -> ImportBatch | None:
    return session.scalars(
        select(ImportBatch)
        .where(ImportBatch.sha256 == sha256, ImportBatch.state == ImportBatchState.IMPORTED)
        .order_by(ImportBatch.id.desc())
        .limit(1)
    ).first()


def list_batches(
    session: Session,
    *,
    actor_id: int | None = None,
    only_actor: bool = False,
    batch_ids: Sequence[int] | None = None,
    limit: int = 500,
) -> Sequence[Row[*tuple[Any, ...]]]:
    """Batches newest first with the importer's and undoer's full names."""
    importer = aliased(User)
    undoer = aliased(User)
    stmt = (
        select(ImportBatch, importer.full_name, undoer.full_name)
        .outerjoin(importer, importer.id == ImportBatch.actor_id)
        .outerjoin(undoer, undoer.id == ImportBatch.undone_by_id)
    )
    if only_actor:
        stmt = stmt.where(ImportBatch.actor_id == actor_id)
    if batch_ids is not None:
        stmt = stmt.where(ImportBatch.id.in_(list(batch_ids)))
    return session.execute(stmt.order_by(ImportBatch.id.desc()).limit(limit)).all()


def drop_staging(session: Session) -> None:
    """Remove this connection's staging tables (also left over from a failed earlier run)."""
    schema = "pg_temp" if is_postgres(session) else "temp"
    for table in ("attendance_diff", "attendance_stage"):
        session.execute(text(f"DROP TABLE IF EXISTS {schema}.{table}"))


def stage_rows(session: Session, rows: pd.DataFrame) -> None:
    """Load validated rows into a fresh temporary table `attendance_stage`."""
    drop_staging(session)
    on_commit = " ON COMMIT DROP" if is_postgres(session) else ""
    session.execute(
        text(
            "CREATE TEMPORARY TABLE attendance_stage (trainee_id INTEGER NOT NULL, session_date DATE NOT NULL, "
            "session VARCHAR(40) NOT NULL, department_id INTEGER, status VARCHAR(10) NOT NULL, "
            f"check_in_time TIMESTAMP, remarks TEXT){on_commit}"
        )
    )
    if is_postgres(session):
        # The diff joins a million staged rows with the stored ones: keep hashes and sorts in memory.
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        _copy_rows(session, rows)
        session.execute(text("ANALYZE attendance_stage"))
    else:
        _insert_rows_sqlite(session, rows)


def _arrow_table(rows: pd.DataFrame) -> pa.Table:
    # Text columns are already Arrow-backed: pa.array takes them without a copy into Python objects.
    remarks = rows["remarks"]
    return pa.table(
        {
            "trainee_id": pa.array(rows["trainee_id"].to_numpy(dtype="int64")),
            "session_date": pa.array(rows["session_date"].to_numpy(dtype="datetime64[s]")).cast(pa.date32()),
            "session": pa.array(rows["session"], type=pa.string()),
            "department_id": pa.array(rows["department_id"].astype("Int64"), type=pa.int64()),
            "status": pa.array(rows["status"], type=pa.string()),
            "check_in_time": pa.array(rows["check_in_time"].to_numpy(dtype="datetime64[us]"), type=pa.timestamp("us")),
            "remarks": pa.array(remarks.astype(object).where(remarks.notna(), None), type=pa.string(), from_pandas=True)
            if remarks.notna().any()
            else pa.nulls(len(rows), pa.string()),
        }
    )


def _copy_rows(session: Session, rows: pd.DataFrame) -> None:
    # CSV COPY: nulls are written unquoted-empty (NULL), empty strings as "" (kept as text).
    table = _arrow_table(rows)
    options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    columns = ", ".join(STAGE_COLUMNS)
    with cursor.copy(f"COPY attendance_stage ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for batch in table.to_batches(max_chunksize=COPY_CHUNK_ROWS):
            buffer = io.BytesIO()
            pa_csv.write_csv(pa.Table.from_batches([batch]), buffer, write_options=options)
            copy.write(buffer.getvalue())


def _insert_rows_sqlite(session: Session, rows: pd.DataFrame) -> None:
    # Text in the forms SQLAlchemy's SQLite types store, so the SQL comparisons match exactly.
    frame = pd.DataFrame(
        {
            "trainee_id": rows["trainee_id"].astype("int64"),
            "session_date": pd.to_datetime(rows["session_date"]).dt.strftime("%Y-%m-%d"),
            "session": rows["session"].astype(object),
            "department_id": rows["department_id"].astype("Int64").astype(object),
            "status": rows["status"].astype(object),
            "check_in_time": pd.to_datetime(rows["check_in_time"]).dt.strftime("%Y-%m-%d %H:%M:%S.%f").astype(object),
            "remarks": rows["remarks"].astype(object),
        }
    )
    frame = frame.astype(object).where(frame.notna(), None)
    session.connection().exec_driver_sql(
        "INSERT INTO temp.attendance_stage VALUES (?, ?, ?, ?, ?, ?, ?)",
        list(frame.itertuples(index=False, name=None)),
    )


def _distinct(session: Session, left: str, right: str, compared: Sequence[str]) -> str:
    operator = "IS DISTINCT FROM" if is_postgres(session) else "IS NOT"
    return "(" + " OR ".join(f"{left}.{c} {operator} {right}.{c}" for c in compared) + ")"


_KEY_JOIN = (
    "r.trainee_id = s.trainee_id AND r.session_date = s.session_date AND r.session = s.session "
    # The file's own dates: with ten years stored, the join reads the file's span of the table
    # (ix_attendance_records_date), not all of it.
    "AND r.session_date BETWEEN :first_day AND :last_day"
)


def _staged_span(session: Session) -> dict[str, date | None]:
    """The first and last session date staged (bounds for `_KEY_JOIN`)."""
    first, last = session.execute(text("SELECT min(session_date), max(session_date) FROM attendance_stage")).one()
    if isinstance(first, str):  # SQLite keeps dates as ISO text
        first, last = date.fromisoformat(first), date.fromisoformat(last)
    return {"first_day": first, "last_day": last}


def count_staged_changes(session: Session, compared: Sequence[str]) -> tuple[int, int]:
    """(rows to insert, rows to update) if the staged rows were imported now."""
    changed = _distinct(session, "r", "s", compared)
    row = session.execute(
        text(
            "SELECT COALESCE(SUM(CASE WHEN r.id IS NULL THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN r.id IS NOT NULL AND {changed} THEN 1 ELSE 0 END), 0) "
            f"FROM attendance_stage s LEFT JOIN attendance_records r ON {_KEY_JOIN}"
        ),
        _staged_span(session),
    ).one()
    return int(row[0]), int(row[1])


def apply_staged_rows(
    session: Session, *, batch_id: int, compared: Sequence[str], staged: int, file_months: Sequence[date]
) -> tuple[int, int, list[date]]:
    """Write the staged rows as batch `batch_id`, skipping unchanged ones.

    Keeps the previous values of updated rows (for undo). Returns (inserted, updated, one date
    per month that changed).
    """
    postgres = is_postgres(session)
    session.execute(
        text(
            f"CREATE TEMPORARY TABLE attendance_diff{' ON COMMIT DROP' if postgres else ''} AS "
            "SELECT s.trainee_id, s.session_date, s.session, s.department_id, s.status, s.check_in_time, s.remarks, "
            "r.id AS record_id, r.status AS prev_status, r.department_id AS prev_department_id, "
            "r.check_in_time AS prev_check_in_time, r.remarks AS prev_remarks, r.batch_id AS prev_batch_id "
            f"FROM attendance_stage s LEFT JOIN attendance_records r ON {_KEY_JOIN} "
            f"WHERE r.id IS NULL OR {_distinct(session, 'r', 's', compared)} "
            # Written in key order, new rows extend the unique index at its right edge.
            "ORDER BY s.trainee_id, s.session_date, s.session"
        ),
        _staged_span(session),
    )
    total, updated = session.execute(text("SELECT count(*), count(record_id) FROM attendance_diff")).one()
    if not total:
        return 0, 0, []
    session.execute(
        text(
            "INSERT INTO attendance_changes (batch_id, record_id, prev_status, prev_department_id, "
            "prev_check_in_time, prev_remarks, prev_batch_id) "
            "SELECT :batch, record_id, prev_status, prev_department_id, prev_check_in_time, prev_remarks, prev_batch_id "
            "FROM attendance_diff WHERE record_id IS NOT NULL"
        ),
        {"batch": batch_id},
    )
    (_merge_postgres if postgres else _upsert_sqlite)(session, batch_id, compared)
    # When every staged row was written, the file's months are the changed months (no extra scan).
    months = sorted(file_months) if total == staged else _diff_months(session, postgres)
    return int(total) - int(updated), int(updated), months


def _merge_postgres(session: Session, batch_id: int, compared: Sequence[str]) -> None:
    assignments = ", ".join(f"{c} = d.{c}" for c in compared)
    session.execute(
        text(
            "MERGE INTO attendance_records r USING attendance_diff d ON r.id = d.record_id "
            f"WHEN MATCHED AND {_distinct(session, 'r', 'd', compared)} THEN UPDATE SET {assignments}, batch_id = :batch "
            "WHEN NOT MATCHED THEN INSERT (trainee_id, session_date, session, department_id, status, check_in_time, "
            "remarks, created_batch_id, batch_id) VALUES (d.trainee_id, d.session_date, d.session, d.department_id, "
            "d.status, d.check_in_time, d.remarks, :batch, :batch)"
        ),
        {"batch": batch_id},
    )


def _upsert_sqlite(session: Session, batch_id: int, compared: Sequence[str]) -> None:
    assignments = ", ".join(f"{c} = excluded.{c}" for c in compared)
    session.execute(
        text(
            "INSERT INTO attendance_records (trainee_id, session_date, session, department_id, status, "
            "check_in_time, remarks, created_batch_id, batch_id) "
            "SELECT trainee_id, session_date, session, department_id, status, check_in_time, remarks, :batch, :batch "
            "FROM attendance_diff WHERE true "
            f"ON CONFLICT (trainee_id, session_date, session) DO UPDATE SET {assignments}, batch_id = excluded.batch_id "
            f"WHERE {_distinct(session, 'attendance_records', 'excluded', compared)}"
        ),
        {"batch": batch_id},
    )


def _diff_months(session: Session, postgres: bool) -> list[date]:
    if postgres:
        sql = "SELECT DISTINCT CAST(date_trunc('month', session_date) AS DATE) FROM attendance_diff"
        return sorted(row[0] for row in session.execute(text(sql)))
    sql = "SELECT DISTINCT substr(session_date, 1, 7) FROM attendance_diff"
    return sorted(date.fromisoformat(row[0] + "-01") for row in session.execute(text(sql)))


def list_later_batch_ids(session: Session, batch_id: int) -> list[int]:
    """Batches that later changed rows this batch inserted or updated (these block its undo)."""
    record = AttendanceRecord
    inserted = select(record.batch_id).where(record.created_batch_id == batch_id, record.batch_id != batch_id)
    updated = (
        select(record.batch_id)
        .join(AttendanceChange, AttendanceChange.record_id == record.id)
        .where(AttendanceChange.batch_id == batch_id, record.batch_id != batch_id)
    )
    ids = session.scalars(union(inserted, updated)).all()
    return sorted(int(i) for i in ids if i is not None)


def list_batch_months(session: Session, batch_id: int) -> list[date]:
    """One date per month touched by the rows a batch inserted or updated."""
    record = AttendanceRecord
    touched = or_(
        record.created_batch_id == batch_id,
        record.id.in_(select(AttendanceChange.record_id).where(AttendanceChange.batch_id == batch_id)),
    )
    year, month = extract("year", record.session_date), extract("month", record.session_date)
    rows = session.execute(select(year, month).where(touched).distinct()).all()
    return sorted(date(int(y), int(m), 1) for y, m in rows)


def undo_batch_rows(session: Session, batch_id: int) -> tuple[int, int]:
    """Delete the rows a batch inserted and restore the previous values of rows it updated.

    Returns (deleted, restored).
    """
    change = AttendanceChange
    restored = session.execute(
        update(AttendanceRecord)
        .where(and_(AttendanceRecord.id == change.record_id, change.batch_id == batch_id))
        .values(
            status=change.prev_status,
            department_id=change.prev_department_id,
            check_in_time=change.prev_check_in_time,
            remarks=change.prev_remarks,
            batch_id=change.prev_batch_id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    deleted = session.execute(
        delete(AttendanceRecord)
        .where(AttendanceRecord.created_batch_id == batch_id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]
    return int(deleted or 0), int(restored or 0)


CHANGE_COLUMNS = ("trainee", "session_date", "session", "old_status", "new_status")


def list_staged_changes(session: Session, compared: Sequence[str]) -> pd.DataFrame:
    """Every staged row an import would insert (old_status empty) or update, in key order."""
    changed = _distinct(session, "r", "s", compared)
    rows = session.execute(
        text(
            "SELECT u.registration_number, s.session_date, s.session, r.status, s.status "
            f"FROM attendance_stage s LEFT JOIN attendance_records r ON {_KEY_JOIN} "
            "JOIN users u ON u.id = s.trainee_id "
            f"WHERE r.id IS NULL OR {changed} ORDER BY u.registration_number, s.session_date, s.session"
        ),
        _staged_span(session),
    ).all()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=list(CHANGE_COLUMNS))
    frame["session_date"] = pd.to_datetime(frame["session_date"]).dt.date
    return frame


def get_record(session: Session, record_id: int) -> AttendanceRecord | None:
    return session.get(AttendanceRecord, record_id, with_for_update=is_postgres(session))


def add_change(session: Session, batch_id: int, record: AttendanceRecord) -> None:
    """Keep a record's current values as the previous ones of `batch_id` (for its undo)."""
    session.add(
        AttendanceChange(
            batch_id=batch_id,
            record_id=record.id,
            prev_status=record.status,
            prev_department_id=record.department_id,
            prev_check_in_time=record.check_in_time,
            prev_remarks=record.remarks,
            prev_batch_id=record.batch_id,
        )
    )


def find_record(session: Session, registration: str, session_date: date, label: str) -> AttendanceRecord | None:
    """The record of (registration number, date, session), if any."""
    return session.scalars(
        select(AttendanceRecord)
        .join(User, User.id == AttendanceRecord.trainee_id)
        .where(
            func.upper(User.registration_number) == registration.strip().upper(),
            AttendanceRecord.session_date == session_date,
            AttendanceRecord.session == label,
        )
    ).first()
