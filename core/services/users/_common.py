"""Helpers shared by the user services of this package (not part of its public API): validating and
inserting a new user, for the form and the bulk import alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.models import User
from core.repositories import users as repo
from core.rules.access import ALL_ROLES
from core.rules.values import Role


@dataclass(frozen=True)
class UserFields:
    """The fields of a new user, as typed in the form or read from an import file."""

    username: str
    full_name: str
    role: str
    department: str | None
    supervisor: str | None
    registration_number: str | None
    email: str | None


def validate_user_fields(session: Session, f: UserFields, *, known_departments: set[str] | None = None) -> list[str]:
    """Every problem with a new user's fields, as messages (empty when they are valid)."""
    problems: list[str] = []
    username = f.username.strip().lower()
    if not username:
        problems.append("username is required")
    elif not all(c.isalnum() or c in "._-" for c in username) or len(username) > 64:
        problems.append(f"username '{f.username}' may only use letters, digits, '.', '_' and '-' (64 at most)")
    elif repo.get_user_by_username(session, username) is not None:
        problems.append(f"username '{username}' already exists")
    if not f.full_name.strip():
        problems.append("full_name is required")
    if f.role not in ALL_ROLES:
        problems.append(f"unknown role '{f.role}' (use one of {', '.join(ALL_ROLES)})")
    if f.supervisor:
        sup = repo.get_user_by_username(session, f.supervisor)
        if sup is None or sup.role != Role.SUPERVISOR:
            problems.append(f"unknown supervisor '{f.supervisor}'")
        if f.role != Role.TRAINEE:
            problems.append("only trainees have a supervisor")
    if f.registration_number:
        if f.role != Role.TRAINEE:
            problems.append("only trainees have a registration number")
        elif repo.get_user_by_registration(session, f.registration_number) is not None:
            problems.append(f"registration number '{f.registration_number}' already exists")
    elif f.role == Role.TRAINEE:
        problems.append("a trainee needs a registration_number")
    if f.department and known_departments is None and repo.get_department_by_name(session, f.department) is None:
        problems.append(f"unknown department '{f.department}'")
    if f.email and "@" not in f.email:
        problems.append(f"email '{f.email}' is not an e-mail address")
    return problems


def insert_user(
    session: Session, f: UserFields, password_hash: str | None, *, created_by_id: int | None = None
) -> User:
    """Add an active user from already validated fields and flush it to get its id (`created_by_id`: the admin)."""
    department = repo.get_department_by_name(session, f.department) if f.department else None
    supervisor = repo.get_user_by_username(session, f.supervisor) if f.supervisor else None
    user = User(
        username=f.username.strip().lower(),
        full_name=f.full_name.strip(),
        role=f.role,
        email=(f.email or "").strip() or None,
        department_id=department.id if department else None,
        supervisor_id=supervisor.id if supervisor else None,
        registration_number=(f.registration_number or "").strip() or None,
        password_hash=password_hash,
        is_active=True,
        failed_login_count=0,
        created_by_id=created_by_id,
    )
    session.add(user)
    session.flush()
    return user
