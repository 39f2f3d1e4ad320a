"""The attendance_alerts job on a real database: each level announced once, digests, preferences, idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db import make_session_factory
from core.models import AttendanceRecord, EmailPreference, JobRun, Notification, OutboxMessage, User
from jobs.attendance_alerts import run_attendance_alerts_job
from jobs.runner import execute_job
from tests.factories import make_attendance, make_department, make_user

# A Monday half-way through 2026-Q4; 14 programme sessions held so far (weekdays 2-13 Nov), about 13 left.
MONDAY = datetime(2026, 11, 16, 6, 0)
DAYS = [date(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13)]


@dataclass
class World:
    warning: int  # 11 of 14 (78.57%): above 75 but within the 5-point margin
    at_risk: int  # 6 of 10: 6 more needed, about 10 left
    out_of_reach: int  # 0 of 10: 30 more needed
    fine: int  # 10 of 10
    supervisor: int
    admin: int


@pytest.fixture
def factory(committed_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(committed_engine)


@pytest.fixture
def settings(committed_engine: Engine, tmp_path: Path) -> Settings:
    return Settings(database_url=committed_engine.url.render_as_string(hide_password=False), report_dir=tmp_path)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    with factory.begin() as session:
        department = make_department(session)
        supervisor = make_user(session, "supervisor", department=department)
        admin = make_user(session, "admin")
        ids = []
        for attended in (8, 6, 0, 10):
            trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
            for i, day in enumerate(DAYS):
                make_attendance(session, trainee, day, "present" if i < attended else "absent")
            ids.append(trainee.id)
        warned = session.get_one(User, ids[0])
        for i, day in enumerate(DAYS[:4]):  # afternoon sessions too: 11 of 14
            make_attendance(session, warned, day, "present" if i else "absent", slot="PM")
        return World(*ids, supervisor.id, admin.id)


def _notes(factory: sessionmaker[Session], user_id: int) -> list[tuple[str, str, str | None]]:
    with factory() as session:
        rows = session.execute(
            select(Notification.kind, Notification.title, Notification.body)
            .where(Notification.user_id == user_id)
            .order_by(Notification.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def test_each_level_is_announced_once_with_figures_and_digests(
    factory: sessionmaker[Session], settings: Settings, world: World
) -> None:
    counts = run_attendance_alerts_job(factory, now=MONDAY, settings=settings)
    assert (counts["warning"], counts["at_risk"], counts["out_of_reach"]) == (1, 1, 1)
    assert counts["period"] == "2026-Q4" and counts["supervisor_digests"] == 1 and counts["admin_digests"] >= 1
    [(kind, title, body)] = _notes(factory, world.at_risk)
    assert kind == "at_risk_warning" and title == "Attendance at risk in 2026-Q4"
    assert body is not None and "6 of 10 sessions (60%), threshold 75%" in body and "6 more" in body
    [(_, title, body)] = _notes(factory, world.out_of_reach)
    assert (
        title == "Attendance out of reach in 2026-Q4"
        and body is not None
        and "out of reach this period: 30 needed" in body
    )
    [(_, title, _body)] = _notes(factory, world.warning)
    assert title == "Attendance warning in 2026-Q4"
    assert _notes(factory, world.fine) == []
    [(kind, title, body)] = _notes(factory, world.supervisor)
    assert kind == "attendance_alert_digest" and "3 of your trainees" in title
    assert body is not None and body.splitlines()[0].startswith("out of reach:")
    assert any(k == "attendance_alert_digest" for k, _t, _b in _notes(factory, world.admin))

    again = run_attendance_alerts_job(factory, now=MONDAY + timedelta(hours=2), settings=settings)
    assert (again["warning"], again["at_risk"], again["out_of_reach"], again["supervisor_digests"]) == (0, 0, 0, 0)
    assert len(_notes(factory, world.at_risk)) == 1 and len(_notes(factory, world.supervisor)) == 1


def test_a_trainee_who_recovers_and_falls_again_is_told_again(
    factory: sessionmaker[Session], settings: Settings, world: World
) -> None:
    run_attendance_alerts_job(factory, now=MONDAY, settings=settings)
    with factory.begin() as session:  # the absences were recorded in error: 6 of 6 = 100%
        session.execute(
            delete(AttendanceRecord).where(
                AttendanceRecord.trainee_id == world.at_risk, AttendanceRecord.status == "absent"
            )
        )
    recovered = run_attendance_alerts_job(factory, now=MONDAY + timedelta(days=1), settings=settings)
    assert recovered["recovered"] >= 1 and recovered["at_risk"] == 0
    with factory.begin() as session:
        user = session.get_one(User, world.at_risk)
        for day in (date(2026, 11, 16), date(2026, 11, 17)):
            for slot in ("AM", "PM"):
                make_attendance(session, user, day, "absent", slot=slot)  # 6 of 10 again
    fallen = run_attendance_alerts_job(factory, now=MONDAY + timedelta(days=2), settings=settings)
    assert fallen["at_risk"] == 1
    titles = [t for _k, t, _b in _notes(factory, world.at_risk)]
    assert titles == ["Attendance at risk in 2026-Q4", "Attendance at risk in 2026-Q4"]


def test_email_follows_the_preference_and_the_run_records_its_counts(
    factory: sessionmaker[Session], settings: Settings, world: World
) -> None:
    with factory.begin() as session:
        session.add(EmailPreference(user_id=world.out_of_reach, event="at_risk", enabled=False))
    run = execute_job("attendance_alerts", factory, now=MONDAY, settings=settings, clock=lambda: MONDAY)
    assert run.status == "success" and run.counts is not None and run.counts["at_risk"] == 1
    with factory() as session:
        mailed = set(session.scalars(select(OutboxMessage.user_id).where(OutboxMessage.event == "at_risk")))
        assert world.at_risk in mailed and world.supervisor in mailed
        assert world.out_of_reach not in mailed  # in the inbox only
        assert session.scalar(select(func.count()).select_from(JobRun).where(JobRun.job_id == "attendance_alerts")) == 1
