"""Run now from /system is audited with the admin who pressed it (issue 14, item 5)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import PermissionDeniedError
from core.models import AuditEvent
from portal.operations import run_job_now
from tests.factories import actor, make_user
from tests.ui.conftest import UiDatabase


def test_run_now_records_the_admin_the_job_and_the_outcome(ui_db: UiDatabase) -> None:
    with ui_db.factory.begin() as session:
        admin = actor(session, make_user(session, "admin"))
        supervisor = actor(session, make_user(session, "supervisor"))
    with pytest.raises(PermissionDeniedError):
        run_job_now(supervisor, "daily_reminders")
    run = run_job_now(admin, "weekly_cleanup", dry_run=True)
    with ui_db.factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "job_run_now")).all()
    assert [(e.actor_id, e.actor_username, e.entity_id) for e in events] == [(admin.id, admin.username, str(run.id))]
    assert events[0].details == {"job": "weekly_cleanup", "dry_run": True, "status": run.status}
