"""Demo results: assessments with results in every state, a pending change request and a few
document requests (registered in core.demo.seed.EXTRA_SEEDERS)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.calendar import quarter_of
from core.clock import programme_date
from core.demo.tables import table_of
from core.models import Assessment, ChangeRequest, Department, DocumentRequest, Result, ResultHistory, User


@dataclass(frozen=True)
class _Plan:
    department: str
    title: str
    group: str
    weight: int
    days_ago: int
    max_score: int
    pass_mark: int
    state: str
    gated: bool = False


PLANS = (
    _Plan("Internal Medicine", "Year 2 written: paper 1", "Year 2 written", 40, 120, 100, 50, "frozen", gated=True),
    _Plan("Internal Medicine", "Year 2 written: paper 2", "Year 2 written", 40, 45, 100, 50, "published", gated=True),
    _Plan("Internal Medicine", "Year 2 written: viva", "Year 2 written", 20, 7, 40, 20, "draft"),
    _Plan("Internal Medicine", "Year 1 OSCE", "Year 1 clinical", 60, 200, 50, 25, "published"),
    _Plan("General Surgery", "Surgical skills assessment", "Surgery year 1", 100, 30, 100, 60, "published"),
)


def seed_results_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Assessments, results in draft/published/frozen with history, one pending change request
    (raised by admin2, so admin can decide it) and document requests in several states."""
    admins = {u.username: u for u in session.scalars(select(User).where(User.username.in_(("admin", "admin2"))))}
    admin = admins.get("admin")
    if admin is None:
        return
    departments = {d.name: d for d in session.scalars(select(Department))}
    trainees: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(User.role == "trainee").order_by(User.id)):
        trainees.setdefault(user.department_id or 0, []).append(user)
    published: list[Result] = []
    for plan in PLANS:
        department = departments.get(plan.department)
        if department is None:
            continue
        published += _seed_assessment(session, rng, now, plan, department, trainees.get(department.id, []), admin.id)
    second = admins.get("admin2")
    target = next((r for r in published if r.trainee_id != _user_id(session, "trainee")), None)
    if second is not None and target is not None:
        new_score = min(Decimal("100"), Decimal(str(target.score)) + Decimal("5"))
        session.add(
            ChangeRequest(
                result_id=target.id,
                requested_by_id=second.id,
                requested_at=now - timedelta(hours=3),
                old_score=target.score,
                new_score=new_score,
                status="pending",
                reason="Question 7 was marked against the old answer key.",
            )
        )
    _seed_documents(session, now, trainees, admin.id)
    session.flush()


def _seed_assessment(
    session: Session,
    rng: random.Random,
    now: datetime,
    plan: _Plan,
    department: Department,
    people: list[User],
    admin_id: int,
) -> list[Result]:
    held = programme_date(now) - timedelta(days=plan.days_ago)
    assessment = Assessment(
        title=plan.title,
        department_id=department.id,
        assessment_date=held,
        max_score=Decimal(plan.max_score),
        pass_mark=Decimal(plan.pass_mark),
        weight=Decimal(plan.weight),
        group_name=plan.group,
        eligibility_period=quarter_of(held).label if plan.gated else None,
        created_by_id=admin_id,
        created_at=now - timedelta(days=plan.days_ago + 14),
    )
    session.add(assessment)
    session.flush()
    entered = datetime.combine(held, datetime.min.time()) + timedelta(days=3, hours=10)
    published_at = entered + timedelta(days=4)
    frozen_at = published_at + timedelta(days=21)
    results: list[Result] = []
    for person in people:
        raw = max(0.0, min(1.0, rng.gauss(0.68, 0.13))) * plan.max_score
        results.append(
            Result(
                assessment_id=assessment.id,
                trainee_id=person.id,
                score=Decimal(str(round(raw * 2) / 2)),
                state=plan.state,
                entered_by_id=admin_id,
                entered_at=entered,
                updated_at=entered,
                published_by_id=admin_id if plan.state != "draft" else None,
                published_at=published_at if plan.state != "draft" else None,
                frozen_by_id=admin_id if plan.state == "frozen" else None,
                frozen_at=frozen_at if plan.state == "frozen" else None,
            )
        )
    session.add_all(results)
    session.flush()
    history: list[dict[str, object]] = []
    for r in results:
        history.append(
            {
                "result_id": r.id,
                "action": "entered",
                "actor_id": admin_id,
                "at": entered,
                "old_score": None,
                "new_score": r.score,
                "old_state": None,
                "new_state": "draft",
            }
        )
        if plan.state != "draft":
            history.append(
                {
                    "result_id": r.id,
                    "action": "published",
                    "actor_id": admin_id,
                    "at": published_at,
                    "old_score": r.score,
                    "new_score": r.score,
                    "old_state": "draft",
                    "new_state": "published",
                }
            )
        if plan.state == "frozen":
            history.append(
                {
                    "result_id": r.id,
                    "action": "frozen",
                    "actor_id": admin_id,
                    "at": frozen_at,
                    "old_score": r.score,
                    "new_score": r.score,
                    "old_state": "published",
                    "new_state": "frozen",
                }
            )
    if history:
        session.execute(insert(table_of(ResultHistory)), history)
    return [r for r in results if r.state == "published"]


def _seed_documents(session: Session, now: datetime, trainees: dict[int, list[User]], admin_id: int) -> None:
    people = [t for group in trainees.values() for t in group]
    if len(people) < 3:
        return
    demo_trainee = next((t for t in people if t.username == "trainee"), people[0])
    others = [t for t in people if t.id != demo_trainee.id]
    session.add_all(
        [
            DocumentRequest(
                trainee_id=demo_trainee.id,
                kind="transcript",
                details="For a fellowship application.",
                status="pending",
                requested_at=now - timedelta(days=1),
            ),
            DocumentRequest(
                trainee_id=others[0].id,
                kind="bonafide",
                details="Bank account opening.",
                status="approved",
                requested_at=now - timedelta(days=3),
                decided_by_id=admin_id,
                decided_at=now - timedelta(days=2),
            ),
            DocumentRequest(
                trainee_id=others[1].id,
                kind="noc",
                details="Conference travel abroad.",
                status="rejected",
                requested_at=now - timedelta(days=6),
                decided_by_id=admin_id,
                decided_at=now - timedelta(days=5),
                decision_comment="Please attach the conference invitation and re-apply.",
            ),
        ]
    )


def _user_id(session: Session, username: str) -> int | None:
    return session.scalar(select(User.id).where(User.username == username))
