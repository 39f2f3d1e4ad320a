"""Scenario builders shared by several test tiers (integration services, UI pages).

Each builder adds its rows through the given session and flushes; the caller owns the transaction
(the rolled-back `session` fixture, or a committing factory such as the UI tier's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import LogbookEntry, User
from core.services.dashboards import rollups
from core.services.results import assessments as results_assessments
from core.services.results import scores as results_scores
from core.services.results import transitions as results_transitions
from tests.factories import actor, make_attendance, make_department, make_entry, make_user, suffix

# The dashboard world ------------------------------------------------------------------------------

DASHBOARD_TODAY = date(2026, 11, 20)


@dataclass
class DashboardWorld:
    """The dashboard world, against which the dashboard figures are computed by hand.

    Today = 2026-11-20, period = November 2026, previous period = October 2026:

      Alpha (supervisor S1): A1 — Nov: 3 approved (1, 3, 10 days), 1 pending (submitted 11-02), 1 draft;
                                   also 2025-12-01 approved and 2025-11-30 approved (12 months back).
                             A2 — Nov: 1 approved (2 days), 1 returned (4 days), 2 pending (submitted
                                   11-13 23:59 and 11-12 00:00); also a pending entry of 2026-09-01.
      Beta  (supervisor S2): B1 — Nov: 1 rejected (0 days), 2 approved (6 and 8 days).
      Gamma: only an inactive trainee C1 with no records.

      Compliance Nov: Alpha 5/8 = 62.50, Beta 3/3 = 100.00, Gamma "–"; pooled 8/11 = 72.73
      (the mean of the departments would be 81.25). Median turnaround of 0,1,2,3,4,6,8,10 = 3.5 days.
      Attendance Nov: A1 P L A E (2/4), A2 P P P A (3/4), B1 P P (2/2) -> 7/10 = 70.00; Oct: A1 P A -> 50.00.
      Q4 eligibility at 75%: A1 3/6 = 50.00 (needs 6 more), A2 3/4 = 75.00, B1 2/2 -> 2 of 3 active = 66.67.
    """

    admin: UserSummary
    leadership: UserSummary
    s1: UserSummary
    s2: UserSummary
    a1: UserSummary
    a2: UserSummary
    b1: UserSummary
    alpha: int
    beta: int
    gamma: int
    s2_id: int


def logbook_entry(
    session: Session, trainee: User, status: str, case: date, submitted: datetime | None = None, days: int | None = None
) -> LogbookEntry:
    """A logbook entry submitted at 09:00 on its case date (unless `submitted`), decided `days` later."""
    submitted = submitted or datetime(case.year, case.month, case.day, 9, 0)
    entry = make_entry(session, trainee, status=status, case_date=case, submitted_at=submitted)
    if days is not None:
        entry.decided_at = submitted.replace(hour=17) + timedelta(days=days)
    return entry


def build_dashboard_world(session: Session) -> DashboardWorld:
    """Add the dashboard world (see `DashboardWorld`) and rebuild the roll-ups."""
    alpha, beta, gamma = (make_department(session, f"{name} {suffix()}") for name in ("Alpha", "Beta", "Gamma"))
    admin, leadership = make_user(session, "admin"), make_user(session, "leadership")
    s1, s2 = make_user(session, "supervisor", department=alpha), make_user(session, "supervisor", department=beta)
    a1 = make_user(session, "trainee", department=alpha, supervisor=s1)
    a2 = make_user(session, "trainee", department=alpha, supervisor=s1)
    b1 = make_user(session, "trainee", department=beta, supervisor=s2)
    make_user(session, "trainee", department=gamma, active=False)
    for user in (admin, leadership, s1, s2, a1, a2):
        user.created_at = datetime(2026, 1, 1)
    b1.created_at = datetime(2026, 11, 10)
    nov2 = date(2026, 11, 2)
    for days in (1, 3, 10):
        logbook_entry(session, a1, "approved", nov2, days=days)
    logbook_entry(session, a1, "pending", nov2, datetime(2026, 11, 2, 9))
    logbook_entry(session, a1, "draft", nov2)
    logbook_entry(session, a1, "approved", date(2025, 12, 1), days=1)
    logbook_entry(session, a1, "approved", date(2025, 11, 30), days=1)
    logbook_entry(session, a2, "approved", nov2, days=2)
    logbook_entry(session, a2, "returned", nov2, days=4)
    logbook_entry(session, a2, "pending", date(2026, 11, 10), datetime(2026, 11, 13, 23, 59))
    logbook_entry(session, a2, "pending", date(2026, 11, 10), datetime(2026, 11, 12, 0, 0))
    logbook_entry(session, a2, "pending", date(2026, 9, 1), datetime(2026, 9, 2, 9))
    logbook_entry(session, b1, "rejected", nov2, days=0)
    for days in (6, 8):
        logbook_entry(session, b1, "approved", nov2, days=days)
    for i, status in enumerate(("present", "late", "absent", "excused")):
        make_attendance(session, a1, date(2026, 11, 2 + i), status)
    for i, status in enumerate(("present", "present", "present", "absent")):
        make_attendance(session, a2, date(2026, 11, 2 + i), status)
    for i in range(2):
        make_attendance(session, b1, date(2026, 11, 2 + i), "present")
    make_attendance(session, a1, date(2026, 10, 5), "present")
    make_attendance(session, a1, date(2026, 10, 6), "absent")
    rollups.rebuild_all(session)
    return DashboardWorld(
        admin=actor(session, admin),
        leadership=actor(session, leadership),
        s1=actor(session, s1),
        s2=actor(session, s2),
        a1=actor(session, a1),
        a2=actor(session, a2),
        b1=actor(session, b1),
        alpha=alpha.id,
        beta=beta.id,
        gamma=gamma.id,
        s2_id=s2.id,
    )


def add_dashboard_results(session: Session, world: DashboardWorld) -> None:
    """Paper 1 (gated on 2026-Q4) published for a1 and a2; Paper 2 left as a draft."""
    for title, publish in (("Paper 1", True), ("Paper 2", False)):
        created = results_assessments.create_assessment(
            session,
            world.admin,
            title=title,
            department_id=world.alpha,
            assessment_date=date(2026, 11, 20),
            max_score=100,
            pass_mark=50,
            weight=40,
            group_name=f"Y2 {world.alpha} {title}",
            now=datetime(2026, 11, 20, 10),
            eligibility_period="2026-Q4",
        )
        by_registration = {world.a1.registration_number: "72.5", world.a2.registration_number: "40"}
        results_scores.save_scores(
            session,
            world.admin,
            assessment_id=created.id,
            scores={str(k): v for k, v in by_registration.items()},
            now=datetime(2026, 11, 20, 10),
        )
        if publish:
            results_transitions.publish_results(
                session, world.admin, assessment_id=created.id, now=datetime(2026, 11, 20, 10)
            )
