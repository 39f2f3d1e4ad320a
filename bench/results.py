"""Benchmark the results workflow for one large cohort.

    python -m bench.results [--db URL] [--trainees 2000] [--runs 5]

Without --db it uses a scratch SQLite file. Creates one department with N trainees, a quarter
of attendance (for the eligibility gate) and one gated assessment, then times:
  csv_import_ms    import_scores_csv of N rows, including the commit (all-or-nothing validation),
  grid_ms          get_review_grid with the eligibility flag (median of --runs),
  publish_all_ms   publish_results for all N drafts, including history rows, notifications, commit,
  change_cycle_ms  request_change + decide_change by a second admin (median of --runs),
  freeze_all_ms    freeze_results for all N,
  transcript_ms    generate_transcript (PDF + QR + token) for one trainee (median of --runs),
  verify_ms        verify_token (median of --runs).
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
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # also runnable as a file

from core.clock import utcnow
from core.config import Settings
from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.migrate import upgrade_to_head
from core.models import AttendanceRecord, Department, Result, User
from core.services.documents import transcripts
from core.services.results import assessments as results
from core.services.results import changes as result_changes
from core.services.results import scores as result_scores
from core.services.results import transitions as result_transitions


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return round((time.perf_counter() - start) * 1000, 1), value


def _in_tx(factory: sessionmaker[Session], fn: Callable[[Session], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with factory.begin() as session:
            return fn(session)

    return run


def _setup(
    factory: sessionmaker[Session], trainees: int
) -> tuple[UserSummary, UserSummary, list[tuple[int, str]], int]:
    today = utcnow().date()
    start = date(today.year, 1, 1)
    with factory.begin() as session:
        department = Department(name=f"Bench {time.time_ns()}")
        session.add(department)
        admins = [
            User(
                username=f"bench.admin{i}.{time.time_ns()}",
                full_name=f"Bench Admin {i}",
                role="admin",
                failed_login_count=0,
            )
            for i in range(2)
        ]
        session.add_all(admins)
        session.flush()
        tag = time.time_ns() % 10**8
        session.execute(
            insert(User),
            [
                {
                    "username": f"bench.t{tag}.{i:05d}",
                    "full_name": f"Trainee {i:05d}",
                    "role": "trainee",
                    "department_id": department.id,
                    "registration_number": f"B{tag}-{i:05d}",
                    "failed_login_count": 0,
                }
                for i in range(trainees)
            ],
        )
        people = [
            (r[0], r[1])
            for r in session.execute(
                select(User.id, User.registration_number).where(User.department_id == department.id).order_by(User.id)
            )
        ]
        days = [start + timedelta(days=d) for d in range(90) if (start + timedelta(days=d)).weekday() < 5]
        rows = [
            {
                "trainee_id": pid,
                "session_date": day,
                "session": "AM",
                "department_id": department.id,
                "status": "present" if (pid + day.toordinal()) % (2 if pid % 4 == 0 else 5) else "absent",
            }
            for pid, _ in people
            for day in days
        ]
        for chunk in range(0, len(rows), 50_000):
            session.execute(insert(AttendanceRecord), rows[chunk : chunk + 50_000])
        a1 = UserSummary(id=admins[0].id, username=admins[0].username, full_name=admins[0].full_name, role="admin")
        a2 = UserSummary(id=admins[1].id, username=admins[1].username, full_name=admins[1].full_name, role="admin")
        created = results.create_assessment(
            session,
            a1,
            title=f"Bench paper {tag}",
            department_id=department.id,
            assessment_date=today,
            max_score=100,
            pass_mark=50,
            weight=100,
            group_name=f"bench {tag}",
            now=utcnow(),
            eligibility_period=f"{start.year}-Q1",
        )
    return a1, a2, people, created.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None)
    parser.add_argument("--trainees", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_results.db'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    factory = make_session_factory(engine)
    setup_ms, (admin, admin2, people, assessment_id) = _timed(lambda: _setup(factory, args.trainees))
    print(f"setup: {len(people)} trainees, attendance and one gated assessment in {setup_ms} ms", flush=True)
    csv = "trainee_id,score\n" + "".join(f"{reg},{(i * 37) % 101}\n" for i, (_, reg) in enumerate(people))
    figures: dict[str, Any] = {"backend": engine.dialect.name, "trainees": len(people)}
    figures["csv_import_ms"], _ = _timed(
        _in_tx(
            factory,
            lambda s: result_scores.import_scores_csv(
                s, admin, assessment_id=assessment_id, content=csv.encode(), now=utcnow()
            ),
        )
    )
    grid = [
        _timed(_in_tx(factory, lambda s: results.get_review_grid(s, admin, assessment_id=assessment_id)))
        for _ in range(args.runs)
    ]
    figures["grid_ms"] = statistics.median(g[0] for g in grid)
    figures["grid_flagged"] = int((grid[0][1]["eligible"] == False).sum())  # noqa: E712
    figures["publish_all_ms"], _ = _timed(
        _in_tx(
            factory, lambda s: result_transitions.publish_results(s, admin, assessment_id=assessment_id, now=utcnow())
        )
    )
    with factory() as session:
        result_ids = list(
            session.scalars(select(Result.id).where(Result.assessment_id == assessment_id).limit(args.runs))
        )

    def cycle(result_id: int) -> Callable[[Session], Any]:
        def run(s: Session) -> Any:
            request = result_changes.request_change(
                s, admin, result_id=result_id, new_score=100, reason="bench", now=utcnow()
            )
            return result_changes.decide_change(s, admin2, request_id=request.id, approve=True, now=utcnow())

        return run

    figures["change_cycle_ms"] = statistics.median(_timed(_in_tx(factory, cycle(r)))[0] for r in result_ids)
    figures["freeze_all_ms"], _ = _timed(
        _in_tx(
            factory, lambda s: result_transitions.freeze_results(s, admin, assessment_id=assessment_id, now=utcnow())
        )
    )
    settings = Settings(public_base_url="https://portal.example.org")
    issued = [
        _timed(
            _in_tx(
                factory,
                lambda s: transcripts.generate_transcript(
                    s, admin, trainee_id=people[0][0], now=utcnow(), settings=settings
                ),
            )
        )
        for _ in range(args.runs)
    ]
    figures["transcript_ms"] = statistics.median(t[0] for t in issued)
    figures["transcript_bytes"] = len(issued[0][1].content)
    token = issued[-1][1].verify_url.split("token=")[1]
    checks = [
        _timed(_in_tx(factory, lambda s: transcripts.verify_token(s, token=token, now=utcnow())))
        for _ in range(args.runs)
    ]
    assert all(c[1].valid for c in checks)
    figures["verify_ms"] = statistics.median(c[0] for c in checks)
    engine.dispose()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
