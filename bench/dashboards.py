"""Benchmark the dashboard read services on roll-ups against the naive pandas path.

    python -m bench.dashboards --db postgresql+psycopg://root@127.0.0.1:5432/bench_dash --scale 1 [--reset]

Generates scale x 1,000,000 attendance records and scale x 250,000 logbook entries for 2,000
trainees in 20 departments with 60 supervisors over two years, or `scale` years from scale 2 up
(`--scale 10`: ten years, 10M + 2.5M rows; COPY on PostgreSQL, executemany on
SQLite; use a small --scale there), rebuilds the roll-ups, then times every read service behind
/dashboard for an admin and for a supervisor (median of 7 warm runs; also the slowest single SQL
statement of each run), the naive alternative (load the raw rows of the same 12 months into pandas
and group there), a one-month roll-up refresh and an approval that refreshes its month.
The last line printed is JSON:
  {"max_query_ms": ..., "overview_ms": ..., "naive_ms": ..., "overview_vs_naive": ..., "per_query_ms": {...}, ...}
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, event, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from core.calendar import add_months, month_start
from core.clock import utcnow
from core.db import make_engine, make_session_factory
from core.dto import DashboardFilters, UserSummary
from core.migrate import upgrade_to_head
from core.models import AttendanceRecord, Base, Department, LogbookEntry, User
from core.models.rollups import LogbookMonthRollup
from core.services.dashboards import analytics, rollups
from core.services.dashboards import overview as analytics_overview
from core.services.dashboards import trainees as analytics_trainees

DEPARTMENTS, SUPERVISORS, TRAINEES = 20, 60, 2_000


def _days(scale: float) -> int:
    """The history's span: two years up to scale 2, then one year per unit (--scale 10 = ten years of
    1M attendance rows each); a dashboard's 12 months then hold a year's rows of a large programme."""
    return round(365 * max(2.0, scale))


RUNS = 7
ATTENDANCE_COLUMNS = ["trainee_id", "session_date", "session", "department_id", "status"]
ENTRY_COLUMNS = [
    "trainee_id",
    "department_id",
    "title",
    "case_date",
    "category",
    "description",
    "status",
    "submitted_at",
    "decided_at",
    "verified_by_id",
    "created_at",
    "updated_at",
]


def _log(message: str) -> None:
    print(message, flush=True)


def _reset(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


def _load_people(factory: sessionmaker[Session]) -> pd.DataFrame:
    """Departments, an admin, supervisors and trainees; returns the trainees (id, department, supervisor)."""
    with factory.begin() as session:
        session.execute(insert(Department), [{"name": f"Department {d + 1:02d}"} for d in range(DEPARTMENTS)])
        dept_ids = list(session.scalars(select(Department.id).order_by(Department.id)))
        session.execute(insert(User), [{"username": "bench.admin", "full_name": "Bench Admin", "role": "admin"}])
        session.execute(
            insert(User),
            [
                {
                    "username": f"bench.sup{s:03d}",
                    "full_name": f"Dr Supervisor {s:03d}",
                    "role": "supervisor",
                    "department_id": dept_ids[s % DEPARTMENTS],
                }
                for s in range(SUPERVISORS)
            ],
        )
        sups = session.execute(
            select(User.id, User.department_id).where(User.role == "supervisor").order_by(User.id)
        ).all()
        session.execute(
            insert(User),
            [
                {
                    "username": f"bench.tr{t:05d}",
                    "full_name": f"Trainee {t:05d}",
                    "role": "trainee",
                    "department_id": sups[t % SUPERVISORS][1],
                    "supervisor_id": sups[t % SUPERVISORS][0],
                    "registration_number": f"B-{t:05d}",
                    "created_at": datetime(2020, 1, 1),
                }
                for t in range(TRAINEES)
            ],
        )
        rows = session.execute(
            select(User.id, User.department_id, User.supervisor_id).where(User.role == "trainee").order_by(User.id)
        ).all()
    return pd.DataFrame(rows, columns=["id", "department_id", "supervisor_id"])


def _attendance_frame(trainees: pd.DataFrame, scale: float, today: date, rng: np.random.Generator) -> pd.DataFrame:
    """scale x 1M records: every trainee at the same sessions, spread evenly over `_days(scale)`, in date order."""
    per_trainee = round(500 * scale)
    days = _days(scale)
    start = today - timedelta(days=days)
    weekdays = [start + timedelta(days=i) for i in range(days) if (start + timedelta(days=i)).weekday() < 5]
    slots = ["AM", "PM", "Grand round", "Evening"][: max(1, -(-per_trainee // len(weekdays)))]
    combos = [(d, s) for d in weekdays for s in slots]
    chosen = [combos[i] for i in np.linspace(0, len(combos) - 1, per_trainee).astype(int)]
    n = len(chosen) * len(trainees)
    rate = np.repeat(
        rng.choice([0.97, 0.93, 0.9, 0.86, 0.82, 0.78, 0.7, 0.62], len(trainees))[None, :], len(chosen), axis=0
    ).ravel()
    roll = rng.random(n)
    status = np.where(
        roll < rate * 0.94,
        "present",
        np.where(roll < rate, "late", np.where(roll < rate + (1 - rate) * 0.3, "excused", "absent")),
    )
    return pd.DataFrame(
        {
            "trainee_id": np.tile(trainees["id"].to_numpy(), len(chosen)),
            "session_date": np.repeat([d for d, _ in chosen], len(trainees)),
            "session": np.repeat([s for _, s in chosen], len(trainees)),
            "department_id": np.tile(trainees["department_id"].to_numpy(), len(chosen)),
            "status": status,
        }
    )


def _entry_frame(trainees: pd.DataFrame, scale: float, now: datetime, rng: np.random.Generator) -> pd.DataFrame:
    """scale x 250k entries over `_days(scale)`, in case-date order, with a realistic verification state."""
    n = round(250_000 * scale)
    pick = rng.integers(0, len(trainees), n)
    age = np.sort(rng.integers(0, _days(scale), n))[::-1]
    case_day = pd.to_datetime(now.date()) - pd.to_timedelta(age, unit="D")
    submitted = case_day + pd.to_timedelta(18 + rng.integers(0, 48, n), unit="h")
    submitted = submitted.where(submitted < pd.Timestamp(now), pd.Timestamp(now) - pd.Timedelta(hours=1))
    pending_share = np.select([age < 30, age < 90, age < 365], [0.6, 0.15, 0.01], 0.002)
    roll = rng.random(n)
    status = np.select(
        [roll < pending_share, roll < pending_share + 0.02, roll < pending_share + 0.05, roll < pending_share + 0.07],
        ["pending", "draft", "returned", "rejected"],
        "approved",
    )
    decided_flag = np.isin(status, ["approved", "returned", "rejected"])
    decided = submitted + pd.to_timedelta(rng.integers(1, 15 * 24, n), unit="h")
    decided = decided.where(decided < pd.Timestamp(now), pd.Timestamp(now))
    supervisor = trainees["supervisor_id"].to_numpy()[pick]
    return pd.DataFrame(
        {
            "trainee_id": trainees["id"].to_numpy()[pick],
            "department_id": trainees["department_id"].to_numpy()[pick],
            "title": "Case",
            "case_date": case_day.date,
            "category": rng.choice(["case", "procedure", "teaching"], n),
            "description": "History, examination, management and outcome.",
            "status": status,
            "submitted_at": pd.Series(submitted).where(status != "draft", None),
            "decided_at": pd.Series(decided).where(decided_flag, None),
            "verified_by_id": pd.Series(supervisor).where(decided_flag, None).astype("Int64"),
            "created_at": submitted,
            "updated_at": submitted,
        }
    )


def _copy(engine: Engine, table: str, frame: pd.DataFrame, model: Any) -> None:
    if engine.dialect.name == "postgresql":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="")
        raw = engine.raw_connection()
        try:
            statement = f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)"
            with raw.driver_connection.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
                copy.write(buffer.getvalue())
            raw.commit()
        finally:
            raw.close()
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    with engine.begin() as conn:
        for i in range(0, len(records), 20_000):
            conn.execute(insert(model), records[i : i + 20_000])


class StatementTimer:
    """Records the duration of every SQL statement while enabled."""

    def __init__(self, engine: Engine) -> None:
        self.durations: list[float] = []
        self.enabled = False
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, *_: Any) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn: Any, *_: Any) -> None:
        if self.enabled:
            self.durations.append(time.perf_counter() - conn.info.pop("bench_t0", time.perf_counter()))


def _time(
    factory: sessionmaker[Session], timer: StatementTimer, call: Callable[[Session], object]
) -> tuple[float, float]:
    """(median total ms, median of the slowest statement ms) over RUNS warm runs."""
    totals, slowest = [], []
    for run in range(RUNS + 1):
        with factory() as session:
            timer.durations, timer.enabled = [], True
            started = time.perf_counter()
            call(session)
            elapsed = time.perf_counter() - started
            timer.enabled = False
        if run:
            totals.append(elapsed)
            slowest.append(max(timer.durations, default=0.0))
    return round(statistics.median(totals) * 1000, 2), round(statistics.median(slowest) * 1000, 2)


def _services(
    filters: DashboardFilters, drill: DashboardFilters, today: date, trainee_id: int
) -> dict[str, Callable[[Session, UserSummary], object]]:
    return {
        "overview": lambda s, a: analytics_overview.get_overview(s, a, filters=filters, today=today),
        "options": lambda s, a: analytics.dashboard_options(s, a),
        "logbook_trend": lambda s, a: analytics.logbook_trend(s, a, filters=filters),
        "compliance_by_department": lambda s, a: analytics.compliance_by_department(s, a, filters=filters),
        "compliance_by_supervisor": lambda s, a: analytics.compliance_by_supervisor(s, a, filters=filters),
        "compliance_trend": lambda s, a: analytics.compliance_trend(s, a, filters=filters),
        "turnaround": lambda s, a: analytics.verification_turnaround(s, a, filters=filters),
        "pending_ageing": lambda s, a: analytics.pending_ageing(s, a, filters=filters, now=utcnow()),
        "attendance_by_department": lambda s, a: analytics.attendance_by_department(s, a, filters=filters),
        "attendance_trend": lambda s, a: analytics.attendance_trend(s, a, filters=filters),
        "at_risk": lambda s, a: analytics_trainees.at_risk(s, a, filters=filters, today=today),
        "department_trainees": lambda s, a: analytics_trainees.department_trainees(s, a, filters=drill),
        "trainee_entries": lambda s, a: analytics_trainees.trainee_entries(
            s, a, trainee_id=trainee_id, filters=filters
        ),
        "trainee_attendance": lambda s, a: analytics_trainees.trainee_attendance(
            s, a, trainee_id=trainee_id, filters=filters
        ),
    }


def _naive(engine: Engine, start: date, end: date) -> dict[str, pd.DataFrame]:
    """The same 12-month trend, compliance and attendance figures, from raw rows grouped in pandas."""
    users = pd.read_sql(select(User.id, User.department_id, User.supervisor_id).where(User.role == "trainee"), engine)
    entries = pd.read_sql(
        select(LogbookEntry.trainee_id, LogbookEntry.case_date, LogbookEntry.status).where(
            LogbookEntry.case_date >= start, LogbookEntry.case_date < end
        ),
        engine,
    )
    entries = entries[entries["status"] != "draft"].merge(users, left_on="trainee_id", right_on="id")
    entries["month"] = pd.to_datetime(entries["case_date"]).dt.strftime("%Y-%m")
    entries["verified"] = entries["status"].isin(["approved", "returned", "rejected"])
    trend = entries.groupby(["month", "department_id"]).size()
    compliance = entries.groupby("department_id")["verified"].agg(["sum", "count"])
    records = pd.read_sql(
        select(AttendanceRecord.trainee_id, AttendanceRecord.session_date, AttendanceRecord.status).where(
            AttendanceRecord.session_date >= start, AttendanceRecord.session_date < end
        ),
        engine,
    )
    records = records.merge(users, left_on="trainee_id", right_on="id")
    records["month"] = pd.to_datetime(records["session_date"]).dt.strftime("%Y-%m")
    records["attended"] = records["status"].isin(["present", "late"])
    attendance = records.groupby(["month", "department_id"])["attended"].agg(["sum", "count"])
    return {
        "trend": trend.reset_index(),
        "compliance": compliance.reset_index(),
        "attendance": attendance.reset_index(),
    }


def _refresh_timings(
    factory: sessionmaker[Session], admin: UserSummary, filters: DashboardFilters, today: date
) -> dict[str, float]:
    month = add_months(month_start(today), -6)
    samples = []
    for _ in range(3):
        with factory() as session, session.begin():
            started = time.perf_counter()
            rollups.refresh_attendance_months(session, [month])
            samples.append(time.perf_counter() - started)
            session.rollback()
    approvals, current = [], True
    for _ in range(3):
        with factory() as session, session.begin():
            entry = session.scalars(
                select(LogbookEntry).where(LogbookEntry.status == "pending").order_by(LogbookEntry.case_date).limit(1)
            ).one()
            before = analytics_overview.get_overview(session, admin, filters=filters, today=today, running=True)
            started = time.perf_counter()
            session.execute(
                update(LogbookEntry)
                .where(LogbookEntry.id == entry.id)
                .values(
                    status="approved",
                    decided_at=utcnow(),
                    decided_by_id=admin.id,
                    verified_by_id=admin.id,
                    verified_at=utcnow(),
                )
            )
            # as core.services.logbook.approvals does: that month, that trainee's rows
            rollups.refresh_logbook_months(session, [entry.case_date], trainee_ids=[entry.trainee_id])
            approvals.append(time.perf_counter() - started)
            row = session.get(LogbookMonthRollup, (month_start(entry.case_date), entry.trainee_id))
            after = analytics_overview.get_overview(session, admin, filters=filters, today=today, running=True)
            verified = {c.key: c for c in after.cards}["verified"]
            old = {c.key: c for c in before.cards}["verified"]
            in_period = filters.start <= month_start(entry.case_date) <= filters.end
            current = (
                current
                and row is not None
                and row.approved >= 1
                and (verified.value == (old.value or 0) + 1 if in_period else True)
            )
    return {
        "refresh_attendance_month_ms": round(statistics.median(samples) * 1000, 1),
        "approval_with_refresh_ms": round(statistics.median(approvals) * 1000, 1),
        "rollups_current_in_same_transaction": current,
    }


def _generate(
    engine: Engine, factory: sessionmaker[Session], scale: float, now: datetime
) -> tuple[dict[str, int], float]:
    """Generate and load the bench data, rebuild the roll-ups; the row counts and the rebuild's seconds."""
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    trainees = _load_people(factory)
    attendance = _attendance_frame(trainees, scale, now.date(), rng)
    entries = _entry_frame(trainees, scale, now, rng)
    generated = time.perf_counter()
    _copy(engine, "attendance_records", attendance, AttendanceRecord)
    _copy(engine, "logbook_entries", entries[ENTRY_COLUMNS], LogbookEntry)
    loaded = time.perf_counter()
    _log(
        f"generated {len(attendance):,} attendance + {len(entries):,} logbook rows in {generated - started:.1f} s, "
        f"loaded in {loaded - generated:.1f} s ({engine.dialect.name})"
    )
    with factory.begin() as session:
        rollups.rebuild_all(session)
    rebuilt = time.perf_counter()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    _log(f"rebuilt every roll-up in {rebuilt - loaded:.1f} s")
    return {"attendance": len(attendance), "logbook": len(entries)}, round(rebuilt - loaded, 1)


