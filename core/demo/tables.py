"""The Table behind a model, for the demo's Core executemany inserts (one statement per batch, not per row)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from sqlalchemy import Table
from sqlalchemy.orm import Session

from core.models import Base


def table_of(model: type[Base]) -> Table:
    """`model.__table__`, typed as the Table it is."""
    return cast(Table, model.__table__)


def insert_tuples(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[object, ...]]) -> None:
    """Insert many plain rows through the driver's own executemany: the demo's 78,000 attendance rows
    skip SQLAlchemy's per-row parameter processing (no column of `table` outside `columns` has a default)."""
    connection = session.connection()
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
    connection.exec_driver_sql(statement, list(rows))
