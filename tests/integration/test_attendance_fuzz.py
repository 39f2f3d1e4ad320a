"""Fuzzing the attendance import with mutated CSV and XLSX files (issue 12): 500 files per backend per
run (derandomized, so every run tries the same ones). The only outcomes allowed are a refusal that
says why, with nothing written but its audit event, or a correct import: no other exception and no
partial write."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import AttendanceChange, AttendanceRecord, AuditEvent, ImportBatch, User
from core.services.attendance.imports import import_attendance
from tests.factories import NOW, actor, make_department, make_user, make_xlsx

FUZZ_SETTINGS = settings(
    max_examples=500,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
HEADER = ["trainee_id", "session_date", "session", "status", "check_in_time", "remarks"]


@pytest.fixture
def people(session: Session) -> tuple[UserSummary, list[str], bytes]:
    """The admin, two registration numbers, and one base workbook (built once: its zip bytes carry a timestamp)."""
    department = make_department(session)
    trainees = [make_user(session, "trainee", department=department) for _ in range(2)]
    registrations = [str(t.registration_number) for t in trainees]
    return actor(session, make_user(session, "admin")), registrations, make_xlsx([HEADER, *base_rows(registrations)])


def base_rows(registrations: list[str]) -> list[list[str]]:
    return [
        [registrations[0], "02/11/2026", "AM", "P", "08:05:00 AM", "ok"],
        [registrations[1], "2026-11-02", "PM", "late", "13:20", 'said "hi", left'],
        [registrations[0], "3-Nov-2026", "AM", "absent", "", "two\nlines"],
    ]


def csv_bytes(rows: list[list[str]]) -> bytes:
    def cell(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\n') else value

    return "".join(",".join(cell(c) for c in row) + "\n" for row in [HEADER, *rows]).encode()


BYTE_OPS = st.sampled_from(
    ["quote", "nul", "cr", "crlf", "truncate", "flip", "insert", "huge", "drop_line", "dup_line", "bom", "cp1252"]
)


def mutate_bytes(data: st.DataObject, content: bytes, ops: list[str]) -> bytes:
    for op in ops:
        at = data.draw(st.integers(0, len(content)))
        if op == "quote":
            content = content[:at] + b'"' + content[at:]
        elif op == "nul":
            content = content[:at] + b"\x00" + content[at:]
        elif op == "cr":
            content = content.replace(b"\n", b"\r")
        elif op == "crlf":
            content = content.replace(b"\n", b"\r\n")
        elif op == "truncate":
            content = content[:at]
        elif op == "flip" and content:
            position = min(at, len(content) - 1)
            content = (
                content[:position]
                + bytes([content[position] ^ data.draw(st.integers(1, 255))])
                + content[position + 1 :]
            )
        elif op == "insert":
            content = content[:at] + data.draw(st.binary(min_size=1, max_size=6)) + content[at:]
        elif op == "huge":
            content = content[:at] + b"x" * 140_000 + content[at:]
        elif op in ("drop_line", "dup_line"):
            lines = content.split(b"\n")
            index = data.draw(st.integers(0, len(lines) - 1))
            lines = lines[:index] + lines[index + 1 :] if op == "drop_line" else lines[: index + 1] + lines[index:]
            content = b"\n".join(lines)
        elif op == "bom":
            content = b"\xef\xbb\xbf" + content
        elif op == "cp1252":
            content = content + "Séance".encode("cp1252")
    return content


def mutate_workbook(data: st.DataObject, content: bytes) -> bytes:
    op = data.draw(st.sampled_from(["zip_bytes", "sheet_xml", "drop_part", "formula", "none"]))
    if op == "zip_bytes":
        return mutate_bytes(
            data, content, data.draw(st.lists(st.sampled_from(["flip", "truncate", "insert"]), min_size=1, max_size=3))
        )
    source = zipfile.ZipFile(io.BytesIO(content))
    names = source.namelist()
    target_name = "xl/worksheets/sheet1.xml"
    drop = data.draw(st.sampled_from(names)) if op == "drop_part" else None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            if name == drop:
                continue
            body = source.read(name)
            if name == target_name and op == "sheet_xml":
                body = mutate_bytes(
                    data,
                    body,
                    data.draw(
                        st.lists(
                            st.sampled_from(["quote", "flip", "truncate", "insert", "nul"]), min_size=1, max_size=2
                        )
                    ),
                )
            if name == target_name and op == "formula":
                body = body.replace(b'<c r="D2" t="inlineStr"><is><t>P</t></is></c>', b'<c r="D2"><f>A1</f></c>')
            target.writestr(name, body)
    return out.getvalue()


def snapshot(session: Session) -> tuple[int, int, int]:
    return (
        int(session.scalar(select(func.count(AttendanceRecord.id))) or 0),
        int(session.scalar(select(func.count(ImportBatch.id))) or 0),
        int(session.scalar(select(func.count(AttendanceChange.id))) or 0),
    )


@FUZZ_SETTINGS
@given(data=st.data())
def test_mutated_files_are_refused_cleanly_or_imported_correctly(
    session: Session, people: tuple[UserSummary, list[str], bytes], data: st.DataObject
) -> None:
    admin, registrations, workbook = people
    rows = base_rows(registrations)
    if data.draw(st.booleans()):
        name = data.draw(st.sampled_from(["a.csv", "a.txt"]))
        content = mutate_bytes(data, csv_bytes(rows), data.draw(st.lists(BYTE_OPS, min_size=1, max_size=3)))
    else:
        name = "a.xlsx"
        content = mutate_workbook(data, workbook)
    savepoint = session.begin_nested()
    try:
        before = snapshot(session)
        audits = int(session.scalar(select(func.count(AuditEvent.id))) or 0)
        report = import_attendance(session, admin, content=content, file_name=name, now=NOW)
        after = snapshot(session)
        assert int(session.scalar(select(func.count(AuditEvent.id))) or 0) == audits + 1, "every attempt is audited"
        if report.accepted:
            assert after[0] == before[0] + report.inserted
            assert after[1] == before[1] + 1
            assert report.inserted + report.updated + report.unchanged == report.rows_total
            stored = session.scalars(select(AttendanceRecord.status)).all()
            assert set(stored) <= {"present", "late", "absent", "excused"}
        else:
            assert report.problem_lines and all(line.strip() for line in report.problem_lines)
            assert after == before, "a refused file writes nothing"
    finally:
        savepoint.rollback()


def test_the_unmutated_base_files_import(session: Session, people: tuple[UserSummary, list[str], bytes]) -> None:
    admin, registrations, workbook = people
    for name, content in (
        ("a.csv", csv_bytes(base_rows(registrations))),
        ("a.xlsx", workbook),
    ):
        savepoint = session.begin_nested()
        report = import_attendance(session, admin, content=content, file_name=name, now=NOW)
        assert report.accepted, report.problem_lines
        assert report.inserted == 3
        assert session.scalar(select(func.count(User.id))) is not None
        savepoint.rollback()
