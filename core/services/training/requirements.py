"""Logbook requirements: minimum approved entries per category (optionally one title, optionally one
department) per training year. Admins define them; everyone reads them (a trainee sees their targets)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import RequirementItem, UserSummary
from core.errors import InvalidInputError, NotFoundError
from core.models import Department, LogbookRequirement
from core.rules.access import ALL_ROLES
from core.rules.progress import Requirement, compute_requirement_label, compute_title_key
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.settings import get_setting
from core.services.training._common import progress_settings

MAX_MINIMUM = 10000
ALL_DEPARTMENTS = "All departments"


def create_requirement(
    session: Session,
    actor: UserSummary,
    *,
    training_year: int,
    category: str,
    minimum: int,
    now: datetime,
    department_id: int | None = None,
    title: str | None = None,
) -> RequirementItem:
    """Add a target (admins). Refuses with every problem at once, and writes nothing then.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: year, category or minimum invalid, or the same target exists.
        NotFoundError: no such department.
    """
    authorize(session, actor, Role.ADMIN)
    department = None
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None:
            raise NotFoundError("No such department.")
    categories = [str(c) for c in get_setting(session, "logbook_categories")]
    last_year = progress_settings(session).last_year
    clean_title = " ".join((title or "").split()) or None
    problems: list[str] = []
    if not 1 <= training_year <= last_year:
        problems.append(f"the training year must be between 1 and {last_year}")
    chosen = next((c for c in categories if c.lower() == category.strip().lower()), None)
    if chosen is None:
        problems.append(f"'{category.strip()}' is not a logbook category ({', '.join(categories)})")
    if not 1 <= minimum <= MAX_MINIMUM:
        problems.append(f"the minimum must be a whole number between 1 and {MAX_MINIMUM}")
    if clean_title is not None and len(clean_title) > 200:
        problems.append("the title must be at most 200 characters")
    key = compute_title_key(clean_title) or None
    if chosen is not None and _exists(session, training_year, chosen, department_id, key):
        where = department.name if department else ALL_DEPARTMENTS.lower()
        problems.append(f"training year {training_year} already has this target for {where}")
    if problems or chosen is None:
        raise InvalidInputError("Cannot add the requirement: " + "; ".join(problems) + ".", problems)
    row = LogbookRequirement(
        training_year=training_year,
        category=chosen,
        department_id=department_id,
        title=clean_title,
        title_key=key,
        minimum=minimum,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    item = _item(row, department.name if department else None)
    record_event(
        session,
        actor=actor,
        action="requirement_created",
        now=now,
        entity_type="logbook_requirement",
        entity_id=row.id,
        details={"year": training_year, "target": item.label, "department": item.department_name},
    )
    return item


def delete_requirement(session: Session, actor: UserSummary, *, requirement_id: int, now: datetime) -> RequirementItem:
    """Remove a target (admins).

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such requirement.
    """
    authorize(session, actor, Role.ADMIN)
    row = session.get(LogbookRequirement, requirement_id)
    if row is None:
        raise NotFoundError("No such requirement (already removed?).")
    department = session.get(Department, row.department_id) if row.department_id else None
    item = _item(row, department.name if department else None)
    session.delete(row)
    record_event(
        session,
        actor=actor,
        action="requirement_deleted",
        now=now,
        entity_type="logbook_requirement",
        entity_id=requirement_id,
        details={"year": item.training_year, "target": item.label, "department": item.department_name},
    )
    return item


def list_requirements(
    session: Session, actor: UserSummary, *, training_year: int | None = None
) -> list[RequirementItem]:
    """Every target (by year, department, category, title)."""
    authorize(session, actor, *ALL_ROLES)
    stmt = select(LogbookRequirement, Department.name).outerjoin(
        Department, Department.id == LogbookRequirement.department_id
    )
    if training_year is not None:
        stmt = stmt.where(LogbookRequirement.training_year == training_year)
    items = [_item(row, name) for row, name in session.execute(stmt)]
    return sorted(
        items,
        key=lambda i: (
            i.training_year,
            i.department_name != ALL_DEPARTMENTS,
            i.department_name,
            i.category,
            i.title or "",
        ),
    )


def load_rule_requirements(session: Session) -> list[Requirement]:
    """Every target as the progress rules take it (for the training services)."""
    return [
        Requirement(
            id=row.id,
            training_year=row.training_year,
            category=row.category,
            minimum=row.minimum,
            department_id=row.department_id,
            title=row.title,
        )
        for row in session.scalars(select(LogbookRequirement).order_by(LogbookRequirement.id))
    ]


def _exists(session: Session, year: int, category: str, department_id: int | None, key: str | None) -> bool:
    stmt = select(LogbookRequirement.id).where(
        LogbookRequirement.training_year == year,
        LogbookRequirement.category == category,
        LogbookRequirement.department_id.is_(None)
        if department_id is None
        else LogbookRequirement.department_id == department_id,
        LogbookRequirement.title_key.is_(None) if key is None else LogbookRequirement.title_key == key,
    )
    return session.scalar(stmt) is not None


def _item(row: LogbookRequirement, department: str | None) -> RequirementItem:
    return RequirementItem(
        id=row.id,
        training_year=row.training_year,
        category=row.category,
        title=row.title,
        minimum=row.minimum,
        department_id=row.department_id,
        department_name=department or ALL_DEPARTMENTS,
        label=compute_requirement_label(row.category, row.title, row.minimum),
    )
