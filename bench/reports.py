"""Benchmark report generation and the jobs on the demo data set.

    python -m bench.reports [--db URL] [--runs 3]

Without --db a fresh SQLite file in a temporary directory is used; with a PostgreSQL URL the
database must be empty or hold the demo data. Times, as medians of --runs runs (ms):
  pack_ms                the leadership pack PDF (all trainees), archived,
  logbook_summary_ms     the logbook summary as XLSX (one year),
  eligibility_list_ms    the eligibility list as XLSX (one month),
  reminders_ms           daily_reminders (second run of the day: nothing new sent),
  cleanup_dry_run_ms     weekly_cleanup --dry-run,
  backup_ms              nightly_backup (SQLite backup API or pg_dump -Fc).
The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from core.clock import utcnow
from core.config import Settings
from core.db import make_engine, make_session_factory
from core.demo.seed import seed_demo
from core.dto import SYSTEM_ACTOR
from core.migrate import upgrade_to_head
from core.services.reports.exports import generate_eligibility_list, generate_logbook_summary
from core.services.reports.pack import generate_leadership_pack
from jobs.runner import execute_job


def _median_ms(runs: int, action: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = args.db or f"sqlite:///{work / 'bench.db'}"
    settings = Settings(database_url=url, report_dir=work / "reports", backup_dir=work / "backups", backup_keep=2)
    engine = make_engine(url)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    now = utcnow()
    with factory.begin() as session:
        seed_demo(session, password="bench-password-1", now=now)

    def in_session(build: Callable[..., Any], **kwargs: Any) -> Callable[[], Any]:
        def run() -> Any:
            with factory.begin() as session:
                return build(session, SYSTEM_ACTOR, now=utcnow(), **kwargs)

        return run

    def job(name: str, **kwargs: Any) -> Callable[[], Any]:
        return lambda: execute_job(name, factory, settings=settings, **kwargs)

    job("daily_reminders")()
    figures = {
        "database": engine.dialect.name,
        "pack_ms": _median_ms(args.runs, in_session(generate_leadership_pack, programme="Bench")),
        "logbook_summary_ms": _median_ms(
            args.runs, in_session(generate_logbook_summary, period=now.strftime("%Y"), file_format="xlsx")
        ),
        "eligibility_list_ms": _median_ms(
            args.runs, in_session(generate_eligibility_list, period=now.strftime("%Y-%m"))
        ),
        "reminders_ms": _median_ms(args.runs, job("daily_reminders")),
        "cleanup_dry_run_ms": _median_ms(args.runs, job("weekly_cleanup", dry_run=True)),
        "backup_ms": _median_ms(args.runs, job("nightly_backup")),
        "runs": args.runs,
    }
    for key, value in figures.items():
        print(f"{key}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
