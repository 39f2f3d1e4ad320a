"""Benchmark logbook progress (issue 17): 2,000 trainees x 8 targets over 250,000 entries.

    python -m bench.progress --db postgresql+psycopg://root@127.0.0.1:5432/bench_progress [--reset]

Generates 2,000 trainees in 20 departments (years 1-3) and 250,000 logbook entries over two years
(COPY on PostgreSQL), with titles from a 20-procedure vocabulary; 8 targets for each trainee's year
(4 by category, 4 naming a title; one department's case target overrides the programme's); rebuilds
the roll-ups; then times
`core.services.training.progress.list_progress` for an admin (every trainee) and for a supervisor
(median of 7 warm runs), and an approval that keeps the roll-up current at commit. The last line
printed is JSON: {"progress_all_ms": ..., "progress_supervisor_ms": ..., "approve_ms": ..., ...}
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from bench.dashboards import DAYS, ENTRY_COLUMNS, _copy, _load_people, _log, _reset
from core.clock import today as programme_today
from core.clock import utcnow
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.migrate import upgrade_to_head
from core.models import LogbookEntry, LogbookRequirement, LogbookTitleRollup, Setting, User
from core.rules.values import Role
from core.services.dashboards import rollups
from core.services.logbook import approvals
from core.services.training import progress

RUNS = 7
ENTRIES = 250_000
PROCEDURES = [f"Procedure {p:02d}" for p in range(18)] + ["Central line insertion", "Chest drain"]


def _entries(trainees: pd.DataFrame, now: datetime, rng: np.random.Generator) -> pd.DataFrame:
    n = ENTRIES
    pick = rng.integers(0, len(trainees), n)
    age = np.sort(rng.integers(0, DAYS, n))[::-1]
    case_day = pd.to_datetime(now.date()) - pd.to_timedelta(age, unit="D")
    category = rng.choice(["case", "procedure", "teaching", "other"], n, p=[0.5, 0.3, 0.1, 0.1])
    titles = np.where(category == "procedure", rng.choice(PROCEDURES, n), "Case")
    status = np.where(rng.random(n) < 0.85, "approved", np.where(age < 30, "pending", "returned"))
    decided = status != "pending"
    submitted = case_day + pd.Timedelta(hours=20)
    return pd.DataFrame(
        {
            "trainee_id": trainees["id"].to_numpy()[pick],
            "department_id": trainees["department_id"].to_numpy()[pick],
            "title": titles,
            "case_date": case_day.date,
            "category": category,
            "description": "History, examination, management and outcome.",
            "status": status,
            "submitted_at": submitted,
            "decided_at": pd.Series(submitted + pd.Timedelta(days=2)).where(decided, None),
            "verified_by_id": pd.Series(trainees["supervisor_id"].to_numpy()[pick])
            .where(decided, None)
            .astype("Int64"),
            "created_at": submitted,
            "updated_at": submitted,
        }
    )[ENTRY_COLUMNS]


def _timed(call: object) -> float:
    times = []
    for _ in range(RUNS + 1):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True)
    parser.add_argument("--reset", action="store_true")
    args = parser.parse_args()
    engine = make_engine(args.db)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    now = utcnow()
    today = programme_today()
    with factory() as session:
        loaded = session.scalar(select(func.count()).select_from(LogbookEntry)) or 0
    if args.reset or loaded != ENTRIES:
        _reset(engine)
        _log("loading 2,000 trainees and 250,000 entries ...")
        trainees = _load_people(factory)
        rng = np.random.default_rng(17)
        with factory.begin() as session:
            for year in (1, 2, 3):
                session.execute(
                    update(User).where(User.role == "trainee", User.id % 3 == year - 1).values(training_year=year)
                )
        _copy(engine, "logbook_entries", _entries(trainees, now, rng), LogbookEntry)
        with factory.begin() as session:
            session.add(Setting(key="training_year_start_month", value=(today.month - 6 - 1) % 12 + 1, updated_at=now))
            dept = session.scalar(select(User.department_id).where(User.role == "trainee").limit(1))
            targets = []
            for year in (1, 2, 3):
                titled = ("Central line insertion", "Chest drain", "Procedure 01", "Procedure 02")
                targets += [
                    {"training_year": year, "category": "case", "minimum": 8 * year},
                    {"training_year": year, "category": "procedure", "minimum": 4 * year},
                    {"training_year": year, "category": "teaching", "minimum": 2},
                    {"training_year": year, "category": "other", "minimum": 1},
                    {"training_year": year, "category": "case", "minimum": 10 * year, "department_id": dept},
                ]
                targets += [
                    {"training_year": year, "category": "procedure", "minimum": 2, "title": t, "title_key": t.lower()}
                    for t in titled
                ]
            session.execute(insert(LogbookRequirement), targets)
            start = time.perf_counter()
            rollups.rebuild_all(session)
            _log(f"roll-ups rebuilt in {time.perf_counter() - start:.1f} s")
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:  # fresh statistics after a bulk load, as autovacuum would soon give
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    with factory() as session:
        rows = session.scalar(select(func.count()).select_from(LogbookTitleRollup))
        admin = session.scalars(select(User).where(User.role == Role.ADMIN)).first()
        sup = session.scalars(select(User).where(User.role == Role.SUPERVISOR).order_by(User.id)).first()
        assert admin is not None and sup is not None
        admin_actor = UserSummary(id=admin.id, username=admin.username, full_name=admin.full_name, role=Role.ADMIN)
        sup_actor = UserSummary(id=sup.id, username=sup.username, full_name=sup.full_name, role=Role.SUPERVISOR)
        found = progress.list_progress(session, admin_actor, today=today)
        targets_each = statistics.mean(len(p.targets) for p in found)
        behind = sum(p.behind for p in found)
        all_ms = _timed(lambda: progress.list_progress(session, admin_actor, today=today))
        sup_ms = _timed(lambda: progress.list_progress(session, sup_actor, today=today))
    _log(f"{len(found)} trainees, {targets_each:.1f} targets each, {behind} behind; title roll-up rows: {rows}")
    _log(f"progress, every trainee (admin): median {all_ms:.1f} ms over {RUNS} warm runs")
    _log(f"progress, one supervisor's trainees: median {sup_ms:.1f} ms")
    approve = []
    for _ in range(5):
        with factory.begin() as session:
            entry = LogbookEntry(
                trainee_id=found[0].trainee_id,
                title="Chest drain",
                case_date=today - timedelta(days=1),
                category="procedure",
                description="Bench.",
                status="pending",
                submitted_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(entry)
            session.flush()
            supervisor = session.scalar(select(User.supervisor_id).where(User.id == entry.trainee_id))
            sup_row = session.get(User, supervisor)
            assert sup_row is not None
            actor = UserSummary(
                id=sup_row.id, username=sup_row.username, full_name=sup_row.full_name, role=Role.SUPERVISOR
            )
            start = time.perf_counter()
            approvals.approve_entry(session, actor, entry.id, now=now)
            approve.append((time.perf_counter() - start) * 1000)
            after = progress.get_trainee_progress(session, actor, trainee_id=entry.trainee_id, today=today)
            assert any(t.title == "Chest drain" for t in after.targets)
    approve_ms = statistics.median(approve)
    _log(f"approval with its roll-up refresh (progress current at commit): median {approve_ms:.1f} ms")
    print(
        json.dumps(
            {
                "trainees": len(found),
                "targets_each": round(targets_each, 1),
                "entries": ENTRIES,
                "progress_all_ms": round(all_ms, 1),
                "progress_supervisor_ms": round(sup_ms, 1),
                "approve_ms": round(approve_ms, 1),
                "title_rollup_rows": rows,
                "dialect": engine.dialect.name,
                "today": today.isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main()
