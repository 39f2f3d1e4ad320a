"""Migration 0007 (issue 11): the decider of existing decided entries moves to decided_by_id / decided_at;
verified_by stays only on approved entries (verified means approved); the roll-ups are rebuilt.
Run on an empty database upgraded to 0006, filled with rows, then upgraded to head; on each backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

import pytest
from sqlalchemy import Engine, text

from core.db import make_engine
from core.migrate import upgrade_to_head
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres


@pytest.fixture(params=DB_PARAMS)
def engine_at_0006(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = (
        f"sqlite:///{tmp_path_factory.mktemp('m7') / 'm.db'}"
        if request.param == "sqlite"
        else create_scratch_postgres()
    )
    engine = make_engine(url)
    upgrade_to_head(engine, "0006")
    yield engine
    engine.dispose()
    if request.param != "sqlite":
        drop_scratch_postgres(url)


DECIDED = datetime(2026, 3, 4, 10, 0)


def test_0007_moves_deciders_out_of_verified_by_and_rebuilds_the_rollups(engine_at_0006: Engine) -> None:
    with engine_at_0006.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, full_name, role, is_active, failed_login_count) VALUES "
                "(1, 'sup', 'Dr Sup', 'supervisor', true, 0), (2, 'tr', 'Tr Ainee', 'trainee', true, 0)"
            )
        )
        for entry_id, status in enumerate(("pending", "approved", "returned", "rejected", "draft"), start=1):
            decided = status in ("approved", "returned", "rejected")
            conn.execute(
                text(
                    "INSERT INTO logbook_entries (id, trainee_id, title, case_date, category, description, status, "
                    "submitted_at, decided_at, verified_by_id) VALUES "
                    "(:id, 2, 't', :case, 'case', 'd', :status, :submitted, :decided, :verifier)"
                ),
                {
                    "id": entry_id,
                    "case": date(2026, 3, 1),
                    "status": status,
                    "submitted": None if status == "draft" else datetime(2026, 3, 1, 9),
                    "decided": DECIDED if decided else None,
                    "verifier": 1 if decided else None,
                },
            )
    # Up to head, not only 0007: later revisions rebuild tables these rows are in (users on SQLite).
    upgrade_to_head(engine_at_0006)
    with engine_at_0006.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT status, decided_by_id, decided_at, verified_by_id, verified_at FROM logbook_entries ORDER BY id"
            )
        ).all()
        rollup = conn.execute(
            text("SELECT drafts, pending, approved, returned, rejected FROM rollup_logbook_months WHERE trainee_id = 2")
        ).one()
        turnaround = conn.execute(text("SELECT days, decided FROM rollup_turnaround_months")).all()

    def at(value: object) -> datetime | None:
        return None if value is None else datetime.fromisoformat(str(value))

    got = [(r[0], r[1], at(r[2]), r[3], at(r[4])) for r in rows]
    assert got == [
        ("pending", None, None, None, None),
        ("approved", 1, DECIDED, 1, DECIDED),  # verified: kept, with its time
        ("returned", 1, DECIDED, None, None),  # decided, not verified
        ("rejected", 1, DECIDED, None, None),
        ("draft", None, None, None, None),
    ]
    assert tuple(rollup) == (1, 1, 1, 1, 1)
    assert [tuple(t) for t in turnaround] == [(3, 3)]  # three decisions, 3 calendar days after submission
