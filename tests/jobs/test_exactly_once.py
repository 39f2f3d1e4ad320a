"""Two real sidecar processes on one database: only the leader runs jobs; the standby takes over.

PostgreSQL uses an advisory lock, SQLite a lock file. A job is scheduled every second through
the `job_schedule` setting, and the JobRun rows show who ran what.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_session_factory
from core.dto import SYSTEM_ACTOR
from core.models import JobRun, SchedulerHeartbeat
from core.services.settings import update_setting

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def sidecars(committed_engine: Engine, tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "DATABASE_URL": committed_engine.url.render_as_string(hide_password=False),
        "REPORT_DIR": str(tmp_path / "reports"),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "LOG_LEVEL": "INFO",
    }

    def start(name: str) -> subprocess.Popen[bytes]:
        log = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 - the child writes to it until it ends
        proc = subprocess.Popen(
            [sys.executable, "-m", "jobs", "--lock-poll", "0.3"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=20)
    with committed_engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS apscheduler_jobs")


def _runs(factory: sessionmaker[Session]) -> list[JobRun]:
    with factory() as session:
        return list(session.scalars(select(JobRun).where(JobRun.job_id == "daily_reminders").order_by(JobRun.id)))


def _role(factory: sessionmaker[Session], instance: str) -> str | None:
    with factory() as session:
        row = session.get(SchedulerHeartbeat, instance)
        return None if row is None else row.role


def test_two_sidecars_never_double_run_and_the_standby_takes_over(committed_engine, sidecars) -> None:  # type: ignore[no-untyped-def]
    factory = make_session_factory(committed_engine)
    with factory.begin() as session:
        update_setting(
            session, SYSTEM_ACTOR, key="job_schedule", value="daily_reminders=every 1s", now=datetime(2026, 1, 1)
        )
    host = socket.gethostname()
    first = sidecars("first")
    first_id = f"{host}:{first.pid}"
    _wait_for(lambda: _role(factory, first_id) == "leader", 30, "the first sidecar to lead")
    second = sidecars("second")
    second_id = f"{host}:{second.pid}"
    _wait_for(lambda: _role(factory, second_id) == "standby", 30, "the second sidecar to stand by")
    _wait_for(lambda: len(_runs(factory)) >= 4, 30, "four runs")
    while_both = _runs(factory)
    assert {r.instance for r in while_both} == {first_id}, "only the leader may run jobs"

    first.send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    first.wait(timeout=10)
    _wait_for(lambda: _role(factory, second_id) == "leader", 15, "the standby to take over")
    takeover = time.monotonic() - killed_at
    _wait_for(lambda: sum(r.instance == second_id for r in _runs(factory)) >= 3, 30, "runs by the new leader")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=20) == 0

    runs = _runs(factory)
    slots = [r.scheduled_for for r in runs]
    assert all(slots) and len(slots) == len(set(slots)), "a scheduled time ran twice"
    assert {r.instance for r in runs} == {first_id, second_id}
    assert all(r.trigger == "schedule" for r in runs)
    failed = [r for r in runs if r.status != "success"]
    # At most the run the first sidecar was in the middle of, marked interrupted by the new leader.
    assert len(failed) <= 1 and all("interrupted" in (r.error or "") for r in failed)
    ordered = sorted(slots)  # type: ignore[type-var]
    assert all((b - a).total_seconds() >= 0.99 for a, b in zip(ordered, ordered[1:], strict=False))
    assert takeover < 10
    assert _role(factory, second_id) is None  # a clean stop removes its heartbeat
