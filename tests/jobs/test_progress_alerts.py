"""Behind on logbook targets joins the at-risk alerts (issue 17) through the attendance_alerts job."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select

from core.config import Settings
from core.db import make_session_factory
from core.dto import SYSTEM_ACTOR
from core.models import Notification
from core.services.training import requirements
from jobs.attendance_alerts import run_attendance_alerts_job
from tests.factories import NOW, make_department, make_user

MARCH = datetime(2027, 3, 1, 6, 0)  # past half-way through the Aug 2026 - Jul 2027 training year


def test_a_trainee_behind_is_told_once_and_their_supervisor_gets_a_digest(
    committed_engine: Engine, tmp_path: Path
) -> None:
    factory = make_session_factory(committed_engine)
    settings = Settings(database_url=committed_engine.url.render_as_string(hide_password=False), report_dir=tmp_path)
    with factory.begin() as session:
        department = make_department(session)
        supervisor = make_user(session, "supervisor", department=department)
        behind = make_user(session, "trainee", department=department, supervisor=supervisor)
        no_year = make_user(session, "trainee", department=department, supervisor=supervisor)
        behind.training_year = 1
        requirements.create_requirement(session, SYSTEM_ACTOR, training_year=1, category="case", minimum=4, now=NOW)
        ids = (behind.id, no_year.id, supervisor.id)

    counts = run_attendance_alerts_job(factory, now=MARCH, settings=settings)
    again = run_attendance_alerts_job(factory, now=MARCH + timedelta(days=7), settings=settings)

    assert (counts["behind"], counts["behind_told"], counts["behind_digests"]) == (1, 1, 1)
    assert (again["behind"], again["behind_told"], again["behind_digests"]) == (1, 0, 0)
    with factory() as session:
        notes = {
            user: [
                (n.title, n.body, n.link)
                for n in session.scalars(select(Notification).where(Notification.user_id == user))
            ]
            for user in ids
        }
    assert notes[ids[0]] == [
        (
            "Behind on logbook targets for training year 1",
            "Behind: 4 × case: 0 of 4. 4 × case: 4 more approved needed.",
            "/progress",
        )
    ]
    assert notes[ids[1]] == []
    assert [title for title, _, _ in notes[ids[2]]] == ["Logbook progress: 1 of your trainees fell behind"]
