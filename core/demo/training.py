"""Demo training progress (issue 17): training years and cohorts with their history, logbook targets,
and department-scoped weighted assessment groups (registered in core.demo.seed.EXTRA_SEEDERS).

The demo programme's training year is set to have started seven months ago, so the 'behind' rule
(half-way by default) already applies and a new user sees trainees both on track and behind.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.calendar import add_months, month_start
from core.clock import programme_date
from core.dto import SYSTEM_ACTOR
from core.models import Department, Setting, TrainingYearChange, User
from core.rules.progress import compute_training_year_window
from core.services.results import assessments, scores, transitions
from core.services.training import requirements

MONTHS_INTO_YEAR = 7
# (training year, category, minimum, title or None, department or None)
TARGETS = (
    (1, "case", 16, None, None),
    (1, "procedure", 8, None, None),
    (1, "procedure", 10, None, "General Surgery"),
    (1, "procedure", 2, "Central line insertion", None),
    (2, "case", 16, None, None),
    (2, "procedure", 8, None, None),
    (2, "procedure", 1, "Lumbar puncture", None),
    (3, "case", 15, None, None),
    (3, "procedure", 8, None, None),
)
# Two departments each run a "Final exam" group at 100 %: written 70 % + OSCE 30 %.
FINAL_EXAM = (("Final exam: written", 70, 100, 50, 40), ("Final exam: OSCE", 30, 40, 20, 35))


def seed_training_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Training years 1-3 with cohorts and history, targets per year, and weighted groups."""
    today = programme_date(now)
    start_month = add_months(month_start(today), -MONTHS_INTO_YEAR).month
    session.add(Setting(key="training_year_start_month", value=start_month, updated_at=now))
    session.flush()
    start, _ = compute_training_year_window(today, start_month)
    trainees = list(session.scalars(select(User).where(User.role == "trainee").order_by(User.id)))
    for index, trainee in enumerate(trainees):
        year = 1 + index % 3
        trainee.training_year = year
        trainee.cohort = f"{start.year - year + 1} intake"
        for step in range(1, year + 1):
            effective = start.replace(year=start.year - (year - step))
            session.add(
                TrainingYearChange(
                    trainee_id=trainee.id,
                    from_year=None if step == 1 else step - 1,
                    to_year=step,
                    from_cohort=None if step == 1 else trainee.cohort,
                    to_cohort=trainee.cohort,
                    effective_on=effective,
                    reason="set" if step == 1 else "promotion",
                    actor_id=None,
                    at=datetime.combine(effective, datetime.min.time()),
                )
            )
    session.flush()
    departments = {d.name: d.id for d in session.scalars(select(Department))}
    for year, category, minimum, title, department in TARGETS:
        requirements.create_requirement(
            session,
            SYSTEM_ACTOR,
            training_year=year,
            category=category,
            minimum=minimum,
            title=title,
            department_id=departments.get(department) if department else None,
            now=now,
        )
    for name in ("General Surgery", "Paediatrics"):
        if name in departments:
            _final_exam(
                session, rng, now, departments[name], [t for t in trainees if t.department_id == departments[name]]
            )


def _final_exam(session: Session, rng: random.Random, now: datetime, department_id: int, people: list[User]) -> None:
    held = programme_date(now) - timedelta(days=40)
    for title, weight, maximum, pass_mark, days_later in FINAL_EXAM:
        created = assessments.create_assessment(
            session,
            SYSTEM_ACTOR,
            title=title,
            department_id=department_id,
            assessment_date=held + timedelta(days=days_later - 40),
            max_score=maximum,
            pass_mark=pass_mark,
            weight=weight,
            group_name="Final exam",
            now=now - timedelta(days=50),
        )
        marks: dict[str, object] = {
            str(p.registration_number): f"{round(max(0.0, min(1.0, rng.gauss(0.7, 0.12))) * maximum * 2) / 2:g}"
            for p in people
        }
        if marks:
            scores.save_scores(
                session, SYSTEM_ACTOR, assessment_id=created.id, scores=marks, now=now - timedelta(days=9)
            )
            transitions.publish_results(session, SYSTEM_ACTOR, assessment_id=created.id, now=now - timedelta(days=7))
