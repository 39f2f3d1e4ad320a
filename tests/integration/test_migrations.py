"""The alembic chain builds the whole schema on an empty database, on each backend."""

import re

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import CheckConstraint, Engine, inspect

from core.migrate import current_revision, head_revision, include_object
from core.models import Base


def test_upgrade_head_builds_every_table_with_no_autogenerate_diff(db_engine: Engine) -> None:
    assert current_revision(db_engine) == head_revision()
    tables = set(inspect(db_engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_the_migrated_check_constraints_list_exactly_the_values_of_their_enums(db_engine: Engine) -> None:
    """A member added to an enum (core.rules.values) without a migration widening the constraint fails here."""
    inspector = inspect(db_engine)
    built = [
        (table.name, str(constraint.name), constraint.info["values"])
        for table in Base.metadata.tables.values()
        for constraint in table.constraints
        if isinstance(constraint, CheckConstraint) and "values" in constraint.info
    ]
    assert len(built) == 13  # 7, the outbox status and e-mail preference event (0008), 4 of issue 16 (0011)
    for table, name, enum in built:
        stored = {c["name"]: c["sqltext"] for c in inspector.get_check_constraints(table)}
        assert name in stored, f"{table}: the database has no check constraint {name}"
        # SQLite keeps the text as written; PostgreSQL as `(col)::text = ANY (ARRAY['a'::character varying, ...])`.
        assert re.findall(r"'([^']*)'", stored[name]) == [member.value for member in enum], name
