"""Departments: the list the screens offer, and creating one (admins only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import InvalidInputError
from core.repositories import users as repo
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event


def list_departments(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every department (names are not confidential)."""
    return [(d.id, d.name) for d in repo.list_departments(session)]


def create_department(session: Session, actor: UserSummary, *, name: str, now: datetime) -> tuple[int, str]:
    """Create a department (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: empty or duplicate name.
    """
    authorize(session, actor, Role.ADMIN)
    if not name.strip():
        raise InvalidInputError("A department needs a name.")
    if repo.get_department_by_name(session, name) is not None:
        raise InvalidInputError(f"Department '{name.strip()}' already exists.")
    department = repo.add_department(session, name)
    record_event(
        session,
        actor=actor,
        action="department_created",
        now=now,
        entity_type="department",
        entity_id=department.id,
        details={"name": department.name},
    )
    return department.id, department.name
