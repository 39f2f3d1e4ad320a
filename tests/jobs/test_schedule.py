"""The registered schedule table: ids, triggers, one instance at a time, coalescing, overrides."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.config import Settings
from core.db import make_engine, make_session_factory
from core.dto import SYSTEM_ACTOR
from core.migrate import upgrade_to_head
from core.rules.schedule import JOB_NAMES, compute_schedule_overrides
from core.services.settings import update_setting
from jobs.schedule import ENTRY_POINT, SCHEDULE, effective_schedule, register_jobs, sync_jobs

EXPECTED = {
    "monthly_eligibility": {"minute": "0", "hour": "1", "day": "1", "month": "*", "day_of_week": "*"},
    "weekly_leadership_pack": {"minute": "0", "hour": "7", "day": "*", "month": "*", "day_of_week": "mon"},
    "daily_reminders": {"minute": "0", "hour": "8", "day": "*", "month": "*", "day_of_week": "*"},
    "weekly_cleanup": {"minute": "0", "hour": "3", "day": "*", "month": "*", "day_of_week": "sun"},
    "nightly_backup": {"minute": "0", "hour": "2", "day": "*", "month": "*", "day_of_week": "*"},
}


@pytest.fixture
def database(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'sched.db'}")
    upgrade_to_head(engine)
    yield engine, make_session_factory(engine)
    engine.dispose()


def _paused(store: object | None = None, timezone: str = "UTC") -> BackgroundScheduler:
    scheduler = BackgroundScheduler(jobstores={"default": store or MemoryJobStore()}, timezone=ZoneInfo(timezone))
    scheduler.start(paused=True)
    return scheduler


def _fields(trigger: CronTrigger) -> dict[str, str]:
    return {f.name: str(f) for f in trigger.fields if f.name in ("minute", "hour", "day", "month", "day_of_week")}


def test_register_jobs_builds_the_whole_table_with_stable_ids_and_safe_options(database) -> None:  # type: ignore[no-untyped-def]
    _engine, factory = database
    scheduler = _paused(timezone="Africa/Nairobi")
    try:
        changes = register_jobs(scheduler, factory, Settings(timezone="Africa/Nairobi"))
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(changes) == set(JOB_NAMES) == set(jobs)
    for job_id, fields in EXPECTED.items():
        trigger = jobs[job_id].trigger
        assert isinstance(trigger, CronTrigger) and _fields(trigger) == fields
        assert str(trigger.timezone) == "Africa/Nairobi"
    heartbeat = jobs["heartbeat"].trigger
    assert isinstance(heartbeat, IntervalTrigger) and heartbeat.interval == timedelta(minutes=1)
    for job in jobs.values():
        assert (job.max_instances, job.coalesce) == (1, True)
        assert job.func_ref == ENTRY_POINT and list(job.args) == [job.id]
    assert jobs["monthly_eligibility"].misfire_grace_time is None  # a missed month always catches up
    assert jobs["heartbeat"].misfire_grace_time == 30


def test_the_setting_overrides_a_job_and_bad_text_is_refused(database) -> None:  # type: ignore[no-untyped-def]
    _engine, factory = database
    with factory.begin() as session:
        update_setting(
            session,
            SYSTEM_ACTOR,
            key="job_schedule",
            value="daily_reminders = 30 9 * * mon-fri; weekly_cleanup=every 12h",
            now=datetime(2026, 1, 1),
        )
    scheduler = _paused()
    try:
        register_jobs(scheduler, factory, Settings())
        reminders = scheduler.get_job("daily_reminders").trigger
        cleanup = scheduler.get_job("weekly_cleanup").trigger
    finally:
        scheduler.shutdown(wait=False)
    assert _fields(reminders) == {"minute": "30", "hour": "9", "day": "*", "month": "*", "day_of_week": "mon-fri"}
    assert cleanup.interval == timedelta(hours=12)
    for bad in ("daily_reminders=9am", "backupz=every 1h", "heartbeat=every 1m; heartbeat=every 2m"):
        with pytest.raises(ValueError):
            compute_schedule_overrides(bad)


def test_sync_keeps_a_run_missed_while_down_and_reschedules_only_what_changed(database) -> None:  # type: ignore[no-untyped-def]
    engine, _factory = database
    first = _paused(SQLAlchemyJobStore(engine=engine))
    sync_jobs(first, SCHEDULE, "UTC")
    first.shutdown(wait=False)
    # The sidecar was down when weekly_cleanup was due three days ago.
    missed = datetime.now(ZoneInfo("UTC")) - timedelta(days=3)
    store = SQLAlchemyJobStore(engine=engine)
    store.start(BackgroundScheduler(timezone=ZoneInfo("UTC")), "default")
    job = store.lookup_job("weekly_cleanup")
    job._modify(next_run_time=missed)
    store.update_job(job)

    restarted = _paused(SQLAlchemyJobStore(engine=engine))
    try:
        changes = sync_jobs(restarted, effective_schedule({"daily_reminders": "0 9 * * *"}), "UTC")
        cleanup = restarted.get_job("weekly_cleanup")
    finally:
        restarted.shutdown(wait=False)
    assert changes == {"daily_reminders": "rescheduled to 0 9 * * *"}
    assert cleanup.next_run_time == missed  # still due: one coalesced catch-up run on resume
