"""The alembic chain builds the whole schema on an empty database, on each backend."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
