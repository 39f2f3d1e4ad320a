"""Demo data for the logbook: a realistic queue for every supervisor, status history, notifications."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.clock import programme_date
from core.demo.tables import table_of
from core.models import LogbookEntry, LogbookStatusChange, Notification, User

QUEUE_TITLES = (
    ("case", "Acute kidney injury on the ward"),
    ("procedure", "Arterial blood gas sampling"),
    ("case", "New-onset atrial fibrillation"),
    ("procedure", "Ultrasound-guided cannulation"),
    ("teaching", "Teaching session: fluid prescribing"),
    ("case", "Hyperkalaemia management"),
    ("other", "Discharge summary audit"),
)
# Days since submission: two fresh, two over a week, two over a fortnight (the long-pending ones).
QUEUE_AGES = (1, 3, 9, 12, 17, 33)


def seed_logbook_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Give every supervisor a queue with long-pending entries; add history and inbox items."""
    supervisors = session.execute(
        select(User.id, User.full_name).where(User.role == "supervisor").order_by(User.id)
    ).all()
    trainees: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    for t_id, sup_id, dept_id, name in session.execute(
        select(User.id, User.supervisor_id, User.department_id, User.full_name)
        .where(User.role == "trainee", User.supervisor_id.is_not(None))
        .order_by(User.id)
    ):
        if sup_id is not None:  # always, by the WHERE; says so to the type checker
            trainees[sup_id].append((t_id, dept_id, name))
    rows = []
    for sup_id, _ in supervisors:
        for age in QUEUE_AGES:
            if not trainees[sup_id]:
                break
            t_id, dept_id, _name = rng.choice(trainees[sup_id])
            category, title = rng.choice(QUEUE_TITLES)
            submitted = now - timedelta(days=age, hours=rng.randint(1, 9))
            rows.append(
                {
                    "trainee_id": t_id,
                    "department_id": dept_id,
                    "title": title,
                    "category": category,
                    "case_date": programme_date(submitted - timedelta(days=rng.randint(0, 2))),
                    "description": "History, examination, investigations, management and outcome recorded.",
                    "reflection": rng.choice((None, "Would escalate sooner next time.", "Good team communication.")),
                    "status": "pending",
                    "submitted_at": submitted,
                    "created_at": submitted - timedelta(hours=1),
                    "updated_at": submitted,
                }
            )
    if rows:
        session.execute(insert(table_of(LogbookEntry)), rows)
    _ensure_demo_trainee_variety(session, now)
    _seed_history(session)
    _seed_notifications(session, [(s_id, name) for s_id, name in supervisors], now)


def _ensure_demo_trainee_variety(session: Session, now: datetime) -> None:
    # The demo login `trainee` should always have something to edit and resubmit.
    trainee_id = session.scalar(select(User.id).where(User.username == "trainee"))
    supervisor_id = session.scalar(select(User.supervisor_id).where(User.username == "trainee"))
    if trainee_id is None:
        return
    department_id = session.scalar(select(User.department_id).where(User.id == trainee_id))
    submitted = datetime.combine(programme_date(now) - timedelta(days=6), time(17))
    session.execute(
        insert(LogbookEntry),
        [
            {
                "trainee_id": trainee_id,
                "department_id": department_id,
                "title": "Upper GI bleed: endoscopy referral",
                "category": "case",
                "case_date": submitted.date(),
                "status": "returned",
                "description": "Haematemesis, Glasgow-Blatchford 9, transfused 2 units, OGD next morning.",
                "reflection": None,
                "submitted_at": submitted,
                "decided_at": submitted + timedelta(days=2),
                "verified_by_id": supervisor_id,
                "feedback": "Please add the pre-endoscopy risk score and your plan.",
                "created_at": submitted,
                "updated_at": submitted + timedelta(days=2),
            },
            {
                "trainee_id": trainee_id,
                "department_id": department_id,
                "title": "Pleural tap (draft)",
                "category": "procedure",
                "case_date": programme_date(now) - timedelta(days=1),
                "status": "draft",
                "description": "Diagnostic aspiration, 50 ml straw-coloured fluid.",
                "reflection": None,
                "submitted_at": None,
                "created_at": now - timedelta(hours=20),
                "updated_at": now - timedelta(hours=20),
            },
        ],
    )


