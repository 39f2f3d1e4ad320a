"""Demo data for leave, condonation and the programme calendar (issue 16), through the real services."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import quarter_of
from core.clock import programme_date
from core.models import Department, User
from core.services.attendance import condonations, leave
from core.services.attendance import programme_calendar as calendar
from core.services.users.accounts import summarize


def seed_leave_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """A programme holiday and a department's term break, an approved, a rejected and a pending leave request,
    a pending condonation (admin asked; admin2 can decide) and one department that also meets on Saturdays."""
    admin = session.scalars(select(User).where(User.username == "admin")).first()
    trainees = list(
        session.scalars(
            select(User).where(User.role == "trainee", User.username != "trainee").order_by(User.registration_number)
        )
    )
    departments = list(session.scalars(select(Department).order_by(Department.name)))
    if admin is None or len(trainees) < 4 or not departments:
        return
    actor = summarize(admin)
    today = programme_date(now)
    first_of_year = date(today.year, 1, 1)
    calendar.add_closure(
        session, actor, name="New Year's Day", kind="holiday", start=first_of_year, end=first_of_year, now=now
    )
    august = date(today.year if today.month > 8 else today.year - 1, 8, 10)
    calendar.add_closure(
        session,
        actor,
        name="Summer term break",
        kind="term_break",
        start=august,
        end=august + timedelta(days=4),
        department_id=departments[0].id,
        now=now,
    )
    calendar.set_department_weekdays(
        session, actor, department_id=departments[-1].id, weekdays=[1, 2, 3, 4, 5, 6], now=now
    )
    sick, away, later, exempt = trainees[3], trainees[10 % len(trainees)], trainees[20 % len(trainees)], trainees[1]
    start = today - timedelta(days=120)
    approved = leave.request_leave(
        session,
        actor,
        trainee_id=sick.id,
        leave_type="medical",
        start=start,
        end=start + timedelta(days=4),
        reason="Appendicectomy and recovery",
        now=now - timedelta(days=119),
    )
    leave.decide_leave(session, actor, leave_id=approved.id, approve=True, now=now - timedelta(days=118))
    refused = leave.request_leave(
        session,
        summarize(away),
        trainee_id=away.id,
        leave_type="other",
        start=today - timedelta(days=30),
        end=today - timedelta(days=28),
        reason="Family wedding",
        now=now - timedelta(days=35),
    )
    leave.decide_leave(
        session,
        actor,
        leave_id=refused.id,
        approve=False,
        comment="Clashes with the audit week; please swap",
        now=now - timedelta(days=34),
    )
    leave.request_leave(
        session,
        summarize(later),
        trainee_id=later.id,
        leave_type="official duty",
        start=today + timedelta(days=7),
        end=today + timedelta(days=9),
        reason="Presenting at the regional conference",
        now=now - timedelta(hours=5),
    )
    condonations.request_condonation(
        session,
        actor,
        trainee_id=exempt.id,
        period=quarter_of(today).label,
        reason="Long-term illness, documented by occupational health",
        now=now - timedelta(hours=2),
    )
