"""CSV user import (admins only): check the whole file, then create every user or none."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from core.dto import ImportUsersReport, UserSummary
from core.errors import InvalidInputError
from core.repositories import users as repo
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.users._common import UserFields, insert_user, validate_user_fields

IMPORT_COLUMNS = ("username", "full_name", "role", "department", "supervisor", "registration_number", "email")

Rows = list[tuple[int, UserFields]]


def import_users(session: Session, actor: UserSummary, *, content: bytes, now: datetime) -> ImportUsersReport:
    """Create users from a CSV, all or nothing; departments named in the file are created.

    Trainees get no password (no sign-in) until an admin sets one.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: any bad row; `errors` holds "row N: message" (header is row 1).
    """
    authorize(session, actor, Role.ADMIN)
    rows = _read_rows(content)
    errors = _find_problems(session, rows)
    if errors:  # bad input writes nothing, not even an audit row (the caller's rollback would drop it anyway)
        raise InvalidInputError(f"Nothing was imported: {len(errors)} problem(s) in the file.", errors)
    departments_created = _create_departments(session, rows)
    ordered = sorted(rows, key=lambda r: (r[1].role != Role.SUPERVISOR, r[0]))
    created: list[str] = []
    for _, f in ordered:
        user = insert_user(session, f, None, created_by_id=actor.id)
        created.append(user.username)
    record_event(
        session,
        actor=actor,
        action="users_imported",
        now=now,
        details={"created": len(created), "departments_created": departments_created},
    )
    return ImportUsersReport(created=len(created), departments_created=departments_created, usernames=tuple(created))


def _read_rows(content: bytes) -> Rows:
    """Decode and parse the file into (row number, fields); refuse it when it cannot be read."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInputError("The file is not UTF-8 text: save it as 'CSV UTF-8' and try again.") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("username", "full_name", "role") if c not in header]
    if missing:
        raise InvalidInputError(
            f"Missing columns: {', '.join(missing)}.", [f"row 1: missing columns: {', '.join(missing)}"]
        )
    rows: Rows = []
    for number, raw in enumerate(reader, start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        f = UserFields(
            record.get("username", ""),
            record.get("full_name", ""),
            record.get("role", "").lower(),
            record.get("department") or None,
            (record.get("supervisor") or "").lower() or None,
            record.get("registration_number") or None,
            record.get("email") or None,
        )
        rows.append((number, f))
    if not rows:
        raise InvalidInputError("The file has a header but no rows.")
    return rows


def _find_problems(session: Session, rows: Rows) -> list[str]:
    """Every problem in the file as "row N: message"; supervisors may be named before their row."""
    file_supervisors = {f.username.strip().lower() for _, f in rows if f.role == Role.SUPERVISOR}
    errors: list[str] = []
    seen_usernames: dict[str, int] = {}
    seen_regs: dict[str, int] = {}
    for number, f in rows:
        key = f.username.strip().lower()
        problems = validate_user_fields(
            session,
            replace(f, supervisor=None if f.supervisor in file_supervisors else f.supervisor),
            known_departments=set(),
        )
        if f.supervisor and f.supervisor in file_supervisors and f.role != Role.TRAINEE:
            problems.append("only trainees have a supervisor")
        if key in seen_usernames:
            problems.append(f"duplicate username '{key}' (also row {seen_usernames[key]})")
        seen_usernames.setdefault(key, number)
        if f.registration_number:
            if f.registration_number in seen_regs:
                problems.append(f"duplicate registration number (also row {seen_regs[f.registration_number]})")
            seen_regs.setdefault(f.registration_number, number)
        errors.extend(f"row {number}: {p}" for p in problems)
    return errors


def _create_departments(session: Session, rows: Rows) -> int:
    """Add the departments the file names that do not exist yet; return how many were added."""
    created = 0
    for name in sorted({f.department for _, f in rows if f.department}):
        if repo.get_department_by_name(session, name) is None:
            repo.add_department(session, name)
            created += 1
    return created
