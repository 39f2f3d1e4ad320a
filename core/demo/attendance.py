"""Demo data for attendance uploads: two small import batches in the history (the second corrects the first)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import programme_date
from core.models import Department, User
from core.services.attendance.imports import import_attendance
from core.services.users.accounts import summarize

DEMO_DEPARTMENT = "Internal Medicine"


def seed_attendance_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Import last Wednesday's grand round for one department through the real service, then a
    correction of two rows, so the import history shows counts, an update and an undo refusal."""
    admin = session.scalars(select(User).where(User.username == "admin")).first()
    trainees = (
        session.execute(
            select(User.registration_number)
            .join(Department, Department.id == User.department_id)
            .where(User.role == "trainee", Department.name == DEMO_DEPARTMENT)
            .order_by(User.registration_number)
        )
        .scalars()
        .all()
    )
    if admin is None or not trainees:
        return
    actor = summarize(admin)
    day = programme_date(now) - timedelta(days=1)
    while day.weekday() != 2:
        day -= timedelta(days=1)
    statuses = [rng.choices(("present", "late", "leave", "absent"), weights=(85, 5, 5, 5))[0] for _ in trainees]
    rows = [f"{reg},{day.isoformat()},Grand round,{status}" for reg, status in zip(trainees, statuses, strict=True)]
    header = "trainee_id,session_date,session,status,remarks"
    first = "\n".join([header, *(row + "," for row in rows)]) + "\n"
    import_attendance(
        session,
        actor,
        content=first.encode(),
        file_name=f"grand-round-{day.isoformat()}.csv",
        now=now - timedelta(days=1),
    )
    fixes = [f"{trainees[i]},{day.isoformat()},Grand round,present,Signed in late on paper" for i in range(2)]
    second = "\n".join([header, *fixes]) + "\n"
    import_attendance(
        session, actor, content=second.encode(), file_name="grand-round-corrections.csv", now=now - timedelta(hours=3)
    )
