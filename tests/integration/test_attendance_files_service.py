"""The attendance import service with real-world files (issue 12) on a real database: hostile files
refused and audited with nothing written, settings for date order, status words and saved mappings,
the wide layout, the preview of changes and the single-record correction with its undo rules."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import InvalidInputError, PermissionDeniedError
from core.models import AttendanceChange, AttendanceRecord, AuditEvent, ImportBatch, Setting, User
from core.services.attendance import batches as batch_service
from core.services.attendance import imports as service
from tests.factories import NOW, actor, make_department, make_user, make_xlsx

HEADER = "trainee_id,session_date,session,status"


@pytest.fixture
def people(session: Session) -> tuple[UserSummary, User, UserSummary]:
    department = make_department(session)
    trainee = make_user(session, "trainee", department=department)
    supervisor = make_user(session, "supervisor", department=department)
    return actor(session, make_user(session, "admin")), trainee, actor(session, supervisor)


def counts(session: Session) -> tuple[int, int, int]:
    return tuple(  # type: ignore[return-value]
        int(session.scalar(select(func.count()).select_from(m)) or 0)
        for m in (AttendanceRecord, ImportBatch, AttendanceChange)
    )


def last_audit(session: Session) -> tuple[str, dict]:  # type: ignore[type-arg]
    row = session.execute(select(AuditEvent.action, AuditEvent.details).order_by(AuditEvent.id.desc())).first()
    assert row is not None
    return row[0], row[1]


def hostile_files(reg: str) -> list[tuple[str, bytes, str]]:
    good = make_xlsx([["trainee_id", "session_date", "session", "status"], [reg, "2026-11-02", "AM", "P"]])
    crc = bytearray(good)
    info = zipfile.ZipFile(io.BytesIO(good)).getinfo("xl/worksheets/sheet1.xml")
    crc[info.header_offset + 30 + len(info.filename) + 8] ^= 0x55
    return [
        (
            "quote.csv",
            f'{HEADER},remarks\n{reg},2026-11-02,AM,P,"open\n{reg},2026-11-03,AM,P,x\n'.encode(),
            "row 2: a quoted field opens here",
        ),
        ("nul.csv", f"{HEADER}\n{reg},2026-11-02,AM,P\x00\n".encode(), "NUL byte"),
        ("huge.csv", f"{HEADER},remarks\n{reg},2026-11-02,AM,P,{'z' * 200_000}\n".encode(), "longer than 100,000"),
        ("wide.csv", ("a," * 130_000 + f"b\n{reg}\n").encode(), "row 1: the header"),
        ("latin.csv", f"{HEADER}\n{reg},2026-11-02,Séance,P\n".encode("cp1252"), "not UTF-8"),
        ("cut.xlsx", good[:-25], "could not be read"),
        ("crc.xlsx", bytes(crc), "damaged or incomplete"),
    ]


@pytest.mark.parametrize("index", range(7))
def test_hostile_files_are_refused_audited_and_write_nothing(
    session: Session, people: tuple[UserSummary, User, UserSummary], index: int
) -> None:
    admin, trainee, _ = people
    name, content, message = hostile_files(str(trainee.registration_number))[index]
    before = counts(session)
    report = service.import_attendance(session, admin, content=content, file_name=name, now=NOW)
    assert not report.accepted
    assert message in report.problem_lines[0]
    assert counts(session) == before
    action, details = last_audit(session)
    assert action == "attendance_import_refused"
    assert message in (details.get("refusal") or details.get("first_error") or "")


def test_cr_only_files_import(session: Session, people: tuple[UserSummary, User, UserSummary]) -> None:
    admin, trainee, _ = people
    content = (
        f"{HEADER}\r{trainee.registration_number},2026-11-02,AM,P\r{trainee.registration_number},2026-11-02,PM,A\r"
    )
    report = service.import_attendance(session, admin, content=content.encode(), file_name="mac.csv", now=NOW)
    assert report.accepted and report.inserted == 2


def test_settings_date_order_vocabulary_and_a_saved_mapping(
    session: Session, people: tuple[UserSummary, User, UserSummary]
) -> None:
    admin, trainee, _ = people
    session.add_all(
        [
            Setting(key="date_order", value="MDY"),
            Setting(key="status_vocabulary", value="Tardy=late, On leave=excused"),
            Setting(key="attendance_mappings", value="sis: Learner=trainee_id, Taken=session_date"),
        ]
    )
    session.flush()
    content = f"Learner,Taken,Session,Status\n{trainee.registration_number},11/02/26,AM,Tardy\n".encode()
    report = service.import_attendance(
        session, admin, content=content, file_name="sis.csv", now=NOW, options=service.ImportOptions(mapping_name="sis")
    )
    assert report.accepted, report.problem_lines
    assert report.date_order == "MDY"
    record = session.scalars(select(AttendanceRecord)).one()
    assert (record.session_date, record.status) == (date(2026, 11, 2), "late")
    override = service.preview_attendance_import(
        session,
        admin,
        content=content,
        file_name="sis.csv",
        now=NOW,
        options=service.ImportOptions(mapping_name="sis", date_order="DMY"),
    )
    assert override.accepted and override.inserted == 1  # read as 11 February, a new row
    assert override.changes[0].session_date == date(2026, 2, 11)


def test_a_wide_file_imports_one_row_per_mark(session: Session, people: tuple[UserSummary, User, UserSummary]) -> None:
    admin, trainee, _ = people
    content = (
        f"Student ID,Name,02/11/2026 AM,02/11/2026 PM,3 Nov 2026\n{trainee.registration_number},Ann,P,A,L\n".encode()
    )
    report = service.import_attendance(session, admin, content=content, file_name="moodle.csv", now=NOW)
    assert report.accepted, report.problem_lines
    assert report.inserted == 3 and report.wide_sessions == ("02/11/2026 AM", "02/11/2026 PM", "3 Nov 2026")
    stored = sorted(
        session.execute(select(AttendanceRecord.session_date, AttendanceRecord.session, AttendanceRecord.status)).all()
    )
    assert stored == [
        (date(2026, 11, 2), "AM", "present"),
        (date(2026, 11, 2), "PM", "absent"),
        (date(2026, 11, 3), "Day", "late"),
    ]


def test_the_preview_lists_changed_and_new_rows(
    session: Session, people: tuple[UserSummary, User, UserSummary]
) -> None:
    admin, trainee, _ = people
    reg = trainee.registration_number
    service.import_attendance(
        session,
        admin,
        content=f"{HEADER}\n{reg},2026-11-02,AM,P\n{reg},2026-11-03,AM,P\n".encode(),
        file_name="a.csv",
        now=NOW,
    )
    preview = service.preview_attendance_import(
        session,
        admin,
        content=f"{HEADER}\n{reg},2026-11-02,AM,A\n{reg},2026-11-03,AM,P\n{reg},2026-11-04,AM,L\n".encode(),
        file_name="b.csv",
        now=NOW,
    )
    assert [(c.session_date, c.old_status, c.new_status) for c in preview.changes] == [
        (date(2026, 11, 2), "present", "absent"),
        (date(2026, 11, 4), None, "late"),
    ]
    assert preview.changes_total == 2
    assert (
        preview.changes_csv.decode("utf-8-sig").splitlines()[0] == "trainee,session_date,session,old_status,new_status"
    )


def test_a_correction_is_audited_blocks_the_older_undo_and_can_itself_be_undone(
    session: Session, people: tuple[UserSummary, User, UserSummary]
) -> None:
    admin, trainee, supervisor = people
    reg = str(trainee.registration_number)
    first = service.import_attendance(
        session, admin, content=f"{HEADER}\n{reg},2026-11-02,AM,A\n".encode(), file_name="a.csv", now=NOW
    )
    record = batch_service.find_attendance_record(
        session, admin, trainee=reg, session_date=date(2026, 11, 2), session_label="AM"
    )
    assert record is not None and record.status == "absent"
    with pytest.raises(InvalidInputError, match="reason is required"):
        batch_service.correct_attendance_record(
            session, admin, record_id=record.id, status="late", remarks=None, reason=" ", now=NOW
        )
    with pytest.raises(PermissionDeniedError):
        batch_service.correct_attendance_record(
            session, supervisor, record_id=record.id, status="late", remarks=None, reason="x", now=NOW
        )
    correction = batch_service.correct_attendance_record(
        session, admin, record_id=record.id, status="late", remarks="bus", reason="Register shows late arrival", now=NOW
    )
    stored = session.get(AttendanceRecord, record.id)
    assert stored is not None and (stored.status, stored.remarks) == ("late", "bus")
    action, details = last_audit(session)
    assert action == "attendance_record_corrected"
    assert details["old"] == {"status": "absent", "remarks": None}
    assert details["new"] == {"status": "late", "remarks": "bus"}
    assert details["reason"] == "Register shows late arrival"
    assert first.batch_id is not None
    refused = batch_service.undo_import_batch(session, admin, batch_id=first.batch_id, now=NOW)
    assert not refused.undone
    assert f"correction #{correction.id} (record #{record.id} 2026-11-02 AM" in refused.message
    undone = batch_service.undo_import_batch(session, admin, batch_id=correction.id, now=NOW)
    assert undone.undone and undone.restored == 1
    session.expire_all()
    stored = session.get(AttendanceRecord, record.id)
    assert stored is not None and stored.status == "absent"
    assert batch_service.undo_import_batch(session, admin, batch_id=first.batch_id, now=NOW).undone
