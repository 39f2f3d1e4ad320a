"""Shared fixtures: a real database per test session (SQLite always, PostgreSQL when
TEST_DATABASE_URL is set), and one rolled-back transaction per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date

import hypothesis
import pytest

# Cheap hashes keep the suite fast; production uses the default cost.
os.environ.setdefault("BCRYPT_ROUNDS", "4")
os.environ.setdefault("PORTAL_ENV", "test")

from sqlalchemy import Engine, create_engine, make_url, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from core.clock import TODAY_OVERRIDE_ENV  # noqa: E402
from core.config import get_settings  # noqa: E402
from core.db import make_engine  # noqa: E402
from core.migrate import upgrade_to_head  # noqa: E402
from core.models import Base  # noqa: E402

get_settings.cache_clear()

TODAY_OPTION = "--today"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        TODAY_OPTION,
        metavar="YYYY-MM-DD",
        default=None,
        help="run as if the programme's today were this date: sets PORTAL_TODAY (core.clock) for the tests "
        "and for every server and CLI process they start",
    )


def pytest_configure(config: pytest.Config) -> None:
    wanted = config.getoption(TODAY_OPTION)
    if wanted:
        try:
            date.fromisoformat(wanted)
        except ValueError:
            raise pytest.UsageError(f"{TODAY_OPTION}={wanted}: not a date (YYYY-MM-DD)") from None
        # The environment, not a fixture: e2e servers and CLI subprocesses inherit it.
        os.environ[TODAY_OVERRIDE_ENV] = wanted


def pytest_report_header(config: pytest.Config) -> str | None:
    wanted = os.environ.get(TODAY_OVERRIDE_ENV)
    return f"programme today: {wanted} ({TODAY_OVERRIDE_ENV})" if wanted else None


PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = "TEST_DATABASE_URL not set to PostgreSQL"

DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason=PG_SKIP_REASON),
        ],
    ),
]


# CI runs the same Hypothesis examples on every run (derived from each test), whatever the order
# pytest-randomly picks; elsewhere each run tries new ones.
hypothesis.settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    hypothesis.settings.load_profile("ci")


def _is_postgres_skip(report: pytest.TestReport) -> bool:
    longrepr = report.longrepr
    return isinstance(longrepr, tuple) and longrepr[2].endswith(PG_SKIP_REASON)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> Iterator[None]:
    """One summary line for the PostgreSQL halves skipped without TEST_DATABASE_URL, instead of one
    `SKIPPED` line per test function (about 275); every other skip is still listed on its own."""
    skipped = terminalreporter.stats.get("skipped", [])
    postgres = (
        [report for report in skipped if _is_postgres_skip(report)] if "s" in terminalreporter.reportchars else []
    )
    if postgres:
        terminalreporter.stats["skipped"] = [report for report in skipped if not _is_postgres_skip(report)]
    try:
        yield
    finally:
        if postgres:
            terminalreporter.stats["skipped"] = skipped  # the final counts still include them
            if len(postgres) == len(skipped) and not any(
                terminalreporter.stats.get(kind) for kind in ("failed", "error", "xfailed", "xpassed")
            ):
                terminalreporter.write_sep("=", "short test summary info")  # pytest printed none
            terminalreporter.write_line(f"SKIPPED [{len(postgres)}] the PostgreSQL half of each test: {PG_SKIP_REASON}")


def create_scratch_postgres() -> str:
    """Create an empty, uniquely named database next to TEST_DATABASE_URL; return its URL."""
    base = make_url(PG_URL)
    name = f"portal_t_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_scratch_postgres(url: str) -> None:
    target = make_url(url)
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=DB_PARAMS)
def db_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated database for the whole test session, on each configured backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        engine = make_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
    else:
        url = create_scratch_postgres()
        engine = make_engine(url)
        upgrade_to_head(engine)
        yield engine
        engine.dispose()
        drop_scratch_postgres(url)


@pytest.fixture
def session(db_engine: Engine) -> Iterator[Session]:
    """A Session inside a transaction that is rolled back after the test (services never commit)."""
    connection = db_engine.connect()
    outer = connection.begin()
    if db_engine.dialect.name == "sqlite":
        # pysqlite emits BEGIN only before its first INSERT/UPDATE/DELETE, so the Session's
        # SAVEPOINT would open the real transaction and its RELEASE (session.commit()) would
        # commit the test's rows for good. An explicit BEGIN makes the savepoint nest inside
        # the transaction rolled back below, as it does on PostgreSQL.
        connection.exec_driver_sql("BEGIN")
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.close()
        outer.rollback()
        connection.close()


@pytest.fixture
def committed_engine(db_engine: Engine) -> Iterator[Engine]:
    """The shared engine for tests that must really commit (races, jobs); emptied afterwards."""
    yield db_engine
    truncate_all(db_engine)


def truncate_all(engine: Engine) -> None:
    """Empty every table; on PostgreSQL also restart the id sequences (ids start at 1 again).

    DELETE rather than TRUNCATE: on a test's few rows it is about ten times faster, since
    TRUNCATE rewrites and syncs the files of every table.
    """
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        for table in tables:
            if table == "audit_events" and engine.dialect.name == "postgresql":
                # Its trigger refuses DELETE of young rows (issue 14); TRUNCATE fires no row trigger.
                conn.execute(text('TRUNCATE "audit_events"'))
            else:
                conn.execute(text(f'DELETE FROM "{table}"'))
        if engine.dialect.name == "postgresql":
            restart = (
                "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass,"
                " start_value, false) FROM pg_sequences WHERE schemaname = current_schema()"
            )
            conn.execute(text(restart))
