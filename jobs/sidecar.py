"""The scheduler sidecar: wait to become leader, then run the schedule until stopped.

Only the leader (see jobs.leader) starts the BlockingScheduler; a standby keeps beating with
role 'standby' and polls for the lock, taking over within `lock_poll_seconds` of the leader's
death. The job store lives in the same database, so a new leader catches up missed runs
(coalesced into one) instead of dropping them.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_STARTED, SchedulerEvent
from apscheduler.executors.base import run_job
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Engine

from core.clock import utcnow
from core.config import Settings
from core.rules.values import JobTrigger, SchedulerRole
from core.services.operations.jobs import mark_interrupted_runs, remove_heartbeat
from jobs.common import SessionFactory
from jobs.heartbeat import run_heartbeat
from jobs.leader import LeaderLock, make_leader_lock
from jobs.runner import execute_job, record_failed_run
from jobs.schedule import effective_schedule, read_overrides, register_jobs, sync_jobs

log = logging.getLogger("jobs.sidecar")

_scheduled_time = threading.local()
_active: Sidecar | None = None


class RecordingExecutor(ThreadPoolExecutor):
    """A thread pool that tells the job which scheduled time it is running for."""

    def _do_submit_job(self, job: Job, run_times: list[datetime]) -> None:
        def call() -> Any:
            _scheduled_time.value = run_times[-1]
            try:
                return run_job(job, job._jobstore_alias, run_times, self._logger.name)
            finally:
                _scheduled_time.value = None

        def done(future: Any) -> None:
            exc = future.exception()
            if exc:
                self._run_job_error(job.id, exc, exc.__traceback__)
            else:
                self._run_job_success(job.id, future.result())

        self._pool.submit(call).add_done_callback(done)


def run_scheduled(job_id: str) -> None:
    """What the scheduler calls (by reference, from the job store) for every job."""
    sidecar = _active
    if sidecar is None:
        log.error("job %s fired outside a running sidecar: ignored", job_id)
        return
    scheduled = getattr(_scheduled_time, "value", None)
    scheduled_for = scheduled.astimezone(UTC).replace(tzinfo=None) if scheduled is not None else None
    if job_id == "heartbeat":
        sidecar.beat()
        return
    execute_job(
        job_id,
        sidecar.session_factory,
        settings=sidecar.settings,
        trigger=JobTrigger.SCHEDULE,
        scheduled_for=scheduled_for,
        triggered_by="scheduler",
        instance=sidecar.instance,
    )


class SidecarScheduler(BlockingScheduler):
    """A BlockingScheduler that does not process due jobs once it is shutting down.

    Without this, the wake-up that ends the main loop would hand a due job to the stopped
    executor, which fails, and APScheduler would still advance the job's next run: a lost run.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()  # type: ignore[no-any-return]


def build_scheduler(engine: Engine, settings: Settings) -> BlockingScheduler:
    """A BlockingScheduler with its job store in the portal's database."""
    return SidecarScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        executors={"default": RecordingExecutor(max_workers=4)},
        job_defaults={"coalesce": True, "max_instances": 1},
        timezone=ZoneInfo(settings.timezone),
    )


class Sidecar:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        session_factory: SessionFactory,
        *,
        lock_poll_seconds: float = 5.0,
        lock: LeaderLock | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.session_factory = session_factory
        self.lock_poll_seconds = lock_poll_seconds
        self.lock = lock or make_leader_lock(engine)
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = utcnow()
        self.scheduler: BlockingScheduler | None = None
        self.exit_code = 0
        self._stopping = threading.Event()
        self._overrides: dict[str, str] = {}

    def run(self) -> int:
        """Block until stopped: standby until the lock is ours, then run the schedule."""
        global _active
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        log.info("sidecar %s waiting for the %s", self.instance, self.lock.description)
        while not self._stopping.is_set():
            if self.lock.try_acquire():
                break
            self._beat_safely(SchedulerRole.STANDBY)
            self._stopping.wait(self.lock_poll_seconds)
        if self._stopping.is_set():
            self._forget()
            return self.exit_code
        log.info("sidecar %s is the leader; starting the schedule (timezone %s)", self.instance, self.settings.timezone)
        with self.session_factory.begin() as session:
            interrupted = mark_interrupted_runs(session, now=utcnow())
        if interrupted:
            log.warning("marked %d run(s) interrupted by the previous leader as failed", interrupted)
        self.scheduler = build_scheduler(self.engine, self.settings)
        self.scheduler.add_listener(self._on_started, EVENT_SCHEDULER_STARTED)
        _active = self
        try:
            self.scheduler.start(paused=True)
        finally:
            _active = None
            self.lock.release()
            self._forget()
        return self.exit_code

    def beat(self) -> None:
        """The leader's heartbeat: prove the lock is still ours, apply changed overrides, record next runs."""
        if not self.lock.still_held():
            log.critical("the scheduler lock was lost (database connection?): stopping so another sidecar can lead")
            self.exit_code = 3
            self.stop()
            return
        overrides = read_overrides(self.session_factory)
        if overrides != self._overrides and self.scheduler is not None:
            changes = sync_jobs(self.scheduler, effective_schedule(overrides), self.settings.timezone)
            log.info("schedule overrides changed: %s", changes)
            self._overrides = overrides
        self._beat_safely(SchedulerRole.LEADER)

    def stop(self) -> None:
        self._stopping.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def _on_started(self, _event: SchedulerEvent) -> None:
        assert self.scheduler is not None
        self._overrides = read_overrides(self.session_factory)
        changes = register_jobs(self.scheduler, self.session_factory, self.settings)
        log.info("schedule synced: %s", changes or "no changes")
        self._beat_safely(SchedulerRole.LEADER)
        self.scheduler.resume()

    def _next_runs(self) -> dict[str, str | None]:
        if self.scheduler is None:
            return {}
        return {
            job.id: job.next_run_time.isoformat(timespec="seconds") if job.next_run_time else None
            for job in self.scheduler.get_jobs()
        }

    def _beat_safely(self, role: SchedulerRole) -> None:
        started = utcnow()
        try:
            run_heartbeat(
                self.session_factory,
                now=started,
                settings=self.settings,
                instance=self.instance,
                role=role,
                started_at=self.started_at,
                next_runs=self._next_runs() if role == SchedulerRole.LEADER else None,
            )
        except Exception as exc:  # noqa: BLE001 - a missed beat shows as a stale heartbeat; keep running
            log.exception("could not record the heartbeat")
            # Successful beats are not kept as runs (1,440 a day); a failed one is, like any failed job.
            record_failed_run(
                self.session_factory,
                "heartbeat",
                exc,
                started=started,
                trigger=JobTrigger.SCHEDULER,
                instance=self.instance,
            )

    def _forget(self) -> None:
        try:
            with self.session_factory.begin() as session:
                remove_heartbeat(session, instance=self.instance)
        except Exception:  # noqa: BLE001 - shutting down anyway
            log.exception("could not remove the heartbeat row")

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping the sidecar", signum)
        self.stop()
