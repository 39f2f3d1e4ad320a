"""Property-based tests: mangled files never raise or write partially; valid files round-trip."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import AttendanceChange, AttendanceRecord, ImportBatch, User
from core.services.attendance.eligibility import list_eligibility
from core.services.attendance.imports import import_attendance
from tests.factories import NOW, actor, make_department, make_user

COLUMNS = ["trainee_id", "session_date", "session", "status", "department", "check_in_time", "remarks"]
STATUS_CELLS = {
    "present": "present",
    "P": "present",
    " p ": "present",
    "Late": "late",
    "l": "late",
    "absent": "absent",
    "A": "absent",
    "excused": "excused",
    "E": "excused",
    "leave": "excused",
}
FIRST_DAY = date(2025, 1, 1)
DAYS = (NOW.date() - FIRST_DAY).days
PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.fixture
def trainees(session: Session) -> tuple[UserSummary, list[User], str]:
    department = make_department(session)
    people = [make_user(session, "trainee", department=department) for _ in range(3)]
    return actor(session, make_user(session, "admin")), people, department.name


def snapshot(session: Session) -> tuple[int, int, int, list[tuple]]:  # type: ignore[type-arg]
    records = session.execute(
        select(
            AttendanceRecord.trainee_id,
            AttendanceRecord.session_date,
            AttendanceRecord.session,
            AttendanceRecord.status,
        ).order_by(AttendanceRecord.id)
    ).all()
    return (
        len(records),
        int(session.scalar(select(func.count(ImportBatch.id))) or 0),
        int(session.scalar(select(func.count(AttendanceChange.id))) or 0),
        [tuple(r) for r in records],
    )


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


@st.composite
def valid_rows(draw: st.DrawFn, registrations: list[str], department: str, min_size: int = 0) -> list[list[str]]:
    keys = draw(
        st.lists(
            st.tuples(
                st.sampled_from(registrations), st.integers(0, DAYS), st.sampled_from(["AM", "PM", "Grand round"])
            ),
            min_size=min_size,
            max_size=25,
            unique=True,
        )
    )
    return [
        [
            reg,
            (FIRST_DAY + timedelta(days=day)).isoformat(),
            slot,
            draw(st.sampled_from(sorted(STATUS_CELLS))),
            draw(st.sampled_from(["", department])),
            draw(st.sampled_from(["", "08:05", "2026-01-01T09:00"])),
            draw(st.sampled_from(["", "ok", "late bus, sorry"])),
        ]
        for reg, day, slot in keys
    ]


CELL_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@st.composite
def mangled_files(draw: st.DrawFn, registrations: list[str], department: str) -> tuple[str, bytes]:
    table = [list(COLUMNS), *draw(valid_rows(registrations, department))]
    for op in draw(
        st.lists(
            st.sampled_from(["shuffle", "drop", "rename", "cell", "formula", "huge", "dup", "ragged", "blank"]),
            max_size=4,
        )
    ):
        width = len(table[0])
        if op == "shuffle":
            order = draw(st.permutations(range(width)))
            table = [[row[i] if i < len(row) else "" for i in order] for row in table]
        elif op == "drop" and width > 1:
            gone = draw(st.integers(0, width - 1))
            table = [[c for i, c in enumerate(row) if i != gone] for row in table]
        elif op == "rename" and width:
            table[0][draw(st.integers(0, width - 1))] = draw(CELL_TEXT)
        elif op in ("cell", "formula", "huge") and len(table) > 1:
            row = table[draw(st.integers(1, len(table) - 1))]
            value = {"cell": draw(CELL_TEXT), "formula": "=" + draw(CELL_TEXT), "huge": "x" * 300_000}[op]
            if row:
                row[draw(st.integers(0, len(row) - 1))] = value
        elif op == "dup" and len(table) > 1:
            table.append(list(table[draw(st.integers(1, len(table) - 1))]))
        elif op == "ragged" and len(table) > 1:
            row = table[draw(st.integers(1, len(table) - 1))]
            row.append("extra") if draw(st.booleans()) or not row else row.pop()
        elif op == "blank":
            table.insert(draw(st.integers(1, len(table))), [])
    content = to_csv(table)
    byte_op = draw(st.sampled_from(["none", "none", "bytes", "truncate", "cp1252", "utf16", "bom", "binary"]))
    if byte_op == "bytes":
        at = draw(st.integers(0, len(content)))
        content = content[:at] + draw(st.binary(min_size=1, max_size=8)) + content[at:]
    elif byte_op == "truncate":
        content = content[: draw(st.integers(0, len(content)))]
    elif byte_op == "cp1252":
        content = content.decode("utf-8").encode("cp1252", errors="replace") + "é".encode("cp1252")
    elif byte_op == "utf16":
        content = content.decode("utf-8").encode("utf-16")
    elif byte_op == "bom":
        content = b"\xef\xbb\xbf" + content
    elif byte_op == "binary":
        content = draw(st.binary(max_size=200))
    name = draw(st.sampled_from(["a.csv", "a.csv", "a.csv", "a.xlsx", "a.txt", "a.pdf", "A.CSV"]))
    return name, content


@PROPERTY_SETTINGS
@given(data=st.data())
def test_mangled_files_never_raise_and_never_write_partially(
    session: Session, trainees: tuple[UserSummary, list[User], str], data: st.DataObject
) -> None:
    admin, people, department = trainees
    name, content = data.draw(mangled_files([p.registration_number for p in people], department))
    savepoint = session.begin_nested()
    try:
        before = snapshot(session)
        report = import_attendance(session, admin, content=content, file_name=name, now=NOW)
        after = snapshot(session)
        if report.accepted:
            assert after[0] == before[0] + report.inserted
            assert after[1] == before[1] + 1
            assert report.inserted + report.updated + report.unchanged == report.rows_total
        else:
            assert report.problem_lines, "a refusal always says why"
            assert all(line.strip() for line in report.problem_lines)
            assert after == before, "a refused file writes nothing"
    finally:
        savepoint.rollback()


@PROPERTY_SETTINGS
@given(data=st.data())
def test_valid_files_round_trip_to_a_straightforward_recomputation(
    session: Session, trainees: tuple[UserSummary, list[User], str], data: st.DataObject
) -> None:
    admin, people, department = trainees
    registrations = [p.registration_number for p in people]
    uploads = data.draw(st.lists(valid_rows(registrations, department, min_size=1), min_size=1, max_size=3))
    threshold = data.draw(st.sampled_from([0.0, 50.0, 66.67, 75.0, 90.0, 100.0]))
    savepoint = session.begin_nested()
    try:
        latest: dict[tuple[str, str, str], str] = {}
        for rows in uploads:
            report = import_attendance(session, admin, content=to_csv([COLUMNS, *rows]), file_name="f.csv", now=NOW)
            assert report.accepted, report.problem_lines
            for reg, day, slot, status, *_ in rows:
                latest[(reg, day, slot)] = STATUS_CELLS[status]
        table = list_eligibility(
            session, admin, period=f"{FIRST_DAY.isoformat()}..{NOW.date().isoformat()}", threshold=threshold
        )
        got = {r["trainee_id"]: r for r in table.to_dict("records") if r["trainee_id"] in registrations}
        for reg in registrations:
            statuses = [s for (r, _d, _s), s in latest.items() if r == reg]
            sessions = len(statuses)
            attended = sum(1 for s in statuses if s in ("present", "late"))
            percentage = round(100 * attended / sessions, 2) if sessions else 0.0
            assert (got[reg]["sessions"], got[reg]["attended"]) == (sessions, attended)
            assert got[reg]["percentage"] == percentage
            assert got[reg]["eligible"] == (sessions > 0 and percentage >= threshold)
        assert snapshot(session)[0] == len(latest), "every key stored once, never duplicated"
    finally:
        savepoint.rollback()