def _seed_history(session: Session) -> None:
    entries = session.execute(
        select(
            LogbookEntry.id,
            LogbookEntry.trainee_id,
            LogbookEntry.status,
            LogbookEntry.submitted_at,
            LogbookEntry.decided_at,
            LogbookEntry.verified_by_id,
            LogbookEntry.feedback,
        ).where(LogbookEntry.status != "draft")
    ).all()
    history = []
    for e in entries:
        history.append(
            {
                "entry_id": e.id,
                "from_status": None,
                "to_status": "pending",
                "actor_id": e.trainee_id,
                "at": e.submitted_at,
                "comment": None,
            }
        )
        if e.status != "pending" and e.decided_at is not None:
            history.append(
                {
                    "entry_id": e.id,
                    "from_status": "pending",
                    "to_status": e.status,
                    "actor_id": e.verified_by_id,
                    "at": e.decided_at,
                    "comment": e.feedback,
                }
            )
    if history:
        session.execute(insert(table_of(LogbookStatusChange)), history)
    # Decisions without a recorded verifier get the trainee's supervisor (as the base demo intends).
    session.execute(
        update(LogbookEntry)
        .where(LogbookEntry.decided_at.is_not(None), LogbookEntry.verified_by_id.is_(None))
        .values(verified_by_id=select(User.supervisor_id).where(User.id == LogbookEntry.trainee_id).scalar_subquery())
    )


def _seed_notifications(session: Session, supervisors: list[tuple[int, str]], now: datetime) -> None:
    notes = []
    for sup_id, _ in supervisors:
        latest = session.execute(
            select(LogbookEntry.id, LogbookEntry.title, LogbookEntry.submitted_at, User.full_name)
            .join(User, User.id == LogbookEntry.trainee_id)
            .where(LogbookEntry.status == "pending", User.supervisor_id == sup_id)
            .order_by(LogbookEntry.submitted_at.desc())
            .limit(3)
        ).all()
        notes += [
            {
                "user_id": sup_id,
                "kind": "logbook_submitted",
                "title": f"Logbook entry to verify: {e.title}",
                "body": f"{e.full_name} submitted '{e.title}'.",
                "link": f"/approvals?entry={e.id}",
                "created_at": e.submitted_at or now,
            }
            for e in latest
        ]
    decided = session.execute(
        select(
            LogbookEntry.id,
            LogbookEntry.title,
            LogbookEntry.status,
            LogbookEntry.decided_at,
            LogbookEntry.feedback,
            LogbookEntry.trainee_id,
        )
        .join(User, User.id == LogbookEntry.trainee_id)
        .where(User.username == "trainee", LogbookEntry.decided_at.is_not(None))
        .order_by(LogbookEntry.decided_at.desc())
        .limit(3)
    ).all()
    notes += [
        {
            "user_id": e.trainee_id,
            "kind": f"logbook_{e.status}",
            "title": f"Logbook entry {e.status}: {e.title}",
            "body": f"Your supervisor {e.status} '{e.title}'." + (f" Feedback: {e.feedback}" if e.feedback else ""),
            "link": f"/logbook?entry={e.id}",
            "created_at": e.decided_at,
        }
        for e in decided
    ]
    if notes:
        session.execute(insert(table_of(Notification)), notes)


def record_deciders(session: Session) -> None:
    """Verified means approved: every decided entry names its decider in decided_by_id; only approved
    entries keep a verifier (verified_by_id / verified_at), as the approval service records them."""
    decided = LogbookEntry.decided_at.is_not(None)
    session.execute(
        update(LogbookEntry)
        .where(decided, LogbookEntry.decided_by_id.is_(None))
        .values(decided_by_id=LogbookEntry.verified_by_id)
    )
    session.execute(
        update(LogbookEntry)
        .where(decided, LogbookEntry.status == "approved")
        .values(verified_at=LogbookEntry.decided_at)
    )
    session.execute(
        update(LogbookEntry).where(LogbookEntry.status != "approved").values(verified_by_id=None, verified_at=None)
    )
