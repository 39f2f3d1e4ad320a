"""The suite's own database fixtures keep tests independent of each other's order."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from core.models import Department
from tests.factories import make_department


def _departments_seen_from_outside(engine: Engine, name: str) -> int:
    with Session(engine) as other:
        return int(other.scalar(select(func.count(Department.id)).where(Department.name == name)) or 0)


def test_a_commit_inside_the_session_fixture_stays_inside_the_tests_transaction(
    session: Session, db_engine: Engine
) -> None:
    """`session.commit()` releases a savepoint only: no other connection ever sees the row, on
    SQLite too (where pysqlite would otherwise let the savepoint open, and commit, the real
    transaction), so the rows are gone for the next test."""
    department = make_department(session)
    session.commit()
    assert session.get(Department, department.id) is not None
    assert _departments_seen_from_outside(db_engine, department.name) == 0
    session.rollback()
    assert _departments_seen_from_outside(db_engine, department.name) == 0
