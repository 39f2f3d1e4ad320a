"""Attendance import on a real database: all or nothing, upsert across files, undo, scope, audit."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.db import make_session_factory
from core.dto import SYSTEM_ACTOR, UserSummary
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AttendanceChange, AttendanceRecord, AuditEvent, ImportBatch, Setting, User
from core.services.attendance import batches as batch_service
from core.services.attendance import imports as service
from core.services.dashboards import rollups
from tests.factories import NOW, actor, make_attendance, make_department, make_user, make_xlsx

HEADER = "trainee_id,session_date,session,status"


@dataclass
class People:
    admin: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    mine: User
    theirs: User
    department_name: str


@pytest.fixture
def people(session: Session) -> People:
    department = make_department(session)
    supervisor = make_user(session, "supervisor", department=department)
    other = make_user(session, "supervisor", department=department)
    return People(
        admin=actor(session, make_user(session, "admin")),
        supervisor=actor(session, supervisor),
        other_supervisor=actor(session, other),
        mine=make_user(session, "trainee", department=department, supervisor=supervisor),
        theirs=make_user(session, "trainee", department=department, supervisor=other),
        department_name=department.name,
    )


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def run_import(session: Session, who: UserSummary, content: bytes, name: str = "sheet.csv"):  # type: ignore[no-untyped-def]
    return service.import_attendance(session, who, content=content, file_name=name, now=NOW)


def count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def stored(session: Session, trainee: User) -> dict[tuple[date, str], str]:
    rows = session.execute(
        select(AttendanceRecord.session_date, AttendanceRecord.session, AttendanceRecord.status).where(
            AttendanceRecord.trainee_id == trainee.id
        )
    ).all()
    return {(d, s): status for d, s, status in rows}


def audit_actions(session: Session) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    rows = session.execute(
        select(AuditEvent.action, AuditEvent.details)
        .where(AuditEvent.action.like("attendance%"))
        .order_by(AuditEvent.id)
    ).all()
    return [(a, d) for a, d in rows]


def test_one_bad_row_in_the_middle_writes_nothing(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    rows = [f"{reg},2026-10-{day:02d},AM,P" for day in range(1, 20)]
    rows[9] = f"{reg},2026-10-10,AM,sick"
    report = run_import(session, people.admin, csv(*rows))
    assert not report.accepted and not report.imported
    assert report.errors == (
        "row 11: status 'sick' is not present, late, absent or excused (also P, L, A, E; leave counts as excused)",
    )
    assert (count(session, AttendanceRecord), count(session, ImportBatch), count(session, AttendanceChange)) == (
        0,
        0,
        0,
    )
    action, details = audit_actions(session)[-1]
    assert action == "attendance_import_refused"
    assert details["rows"] == 19 and details["errors"] == 1 and details["file"] == "sheet.csv"
    assert b"reason" in report.bad_rows_csv and b"sick" in report.bad_rows_csv


def test_second_file_updates_changed_keys_inserts_new_ones_and_never_duplicates(
    session: Session, people: People
) -> None:
    reg = people.mine.registration_number
    first = run_import(
        session,
        people.admin,
        csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-01,PM,A", f"{reg},2026-10-02,AM,P"),
        "week1.csv",
    )
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    second = run_import(
        session,
        people.admin,
        csv(f"{reg},2026-10-01,AM,present", f"{reg},2026-10-01,pm,E", f"{reg},2026-10-03,AM,L"),
        "week1-fixed.csv",
    )
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    assert stored(session, people.mine) == {
        (date(2026, 10, 1), "AM"): "present",
        (date(2026, 10, 1), "PM"): "excused",
        (date(2026, 10, 2), "AM"): "present",
        (date(2026, 10, 3), "AM"): "late",
    }
    change = session.scalars(select(AttendanceChange)).one()
    assert (change.batch_id, change.prev_status, change.prev_batch_id) == (second.batch_id, "absent", first.batch_id)
    batch = session.get(ImportBatch, second.batch_id)
    assert batch is not None
    assert (batch.rows_total, batch.inserted, batch.updated, batch.unchanged) == (3, 1, 1, 1)
    assert batch.file_name == "week1-fixed.csv" and batch.state == "imported"


def test_identical_reimport_writes_no_rows_and_warns_about_the_earlier_batch(session: Session, people: People) -> None:
    content = csv(f"{people.mine.registration_number},2026-10-01,AM,P")
    first = run_import(session, people.admin, content, "a.csv")
    preview = service.preview_attendance_import(session, people.admin, content=content, file_name="b.csv", now=NOW)
    assert preview.previous_batch is not None and preview.previous_batch.id == first.batch_id
    assert batch_service.describe_batch(preview.previous_batch).startswith(f"batch #{first.batch_id} (a.csv, imported")
    again = run_import(session, people.admin, content, "b.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 1)
    record = session.scalars(select(AttendanceRecord)).one()
    assert record.batch_id == first.batch_id, "an unchanged row keeps its last writer"


def test_a_session_label_in_another_case_updates_the_stored_row(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    run_import(session, people.admin, csv(f"{reg},2026-10-01,Grand round,P"))
    again = run_import(session, people.admin, csv(f"{reg},2026-10-01,GRAND  ROUND,A"))
    assert (again.inserted, again.updated) == (0, 1)
    assert stored(session, people.mine) == {(date(2026, 10, 1), "Grand round"): "absent"}


def test_optional_columns_left_out_keep_the_stored_values(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    run_import(
        session, people.admin, csv(f"{reg},2026-10-01,AM,P,08:10,Bus strike", header=HEADER + ",check_in_time,remarks")
    )
    again = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,P"))
    assert (again.updated, again.unchanged) == (0, 1)
    record = session.scalars(select(AttendanceRecord)).one()
    assert record.remarks == "Bus strike"
    cleared = run_import(
        session, people.admin, csv(f"{reg},2026-10-01,AM,P,,", header=HEADER + ",check_in_time,remarks")
    )
    assert cleared.updated == 1
    session.refresh(record)
    assert (record.remarks, record.check_in_time) == (None, None)


def test_duplicate_key_in_one_file_names_both_rows_and_writes_nothing(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    report = run_import(
        session, people.admin, csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-02,AM,P", f"{reg.lower()},2026-10-01,am,A")
    )
    assert report.errors == ("row 4: duplicate of row 2",)
    assert count(session, AttendanceRecord) == 0


def test_preview_counts_without_writing(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    make_attendance(session, people.mine, date(2026, 10, 1), "absent")
    make_attendance(session, people.mine, date(2026, 10, 2), "present")
    preview = service.preview_attendance_import(
        session,
        people.admin,
        content=csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-02,AM,P", f"{reg},2026-10-03,AM,P"),
        file_name="x.csv",
        now=NOW,
    )
    assert (preview.rows_total, preview.inserted, preview.updated, preview.unchanged) == (3, 1, 1, 1)
    assert not preview.imported and preview.batch_id is None
    assert count(session, AttendanceRecord) == 2 and count(session, ImportBatch) == 0
    assert audit_actions(session) == [], "a clean preview is not an import attempt"


def test_undo_removes_inserted_rows_and_restores_updated_ones(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    base = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,A"), "base.csv")
    later = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-02,AM,P"), "later.csv")
    undo = batch_service.undo_import_batch(session, people.admin, batch_id=later.batch_id, now=NOW)
    assert undo.undone and (undo.deleted, undo.restored) == (1, 1)
    assert stored(session, people.mine) == {(date(2026, 10, 1), "AM"): "absent"}
    assert session.scalars(select(AttendanceRecord.batch_id)).one() == base.batch_id
    batch = session.get(ImportBatch, later.batch_id)
    assert batch is not None and batch.state == "undone" and batch.undone_at == NOW
    action, details = audit_actions(session)[-1]
    assert (action, details["deleted"], details["restored"]) == ("attendance_import_undone", 1, 1)
    again = batch_service.undo_import_batch(session, people.admin, batch_id=later.batch_id, now=NOW)
    assert not again.undone and "already undone" in again.message
    assert audit_actions(session)[-1] == (
        "attendance_undo_refused",
        {"file": "later.csv", "inserted": 1, "updated": 1, "reason": again.message},
    )


def test_undo_is_refused_when_a_later_batch_changed_the_same_rows(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    first = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-02,AM,P"), "first.csv")
    second = run_import(session, people.admin, csv(f"{reg},2026-10-02,AM,A"), "second.csv")
    before = stored(session, people.mine)
    refused = batch_service.undo_import_batch(session, people.admin, batch_id=first.batch_id, now=NOW)
    assert not refused.undone
    assert f"batch #{second.batch_id} (second.csv" in refused.message
    assert "Undo that batch first" in refused.message
    assert stored(session, people.mine) == before
    assert session.get(ImportBatch, first.batch_id).state == "imported"  # type: ignore[union-attr]
    assert audit_actions(session)[-1] == (
        "attendance_undo_refused",
        {"file": "first.csv", "inserted": 2, "updated": 0, "reason": refused.message},
    )
    assert batch_service.undo_import_batch(session, people.admin, batch_id=second.batch_id, now=NOW).undone
    assert batch_service.undo_import_batch(session, people.admin, batch_id=first.batch_id, now=NOW).undone
    assert count(session, AttendanceRecord) == 0


def test_undo_of_a_batch_whose_update_was_overwritten_is_refused_too(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,P"), "a.csv")
    middle = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,A"), "b.csv")
    last = run_import(session, people.admin, csv(f"{reg},2026-10-01,AM,L"), "c.csv")
    refused = batch_service.undo_import_batch(session, people.admin, batch_id=middle.batch_id, now=NOW)
    assert not refused.undone and f"batch #{last.batch_id} (c.csv" in refused.message


def test_unknown_batch_is_not_found(session: Session, people: People) -> None:
    with pytest.raises(NotFoundError):
        batch_service.undo_import_batch(session, people.admin, batch_id=987654, now=NOW)


def test_supervisor_imports_only_files_of_their_own_trainees(session: Session, people: People) -> None:
    own = csv(f"{people.mine.registration_number},2026-10-01,AM,P")
    assert run_import(session, people.supervisor, own).inserted == 1
    mixed = csv(
        f"{people.mine.registration_number},2026-10-02,AM,P", f"{people.theirs.registration_number},2026-10-02,AM,P"
    )
    report = run_import(session, people.supervisor, mixed)
    assert report.errors == (f"row 3: trainee_id '{people.theirs.registration_number}' is not one of your trainees",)
    assert count(session, AttendanceRecord) == 1


def test_supervisor_history_and_undo_are_limited_to_their_own_batches(session: Session, people: People) -> None:
    admin_batch = run_import(session, people.admin, csv(f"{people.theirs.registration_number},2026-10-01,AM,P"))
    own_batch = run_import(session, people.supervisor, csv(f"{people.mine.registration_number},2026-10-01,AM,P"))
    assert [b.id for b in batch_service.list_import_batches(session, people.supervisor)] == [own_batch.batch_id]
    assert [b.id for b in batch_service.list_import_batches(session, people.admin)] == [
        own_batch.batch_id,
        admin_batch.batch_id,
    ]
    denied = batch_service.undo_import_batch(session, people.supervisor, batch_id=admin_batch.batch_id, now=NOW)
    assert (denied.undone, denied.message) == (False, "Supervisors can undo only the batches they imported.")
    assert session.get(ImportBatch, admin_batch.batch_id).state == "imported"  # type: ignore[union-attr]
    assert stored(session, people.theirs) == {(date(2026, 10, 1), "AM"): "present"}
    assert audit_actions(session)[-1] == (
        "attendance_undo_denied",
        {"file": "sheet.csv", "inserted": 1, "updated": 0, "reason": denied.message},
    )
    assert batch_service.undo_import_batch(session, people.supervisor, batch_id=own_batch.batch_id, now=NOW).undone


@pytest.mark.parametrize("role", ["trainee", "leadership"])
def test_other_roles_cannot_import(session: Session, people: People, role: str) -> None:
    someone = actor(session, make_user(session, role))
    with pytest.raises(PermissionDeniedError):
        run_import(session, someone, csv(f"{people.mine.registration_number},2026-10-01,AM,P"))


def test_file_over_the_size_setting_is_refused_up_front(session: Session, people: People) -> None:
    session.add(Setting(key="upload_max_mb", value=1, updated_at=NOW))
    session.flush()
    row = f"{people.mine.registration_number},2026-10-01,AM,P," + "x" * 1900
    content = csv(*([row] * 600), header=HEADER + ",remarks")
    report = run_import(session, people.admin, content)
    assert report.refusal is not None and "upload limit is 1 MB" in report.refusal
    assert report.problem_lines == (report.refusal,)
    assert count(session, AttendanceRecord) == 0
    assert audit_actions(session)[-1][0] == "attendance_import_refused"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "The file is empty."),
        (f"{HEADER}\n".encode(), "a.csv", "The file has a header but no rows."),
        (b"%PDF-1.7", "a.pdf", "Wrong file type"),
        (f"{HEADER}\nPG,2026-10-01,AM,Présent\n".encode("cp1252"), "a.csv", "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(
    session: Session, people: People, content: bytes, name: str, message: str
) -> None:
    report = run_import(session, people.admin, content, name)
    assert report.refusal is not None and message in report.refusal
    assert count(session, ImportBatch) == 0


def test_row_errors_come_back_as_typed_row_and_message_pairs(session: Session, people: People) -> None:
    reg = people.mine.registration_number
    content = csv(
        f"{reg},2026-10-01,AM,P,x",
        "NOBODY,2026-10-02,AM,P,x",
        f"{reg},2026-10-01,AM,absent,x",
        header=HEADER + ",status",  # the header names `status` twice: a problem of row 1
    )
    for check in (service.preview_attendance_import, service.import_attendance):
        report = check(session, people.admin, content=content, file_name="bad.csv", now=NOW)
        assert [(e.row, e.message) for e in report.row_errors] == [
            (1, "column 'status' appears more than once"),
            (3, "unknown trainee_id 'NOBODY'"),
            (4, "duplicate of row 2"),
        ]
        assert report.problems == report.row_errors  # no missing columns: the same pairs
        # The text for people and the audit log is made from the pairs, never the other way round.
        assert report.errors == tuple(f"row {e.row}: {e.message}" for e in report.row_errors)
        assert report.problem_lines == report.errors
    missing = run_import(session, people.admin, f"trainee_id,session\n{reg},AM\n".encode())
    assert [(p.row, p.message) for p in missing.problems] == [(1, "missing required column(s): session_date, status")]
    assert count(session, AttendanceRecord) == 0


def test_missing_columns_are_one_line(session: Session, people: People) -> None:
    report = run_import(session, people.admin, b"trainee_id,session\nPG,AM\n")
    assert report.problem_lines[0] == "row 1: missing required column(s): session_date, status"
    assert count(session, AttendanceRecord) == 0


def test_rollups_are_refreshed_once_per_changed_month(
    session: Session, people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[date]] = []
    real = rollups.refresh_attendance_months

    def spy(db: Session, months):  # type: ignore[no-untyped-def]
        calls.append(sorted(months))
        real(db, months)

    monkeypatch.setattr(rollups, "refresh_attendance_months", spy)
    reg = people.mine.registration_number
    first = run_import(
        session, people.admin, csv(f"{reg},2026-09-30,AM,P", f"{reg},2026-10-01,AM,P", f"{reg},2026-10-31,PM,P")
    )
    assert calls == [[date(2026, 9, 1), date(2026, 10, 1)]]
    run_import(session, people.admin, csv(f"{reg},2026-09-30,AM,P", f"{reg},2026-10-31,PM,A"))
    assert calls[-1] == [date(2026, 10, 1)], "only the month whose row changed"
    run_import(session, people.admin, csv(f"{reg},2026-09-30,AM,P"))
    assert len(calls) == 2, "nothing changed, nothing to refresh"
    batch_service.undo_import_batch(session, people.admin, batch_id=first.batch_id + 1, now=NOW)
    assert calls[-1] == [date(2026, 10, 1)]


def test_xlsx_upload_with_a_chosen_sheet(session: Session, people: People) -> None:
    content = make_xlsx(
        [["ignore me"]],
        sheets={
            "October": [
                ["trainee_id", "session_date", "session", "status"],
                [people.mine.registration_number, date(2026, 10, 1), "AM", "P"],
            ]
        },
    )
    assert service.list_sheet_names(content) == ["Attendance", "October"]
    report = service.import_attendance(
        session, people.admin, content=content, file_name="oct.xlsx", now=NOW, sheet="October"
    )
    assert report.inserted == 1


def test_system_actor_may_import(session: Session, people: People) -> None:
    report = run_import(session, SYSTEM_ACTOR, csv(f"{people.mine.registration_number},2026-10-01,AM,P"))
    assert report.imported and session.get(ImportBatch, report.batch_id).actor_id is None  # type: ignore[union-attr]


def test_concurrent_imports_of_overlapping_new_rows_are_serialised(committed_engine: Engine) -> None:
    factory = make_session_factory(committed_engine)
    with factory.begin() as db:
        department = make_department(db)
        trainees = [make_user(db, "trainee", department=department) for _ in range(20)]
        admin = actor(db, make_user(db, "admin"))
        regs = [t.registration_number for t in trainees]
    files = [
        csv(*(f"{reg},2026-10-{day:02d},AM,{status}" for reg in regs for day in range(1, 11))) for status in ("P", "A")
    ]
    outcomes: list[object] = []

    def worker(content: bytes) -> None:
        try:
            with factory.begin() as db:
                outcomes.append(run_import(db, admin, content))
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            outcomes.append(exc)

    threads = [threading.Thread(target=worker, args=(content,)) for content in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    counts = sorted((o.inserted, o.updated) for o in outcomes)  # type: ignore[attr-defined]
    assert counts == [(0, 200), (200, 0)], "one inserted every key, the other updated every key"
    with factory() as db:
        assert count(db, AttendanceRecord) == 200


def test_refused_and_denied_undos_stay_audited_after_the_transaction_commits(committed_engine: Engine) -> None:
    factory = make_session_factory(committed_engine)
    with factory.begin() as db:
        department = make_department(db)
        supervisor = actor(db, make_user(db, "supervisor", department=department))
        admin = actor(db, make_user(db, "admin"))
        reg = make_user(db, "trainee", department=department).registration_number
        first = run_import(db, admin, csv(f"{reg},2026-10-01,AM,P", f"{reg},2026-10-02,AM,P"), "first.csv").batch_id
        run_import(db, admin, csv(f"{reg},2026-10-02,AM,A"), "second.csv")
    for who in (supervisor, admin):  # as a page does it: one transaction per click, committed when it ends
        with factory.begin() as db:
            assert not batch_service.undo_import_batch(db, who, batch_id=first, now=NOW).undone
    with factory() as db:
        rows = db.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.entity_id, AuditEvent.details)
            .where(AuditEvent.action.like("attendance_undo%"))
            .order_by(AuditEvent.id)
        ).all()
        assert [(action, who, entity) for action, who, entity, _ in rows] == [
            ("attendance_undo_denied", supervisor.id, str(first)),
            ("attendance_undo_refused", admin.id, str(first)),
        ]
        assert [(d["file"], d["inserted"], d["updated"]) for *_, d in rows] == [("first.csv", 2, 0)] * 2
        assert db.get(ImportBatch, first).state == "imported"  # type: ignore[union-attr]
