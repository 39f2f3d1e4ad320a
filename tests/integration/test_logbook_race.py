"""Two verifiers racing on the same entry on PostgreSQL: exactly one wins, one audit event exists."""

from __future__ import annotations

import threading
from datetime import date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.db import make_session_factory
from core.dto import UserSummary
from core.errors import ConflictError
from core.models import AuditEvent, LogbookEntry, LogbookStatusChange, Notification
from core.repositories import logbook as repo
from core.services.logbook import approvals, entries
from tests.factories import actor, make_department, make_entry, make_user

NOW = datetime(2026, 11, 20, 10, 0)


def _race(engine: Engine, actors: list[UserSummary], call: object) -> list[object]:
    """Run `call(session, actor)` for each actor in its own thread and transaction, lined up so both
    read the entry as pending before either writes."""
    factory = make_session_factory(engine)
    barrier = threading.Barrier(len(actors))
    results: list[object] = [None] * len(actors)
    original = repo.list_bulk_rows

    def read_then_wait(session: Session, ids: object) -> object:
        rows = original(session, ids)  # type: ignore[arg-type]
        barrier.wait(timeout=10)  # both threads have now seen status 'pending'
        return rows

    def worker(index: int) -> None:
        try:
            with factory.begin() as session:
                results[index] = call(session, actors[index])  # type: ignore[operator]
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc

    repo.list_bulk_rows = read_then_wait  # type: ignore[assignment]
    try:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(actors))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        repo.list_bulk_rows = original  # type: ignore[assignment]
    return results


def _setup(engine: Engine) -> tuple[UserSummary, UserSummary, int]:
    with make_session_factory(engine).begin() as session:
        dept = make_department(session)
        supervisor = make_user(session, "supervisor", department=dept)
        trainee = make_user(session, "trainee", department=dept, supervisor=supervisor)
        admin = make_user(session, "admin")
        entry = make_entry(session, trainee, case_date=date(2026, 11, 1))
        return actor(session, supervisor), actor(session, admin), entry.id


def _counts(engine: Engine, entry_id: int) -> tuple[int, int, int]:
    with Session(engine) as session:
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "logbook_entry", AuditEvent.entity_id == str(entry_id))
        )
        changes = session.scalar(
            select(func.count()).select_from(LogbookStatusChange).where(LogbookStatusChange.entry_id == entry_id)
        )
        notes = session.scalar(select(func.count()).select_from(Notification))
        return int(events or 0), int(changes or 0), int(notes or 0)


@pytest.mark.postgres
def test_two_racing_verifications_have_exactly_one_winner(committed_engine: Engine) -> None:
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("the race needs real concurrent writers (PostgreSQL)")
    supervisor, admin, entry_id = _setup(committed_engine)

    def decide(session: Session, who: UserSummary) -> object:
        if who.role == "admin":
            return approvals.reject_entry(session, who, entry_id, feedback="Not a real case.", now=NOW)
        return approvals.approve_entry(session, who, entry_id, feedback="Well done.", now=NOW)

    results = _race(committed_engine, [supervisor, admin], decide)

    losers = [r for r in results if isinstance(r, ConflictError)]
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    # Verified means approved: the loser hears "already verified" after an approval, "already decided" after a reject.
    expected = "already verified" if getattr(winners[0], "status", None) == "approved" else "already decided"
    assert expected in losers[0].message, (winners, losers)
    with Session(committed_engine) as session:
        entry = session.get(LogbookEntry, entry_id)
        assert entry is not None and entry.status == winners[0].status  # type: ignore[attr-defined]
    assert _counts(committed_engine, entry_id) == (1, 1, 1)


@pytest.mark.postgres
def test_two_racing_bulk_approvals_approve_each_entry_once(committed_engine: Engine) -> None:
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("the race needs real concurrent writers (PostgreSQL)")
    supervisor, admin, entry_id = _setup(committed_engine)

    results = _race(
        committed_engine,
        [supervisor, admin],
        lambda session, who: approvals.bulk_approve(session, who, [entry_id], now=NOW),
    )

    outcomes = sorted(r[0].outcome for r in results)  # type: ignore[index]
    assert outcomes == ["already verified", "approved"]
    assert _counts(committed_engine, entry_id) == (1, 1, 1)


@pytest.mark.postgres
def test_the_same_form_sent_twice_at_once_is_recorded_once(committed_engine: Engine) -> None:
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("the race needs real concurrent writers (PostgreSQL)")
    factory = make_session_factory(committed_engine)
    with factory.begin() as session:
        dept = make_department(session)
        supervisor = make_user(session, "supervisor", department=dept)
        trainee = actor(session, make_user(session, "trainee", department=dept, supervisor=supervisor))
    form = {
        "title": "Chest drain",
        "case_date": date(2026, 11, 19),
        "category": "procedure",
        "description": "Seldinger.",
    }
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def send(index: int) -> None:
        barrier.wait(timeout=10)  # two tabs, one click each, at the same moment
        try:
            with factory.begin() as session:
                outcomes[index] = entries.create_entry(session, trainee, **form, submit=True, now=NOW).id
        except Exception as exc:  # noqa: BLE001 - the test inspects what each got
            outcomes[index] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    ids = [o for o in outcomes if isinstance(o, int)]
    refused = [o for o in outcomes if isinstance(o, ConflictError)]
    assert (len(ids), len(refused)) == (1, 1), outcomes
    assert f"entry #{ids[0]}" in str(refused[0])
    with Session(committed_engine) as session:
        stored = session.scalars(select(LogbookEntry.id).where(LogbookEntry.trainee_id == trainee.id)).all()
    assert stored == ids
