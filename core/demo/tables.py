"""The Table behind a model, for the demo's Core executemany inserts (one statement per batch, not per row)."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table

from core.models import Base


def table_of(model: type[Base]) -> Table:
    """`model.__table__`, typed as the Table it is."""
    return cast(Table, model.__table__)
