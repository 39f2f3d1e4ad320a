"""Test data builders with random suffixes, so tests never collide."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime

import openpyxl
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import AttendanceRecord, Department, LogbookEntry, User
from core.services.auth import hash_password
from core.services.users.accounts import summarize

NOW = datetime(2026, 11, 20, 10, 0, 0)
PASSWORD = "correct-horse-battery"


def suffix() -> str:
    return uuid.uuid4().hex[:8]


def make_department(session: Session, name: str | None = None) -> Department:
    department = Department(name=name or f"Dept {suffix()}")
    session.add(department)
    session.flush()
    return department


def make_user(
    session: Session,
    role: str = "trainee",
    *,
    department: Department | None = None,
    supervisor: User | None = None,
    password: str | None = PASSWORD,
    username: str | None = None,
    active: bool = True,
) -> User:
    tag = suffix()
    user = User(
        username=username or f"{role[:3]}.{tag}",
        full_name=f"{role.title()} {tag}",
        email=f"{role}.{tag}@example.org",
        role=role,
        department_id=department.id if department else None,
        supervisor_id=supervisor.id if supervisor else None,
        registration_number=f"REG-{tag}" if role == "trainee" else None,
        password_hash=hash_password(password) if password else None,
        is_active=active,
        failed_login_count=0,
    )
    session.add(user)
    session.flush()
    return user


def actor(session: Session, user: User) -> UserSummary:
    session.refresh(user)
    return summarize(user)


def make_entry(
    session: Session,
    trainee: User,
    *,
    status: str = "pending",
    case_date: date = date(2026, 11, 1),
    submitted_at: datetime | None = datetime(2026, 11, 2, 9, 0),
    title: str = "Appendicitis",
    category: str = "case",
) -> LogbookEntry:
    entry = LogbookEntry(
        trainee_id=trainee.id,
        department_id=trainee.department_id,
        title=title,
        case_date=case_date,
        category=category,
        description="History, examination, plan.",
        status=status,
        submitted_at=None if status == "draft" else submitted_at,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(entry)
    session.flush()
    return entry


def make_attendance(
    session: Session, trainee: User, session_date: date, status: str = "present", slot: str = "AM"
) -> AttendanceRecord:
    record = AttendanceRecord(
        trainee_id=trainee.id,
        session_date=session_date,
        session=slot,
        department_id=trainee.department_id,
        status=status,
    )
    session.add(record)
    session.flush()
    return record


def make_xlsx(rows: list[list[object]], *, sheets: dict[str, list[list[object]]] | None = None) -> bytes:
    """An .xlsx file: `rows` on the first sheet ("Attendance"), then one sheet per entry of `sheets`."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Attendance"
    for row in rows:
        sheet.append(row)
    for title, extra in (sheets or {}).items():
        other = workbook.create_sheet(title)
        for row in extra:
            other.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