def _existing_rows(factory: sessionmaker[Session]) -> dict[str, int]:
    with factory() as session:
        attendance = session.scalar(select(func.count()).select_from(AttendanceRecord)) or 0
        logbook = session.scalar(select(func.count()).select_from(LogbookEntry)) or 0
    return {"attendance": int(attendance), "logbook": int(logbook)}


def _actor(session: Session, username: str) -> UserSummary:
    user = session.scalars(select(User).where(User.username == username)).one()
    return UserSummary(
        id=user.id, username=user.username, full_name=user.full_name, role=user.role, department_id=user.department_id
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (a dedicated, disposable database)")
    parser.add_argument("--scale", type=float, default=1.0, help="N: N x 1M attendance, N x 250k logbook rows")
    parser.add_argument("--reset", action="store_true", help="empty a database that already holds data")
    parser.add_argument(
        "--reuse", action="store_true", help="time the data an earlier run generated here (no generation, no reset)"
    )
    args = parser.parse_args(argv)

    engine = make_engine(args.db)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        existing = session.scalar(select(func.count(User.id))) or 0
    if existing and not (args.reset or args.reuse):
        print(f"The database already holds {existing} users; pass --reset to empty it first.", file=sys.stderr)
        return 2
    now = utcnow()
    today = now.date()
    if existing and args.reuse:
        rows, rebuild_s = _existing_rows(factory), None
        _log(f"reusing {rows['attendance']:,} attendance + {rows['logbook']:,} logbook rows")
    else:
        if existing:
            _reset(engine)
        rows, rebuild_s = _generate(engine, factory, args.scale, now)

    with factory() as session:
        admin = _actor(session, "bench.admin")
        supervisor = _actor(session, "bench.sup000")
        department = session.scalar(select(func.min(Department.id)))
        trainee_id = session.scalar(select(func.min(User.id)).where(User.supervisor_id == supervisor.id))
        assert trainee_id is not None, "the bench data gives every supervisor trainees"
    end = month_start(today)
    filters = DashboardFilters(start=add_months(end, -11), end=end)
    drill = DashboardFilters(start=filters.start, end=filters.end, department_id=department)
    timer = StatementTimer(engine)
    per_query: dict[str, float] = {}
    slowest: dict[str, float] = {}
    for label, viewer in (("admin", admin), ("supervisor", supervisor)):
        for name, call in _services(filters, drill, today, trainee_id).items():
            total, worst = _time(factory, timer, lambda s, c=call, v=viewer: c(s, v))
            per_query[f"{label}.{name}"], slowest[f"{label}.{name}"] = total, worst
            _log(f"{label:10s} {name:26s} {total:8.2f} ms (slowest statement {worst:.2f} ms)")

    naive_samples = []
    for run in range(4):
        t0 = time.perf_counter()
        _naive(engine, filters.start, add_months(filters.end, 1))
        if run:
            naive_samples.append(time.perf_counter() - t0)
    naive_ms = round(statistics.median(naive_samples) * 1000, 1)
    ours = sum(
        per_query[f"admin.{n}"] for n in ("logbook_trend", "compliance_by_department", "attendance_by_department")
    )
    _log(
        f"naive pandas (12-month trend + compliance + attendance by department): {naive_ms} ms; "
        f"the same three services: {ours:.1f} ms ({naive_ms / ours:.0f}x); "
        f"the whole overview (one round trip for its figures): {per_query['admin.overview']:.1f} ms "
        f"({naive_ms / per_query['admin.overview']:.0f}x)"
    )
    refresh = _refresh_timings(factory, admin, filters, today)
    _log(f"refresh: {refresh}")
    result = {
        "max_query_ms": max(slowest.values()),
        "overview_ms": per_query["admin.overview"],
        "naive_ms": naive_ms,
        "speedup_vs_naive": round(naive_ms / ours, 1),
        "overview_vs_naive": round(naive_ms / per_query["admin.overview"], 1),
        "max_service_ms": max(v for k, v in per_query.items() if not k.endswith(".overview")),
        "per_query_ms": per_query,
        "slowest_statement_ms": slowest,
        **refresh,
        "rebuild_all_s": rebuild_s,
        "rows": rows,
        "database": engine.dialect.name,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
