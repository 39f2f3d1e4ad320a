"""run-job: run any scheduled job now, through the same runner the scheduler uses; the heartbeat check."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from sqlalchemy import Engine

from core.clock import at_programme_date, programme_date, utcnow
from core.config import Settings
from core.db import make_session_factory
from core.rules.values import JobRunStatus, JobTrigger
from core.services.operations.jobs import check_heartbeat
from jobs.runner import JOBS, execute_job
from portal.cli.common import session_factory_for
from portal.cli.foundation import READINESS_CHECKS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add this module's commands."""
    p = subparsers.add_parser(
        "run-job",
        help="run a scheduled job now (recorded in the job history like a scheduled run)",
        description="Jobs: " + ", ".join(JOBS) + ". Exit status 1 when the run fails.",
    )
    p.add_argument("name", choices=list(JOBS), metavar="NAME")
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="run as if the programme's today were this date (current time of day)",
    )
    p.add_argument("--dry-run", action="store_true", help="preview only (weekly_cleanup): count, delete nothing")
    p.set_defaults(handler=cmd_run_job)


def cmd_run_job(args: argparse.Namespace, settings: Settings) -> int:
    now = at_programme_date(args.as_of, utcnow(), settings.timezone) if args.as_of else utcnow()
    summary = execute_job(
        args.name,
        session_factory_for(settings),
        now=now,
        settings=settings,
        trigger=JobTrigger.CLI,
        dry_run=args.dry_run,
        triggered_by="cli",
    )
    counts = json.dumps(summary.counts or {}, default=str, sort_keys=False)
    day = programme_date(now, settings.timezone)
    label = f"{args.name}{' (dry run)' if args.dry_run else ''} as of {day.isoformat()} ({now:%Y-%m-%d %H:%M} UTC)"
    if summary.status in (JobRunStatus.FAILED, JobRunStatus.PARTIAL):
        first_line = (summary.error or "").splitlines()[0] if summary.error else "unknown error"
        print(f"error: {label} failed: {first_line}", file=sys.stderr)
        return 1
    print(f"{label}: {summary.status} {counts}")
    return 0


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def heartbeat_check(engine: Engine, settings: Settings) -> tuple[bool, str]:
    """Readiness: with SCHEDULER_EXPECTED, fail when the sidecar's heartbeat is over 5 minutes old."""
    if not settings.scheduler_expected:
        return True, "scheduler heartbeat not checked (SCHEDULER_EXPECTED is off)"
    try:
        with make_session_factory(engine)() as session:
            return check_heartbeat(session, now=utcnow())
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as "not ready"
        return False, f"scheduler heartbeat unreadable: {exc.__class__.__name__}: {exc}"


if heartbeat_check not in READINESS_CHECKS:
    READINESS_CHECKS.append(heartbeat_check)
