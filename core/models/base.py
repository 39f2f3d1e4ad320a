"""Declarative base with stable constraint names for alembic."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=False)}


def check_in(column: str, values: type[StrEnum], *, name: str) -> CheckConstraint:
    """A check constraint `column IN ('a', 'b', ...)` listing the enum's values in member order.

    The text is the one the migrations wrote, so a value set has one spelling (its enum). The enum
    rides along in `info["values"]`, where the tests find it to compare with the migrated database.
    """
    if any("'" in member for member in values):
        raise ValueError(f"{values.__name__} has a value with a quote; it cannot be listed in a constraint")
    listed = ", ".join(f"'{member}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name, info={"column": column, "values": values})
