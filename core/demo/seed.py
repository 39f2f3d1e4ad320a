"""A realistic, reproducible demo data set (fixed random seed, dates relative to `now`)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.calendar import add_months, month_start
from core.clock import programme_date
from core.demo.attendance import seed_attendance_demo
from core.demo.dashboards import seed_dashboards_demo
from core.demo.leave import seed_leave_demo
from core.demo.logbook import record_deciders, seed_logbook_demo
from core.demo.results import seed_results_demo
from core.demo.tables import insert_tuples, table_of
from core.demo.training import seed_training_demo
from core.models import AttendanceRecord, Department, LogbookEntry, Setting, User
from core.services.audit import record_event
from core.services.auth import hash_password
from core.services.dashboards import rollups

SEED = 2026
DEMO_MARKER = "demo_seeded"
DEPARTMENTS = (
    "Internal Medicine",
    "General Surgery",
    "Paediatrics",
    "Obstetrics & Gynaecology",
    "Anaesthesiology",
    "Emergency Medicine",
)
FIRST = (
    "Aisha",
    "Ben",
    "Chen",
    "Divya",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemi",
    "Liam",
    "Maya",
    "Nikhil",
    "Olga",
    "Pedro",
    "Qin",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zara",
)
LAST = (
    "Adeyemi",
    "Brown",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Gupta",
    "Hassan",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Usman",
    "Virtanen",
    "Wong",
    "Yilmaz",
    "Zhou",
)
TITLES = {
    "case": (
        "Community-acquired pneumonia",
        "Diabetic ketoacidosis",
        "Acute appendicitis",
        "Sepsis of unknown origin",
        "Upper GI bleed",
        "Febrile seizure",
        "Pre-eclampsia",
    ),
    "procedure": (
        "Central line insertion",
        "Lumbar puncture",
        "Chest drain",
        "Spinal anaesthesia",
        "Laparoscopic cholecystectomy (assisted)",
        "Endotracheal intubation",
    ),
    "teaching": (
        "Journal club presentation",
        "Grand round case talk",
        "Simulation session lead",
        "Bedside teaching for interns",
    ),
    "other": ("Audit: hand hygiene compliance", "Morbidity & mortality review", "Quality improvement project"),
}
SUPERVISORS_PER_DEPT = 2
TRAINEES_PER_DEPT = 25


@dataclass(frozen=True)
class DemoReport:
    created: bool
    users: int
    logbook_entries: int
    attendance_records: int


Seeder = Callable[[Session, random.Random, datetime], None]
SEEDER_STEPS = {
    "seed_logbook_demo": "Filling the supervisors' queues and inboxes",
    "seed_results_demo": "Adding assessments and results",
    "seed_dashboards_demo": "Back-dating the demo history",
    "seed_attendance_demo": "Importing an attendance file",
    "seed_training_demo": "Setting training years, targets and weighted groups",
    "seed_leave_demo": "Adding leave, a condonation and the programme calendar",
}
# Later capabilities append their own seeders (results, reports...) to this list.
EXTRA_SEEDERS: list[Seeder] = [
    seed_logbook_demo,
    seed_results_demo,
    seed_dashboards_demo,
    seed_attendance_demo,
    seed_training_demo,
    seed_leave_demo,
]


def is_seeded(session: Session) -> bool:
    """True once the demo data (or any user) exists."""
    return session.get(Setting, DEMO_MARKER) is not None or bool(session.scalar(select(func.count(User.id))))


Progress = Callable[[str, float], None]  # (what is being loaded, share done 0..1)


def seed_demo(session: Session, *, password: str, now: datetime, progress: Progress | None = None) -> DemoReport:
    """Load the demo data set unless the database already has users (idempotent).

    `progress` hears what is being loaded and the share done (the first start shows it). Rows go in with
    Core executemany inserts (every row with the same keys), not one ORM statement per row.
    """
    if is_seeded(session):
        return DemoReport(False, 0, 0, 0)
    tell = progress or (lambda _step, _done: None)
    rng = random.Random(SEED)
    tell("Creating the demo people", 0.05)
    password_hash = hash_password(password)
    trainees = _seed_people(session, rng, password_hash)
    tell("Writing 12 months of logbook entries", 0.1)
    entries = _seed_logbook(session, rng, now, trainees)
    tell("Writing 12 months of attendance", 0.25)
    records = _seed_attendance(session, rng, now, trainees)
    for index, seeder in enumerate(EXTRA_SEEDERS):
        tell(SEEDER_STEPS.get(seeder.__name__, "Loading the demo data"), 0.55 + 0.3 * index / len(EXTRA_SEEDERS))
        seeder(session, rng, now)
    tell("Computing the dashboard figures", 0.9)
    session.add(Setting(key=DEMO_MARKER, value=now.isoformat(timespec="seconds"), updated_at=now))
    record_event(
        session,
        actor=None,
        actor_username="system",
        action="demo_seeded",
        now=now,
        details={"trainees": len(trainees), "entries": entries, "attendance": records},
    )
    record_deciders(session)
    rollups.rebuild_all(session)
    session.flush()
    users = int(session.scalar(select(func.count(User.id))) or 0)
    return DemoReport(True, users, entries, records)


def _seed_people(session: Session, rng: random.Random, password_hash: str) -> list[User]:
    departments = [Department(name=name) for name in DEPARTMENTS]
    session.add_all(departments)
    session.flush()
    names = [f"{first} {last}" for first in FIRST for last in LAST]
    rng.shuffle(names)
    session.add_all(
        [
            User(
                username="admin",
                full_name="Amara Okoye (Programme Office)",
                role="admin",
                email="admin@example.org",
                password_hash=password_hash,
                failed_login_count=0,
            ),
            User(
                username="admin2",
                full_name="Rafael Mendes (Registrar)",
                role="admin",
                email="registrar@example.org",
                password_hash=password_hash,
                failed_login_count=0,
            ),
            User(
                username="leadership",
                full_name="Prof. Helen Carter (Dean)",
                role="leadership",
                email="dean@example.org",
                password_hash=password_hash,
                failed_login_count=0,
            ),
        ]
    )
    supervisors: list[User] = []
    for d_index, department in enumerate(departments):
        for s in range(SUPERVISORS_PER_DEPT):
            name = names.pop()
            username = "supervisor" if (d_index, s) == (0, 0) else f"sup.{name.split()[1].lower()}{d_index}{s}"
            supervisors.append(
                User(
                    username=username,
                    full_name=f"Dr {name}",
                    role="supervisor",
                    department_id=department.id,
                    email=f"{username}@example.org",
                    password_hash=password_hash,
                    failed_login_count=0,
                )
            )
    session.add_all(supervisors)
    session.flush()
    trainees: list[User] = []
    number = 0
    for d_index, department in enumerate(departments):
        dept_supervisors = supervisors[d_index * SUPERVISORS_PER_DEPT : (d_index + 1) * SUPERVISORS_PER_DEPT]
        for t in range(TRAINEES_PER_DEPT):
            number += 1
            name = names.pop()
            username = "trainee" if (d_index, t) == (0, 0) else f"tr.{name.split()[0].lower()}{number:03d}"
            trainees.append(
                User(
                    username=username,
                    full_name=name,
                    role="trainee",
                    department_id=department.id,
                    supervisor_id=dept_supervisors[t % len(dept_supervisors)].id,
                    registration_number=f"PG{2024 + number % 3}-{number:04d}",
                    email=f"{username}@example.org",
                    password_hash=password_hash,
                    failed_login_count=0,
                )
            )
    session.add_all(trainees)
    session.flush()
    return trainees


def _seed_logbook(session: Session, rng: random.Random, now: datetime, trainees: list[User]) -> int:
    today = programme_date(now)
    rows: list[dict[str, object]] = []
    for trainee in trainees:
        for months_back in range(12):
            for _ in range(rng.randint(2, 5)):
                case_date = today - timedelta(days=months_back * 30 + rng.randint(0, 29))
                category = rng.choices(list(TITLES), weights=(5, 3, 1, 1))[0]
                age = (today - case_date).days
                status = _pick_status(rng, age)
                submitted = datetime.combine(case_date, time(18)) + timedelta(days=rng.randint(0, 3))
                submitted = min(submitted, now - timedelta(hours=1))
                decided = submitted + timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 8))
                decided = min(decided, now - timedelta(minutes=5))
                is_decided = status in ("approved", "returned", "rejected")
                feedback = {
                    "approved": "Well documented.",
                    "returned": "Please add the management plan.",
                    "rejected": "Duplicate of an earlier entry.",
                }.get(status)
                rows.append(
                    {
                        "trainee_id": trainee.id,
                        "department_id": trainee.department_id,
                        "title": rng.choice(TITLES[category]),
                        "case_date": case_date,
                        "category": category,
                        "description": "Presentation, assessment, management and outcome recorded.",
                        "reflection": rng.choice(
                            (None, "Learned to escalate earlier.", "Consent discussion went well.")
                        ),
                        "status": status,
                        "submitted_at": None if status == "draft" else submitted,
                        "decided_at": decided if is_decided else None,
                        "verified_by_id": trainee.supervisor_id if is_decided else None,
                        "feedback": feedback,
                        "created_at": submitted - timedelta(hours=2),
                        "updated_at": decided if is_decided else submitted,
                    }
                )
    session.execute(insert(table_of(LogbookEntry)), rows)
    return len(rows)


def _pick_status(rng: random.Random, age_days: int) -> str:
    if age_days < 21:
        return rng.choices(("draft", "pending", "approved", "returned"), weights=(2, 6, 3, 1))[0]
    if age_days < 60:
        return rng.choices(("draft", "pending", "approved", "returned", "rejected"), weights=(1, 2, 10, 1, 1))[0]
    return rng.choices(("approved", "returned", "rejected", "pending"), weights=(20, 1, 1, 0.3))[0]


def _seed_attendance(session: Session, rng: random.Random, now: datetime, trainees: list[User]) -> int:
    today = programme_date(now)
    start = add_months(month_start(today), -12)
    days = [start + timedelta(days=i) for i in range((today - start).days)]
    weekdays = [d for d in days if d.weekday() < 5]
    rows: list[tuple[object, ...]] = []
    for trainee in trainees:
        rate = rng.choice((0.97, 0.93, 0.9, 0.86, 0.82, 0.78, 0.7, 0.62))
        trainee_id, department_id = trainee.id, trainee.department_id
        for day in weekdays:
            for slot in ("AM", "PM"):
                roll = rng.random()
                if roll < rate:
                    status = "late" if rng.random() < 0.06 else "present"
                elif roll < rate + (1 - rate) * 0.3:
                    status = "excused"
                else:
                    status = "absent"
                rows.append((trainee_id, day, slot, department_id, status))
    columns = ("trainee_id", "session_date", "session", "department_id", "status")
    insert_tuples(session, table_of(AttendanceRecord), columns, rows)
    return len(rows)
