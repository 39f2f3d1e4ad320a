"""Backups, the SQLite database and archived reports are 0600 in 0700 directories, whatever the umask."""

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from core.db import make_engine, make_session_factory
from core.dto import UserSummary
from core.rules.values import ReportKind, Role
from core.services.operations.backups import backup_database
from core.services.reports.archive import store_report
from tests.factories import NOW


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    old = os.umask(0o000)  # the worst case: everything would be created world-writable
    try:
        yield
    finally:
        os.umask(old)


def test_the_sqlite_database_its_wal_and_a_backup_are_private(tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "fresh" / "portal.db"
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or _mode(wal) == 0o600
    result = backup_database(engine, backup_dir=tmp_path / "backups" / "nightly", keep=3, now=NOW)
    assert result.path is not None
    assert _mode(Path(result.path)) == 0o600
    assert _mode(tmp_path / "backups" / "nightly") == 0o700 and _mode(tmp_path / "backups") == 0o700
    engine.dispose()


def test_archived_reports_are_kept_in_the_private_database_not_beside_it(tmp_path: Path, open_umask: None) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    from core.migrate import upgrade_to_head

    upgrade_to_head(engine)
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    admin = UserSummary(id=None, username="system", full_name="System", role=Role.ADMIN)
    with make_session_factory(engine).begin() as session:
        store_report(
            session,
            admin,
            kind=ReportKind(list(ReportKind)[0]),
            file_format="csv",
            content=b"a,b\n",
            params={"period": "2026-11"},
            now=NOW,
        )
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert {p.name for p in written} <= {"portal.db-wal", "portal.db-shm"}  # no archive directory, no report file
    for part in (tmp_path / "portal.db", *written):
        assert _mode(part) == 0o600, part
    engine.dispose()
