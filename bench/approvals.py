"""Benchmark the approval queue and bulk approval at scale.

    python -m bench.approvals --db postgresql+psycopg://root@127.0.0.1:5432/bench_approvals [--reset]

Loads about 250k logbook entries (2,000 trainees, 40 supervisors, two years) with COPY on
PostgreSQL (executemany on SQLite), then times, as medians of --runs runs:
  queue_ms      get_approval_queue for a supervisor (the call behind /approvals),
  bulk_200_ms   bulk_approve of 200 pending entries, including the commit.
The last line printed is JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from core.clock import utcnow
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.migrate import upgrade_to_head
from core.models import Base, Department, LogbookEntry, User
from core.services.dashboards import rollups
from core.services.logbook import approvals

ENTRY_COLUMNS = (
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
    "feedback",
    "created_at",
    "updated_at",
)


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


def _load_people(factory: sessionmaker[Session], trainees: int, supervisors: int) -> list[tuple[int, int, int]]:
    """Create departments, supervisors and trainees; returns (trainee id, department id, supervisor id)."""
    departments = max(1, supervisors // 2)
    with factory.begin() as session:
        session.execute(insert(Department), [{"name": f"Department {d:02d}"} for d in range(departments)])
        dept_ids = list(session.scalars(select(Department.id).order_by(Department.id)))
        session.execute(insert(User), [{"username": "bench.admin", "full_name": "Bench Admin", "role": "admin"}])
        session.execute(
            insert(User),
            [
                {
                    "username": f"bench.sup{s:03d}",
                    "full_name": f"Dr Supervisor {s:03d}",
                    "role": "supervisor",
                    "department_id": dept_ids[s % departments],
                }
                for s in range(supervisors)
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
                    "department_id": sups[t % supervisors][1],
                    "supervisor_id": sups[t % supervisors][0],
                    "registration_number": f"B-{t:05d}",
                }
                for t in range(trainees)
            ],
        )
        rows = session.execute(
            select(User.id, User.department_id, User.supervisor_id).where(User.role == "trainee").order_by(User.id)
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _entry_rows(trainees: list[tuple[int, int, int]], count: int, now: datetime, rng: random.Random):  # type: ignore[no-untyped-def]
    categories = ("case", "case", "procedure", "teaching", "other")
    for n in range(count):
        trainee_id, dept_id, sup_id = trainees[n % len(trainees)]
        age = rng.randint(0, 729)
        case_day = now.date() - timedelta(days=age)
        submitted = datetime.combine(case_day, datetime.min.time()) + timedelta(hours=18 + rng.randint(0, 48))
        submitted = min(submitted, now - timedelta(hours=1))
        roll = rng.random()
        # Most pending entries are recent, with a long tail of forgotten ones (like a real queue).
        pending_share = 0.60 if age < 30 else 0.15 if age < 90 else 0.01 if age < 365 else 0.002
        if roll < pending_share:
            status = "pending"
        elif roll < pending_share + 0.02:
            status = "draft"
        elif roll < pending_share + 0.05:
            status = "returned"
        elif roll < pending_share + 0.07:
            status = "rejected"
        else:
            status = "approved"
        decided = (
            min(submitted + timedelta(days=rng.randint(1, 14)), now) if status not in ("pending", "draft") else None
        )
        yield (
            trainee_id,
            dept_id,
            f"Case {n}",
            case_day,
            rng.choice(categories),
            "History, examination, management and outcome.",
            status,
            None if status == "draft" else submitted,
            decided,
            sup_id if decided else None,
            "Good." if decided else None,
            submitted,
            decided or submitted,
        )


def _load_entries(engine: Engine, trainees: list[tuple[int, int, int]], count: int, now: datetime) -> None:
    rng = random.Random(2026)
    rows = _entry_rows(trainees, count, now, rng)
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            statement = f"COPY logbook_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN"
            with raw.driver_connection.cursor() as cur, cur.copy(statement) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        return
    batch: list[dict[str, object]] = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(ENTRY_COLUMNS, row, strict=True)))
            if len(batch) == 20_000:
                conn.execute(insert(LogbookEntry), batch)
                batch = []
        if batch:
            conn.execute(insert(LogbookEntry), batch)


def _actor(session: Session, username: str) -> UserSummary:
    user = session.scalars(select(User).where(User.username == username)).one()
    return UserSummary(
        id=user.id, username=user.username, full_name=user.full_name, role=user.role, department_id=user.department_id
    )


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL (a dedicated, disposable database)")
    parser.add_argument("--entries", type=int, default=250_000)
    parser.add_argument("--trainees", type=int, default=2_000)
    parser.add_argument("--supervisors", type=int, default=40)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reset", action="store_true", help="empty a database that already holds data")
    args = parser.parse_args(argv)

    engine = make_engine(args.db)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        existing = session.scalar(select(func.count(User.id))) or 0
    if existing and not args.reset:
        print(f"The database already holds {existing} users; pass --reset to empty it first.", file=sys.stderr)
        return 2
    if existing:
        _reset(engine)
    now = utcnow()
    started = time.perf_counter()
    trainees = _load_people(factory, args.trainees, args.supervisors)
    _load_entries(engine, trainees, args.entries, now)
    load_s = time.perf_counter() - started
    _log(
        f"loaded {args.entries:,} entries for {args.trainees:,} trainees / {args.supervisors} supervisors "
        f"in {load_s:.1f} s ({args.entries / load_s:,.0f} rows/s)"
    )
    with factory.begin() as session:
        rollups.rebuild_all(session)

    with factory() as session:
        sup_pending = session.execute(
            select(User.supervisor_id, func.count(LogbookEntry.id))
            .join(LogbookEntry, LogbookEntry.trainee_id == User.id)
            .where(LogbookEntry.status == "pending")
            .group_by(User.supervisor_id)
            .order_by(func.count(LogbookEntry.id).desc())
        ).all()
        sup_names = dict(session.execute(select(User.id, User.username).where(User.role == "supervisor")).all())
        total_pending = sum(c for _, c in sup_pending)
    _log(f"{total_pending:,} pending entries; per supervisor {sup_pending[-1][1]}–{sup_pending[0][1]}")

    queue_samples, admin_samples = [], []
    with factory() as session:
        supervisor = _actor(session, sup_names[sup_pending[0][0]])
        admin = _actor(session, "bench.admin")
    for run in range(args.runs + 1):
        with factory() as session:
            t0 = time.perf_counter()
            queue = approvals.get_approval_queue(session, supervisor, now=now)
            t1 = time.perf_counter()
            approvals.get_approval_queue(session, admin, now=now)
            t2 = time.perf_counter()
        if run:  # the first run warms the caches
            queue_samples.append(t1 - t0)
            admin_samples.append(t2 - t1)
    _log(
        f"supervisor queue: {queue.total} pending, {queue.over_7_days} > 7 days, {queue.over_14_days} > 14 days; "
        f"runs (ms): {[round(s * 1000, 1) for s in queue_samples]}"
    )

    bulk_samples, rollup_samples, months_touched = [], [], []
    refresh = rollups.refresh_logbook_months
    spent: list[float] = []

    def timed_refresh(session: Session, months: object, **kwargs: object) -> None:
        # Measures the roll-up share of a bulk approval; the call itself is unchanged.
        t = time.perf_counter()
        refresh(session, months, **kwargs)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - t)

    rollups.refresh_logbook_months = timed_refresh  # type: ignore[assignment]
    for run in range(args.runs):
        sup_id = sup_pending[run % len(sup_pending)][0]
        with factory() as session:
            actor = _actor(session, sup_names[sup_id])
            ids = list(
                session.scalars(
                    select(LogbookEntry.id)
                    .join(User, User.id == LogbookEntry.trainee_id)
                    .where(User.supervisor_id == sup_id, LogbookEntry.status == "pending")
                    .order_by(LogbookEntry.submitted_at)
                    .limit(200)
                )
            )
            months_touched.append(
                len(
                    set(
                        session.scalars(
                            select(
                                func.extract("year", LogbookEntry.case_date) * 100
                                + func.extract("month", LogbookEntry.case_date)
                            ).where(LogbookEntry.id.in_(ids))
                        )
                    )
                )
            )
        spent.clear()
        t0 = time.perf_counter()
        with factory.begin() as session:
            outcomes = approvals.bulk_approve(session, actor, ids, feedback="Bulk approved (bench).", now=now)
        bulk_samples.append(time.perf_counter() - t0)
        rollup_samples.append(sum(spent))
        approved = sum(1 for o in outcomes if o.outcome == "approved")
        _log(
            f"bulk run {run + 1}: {approved}/{len(ids)} approved in {bulk_samples[-1] * 1000:.0f} ms "
            f"(roll-up refresh of {months_touched[-1]} months: {rollup_samples[-1] * 1000:.0f} ms)"
        )
    rollups.refresh_logbook_months = refresh  # type: ignore[assignment]

    result = {
        "queue_ms": _median_ms(queue_samples),
        "bulk_200_ms": _median_ms(bulk_samples),
        "admin_queue_ms": _median_ms(admin_samples),
        "bulk_200_rollup_ms": _median_ms(rollup_samples),
        "bulk_200_months": statistics.median(months_touched),
        "entries": args.entries,
        "backend": engine.dialect.name,
    }
    engine.dispose()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
