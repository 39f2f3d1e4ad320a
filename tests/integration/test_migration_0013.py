"""Migration 0013 (issue 19): the report archive on disk (REPORT_DIR) moves into the database.

An empty database upgraded to 0012 gets archive rows whose files are on disk (one intact, one
missing, one altered after generation), then is upgraded to head with REPORT_DIR pointing at
those files; on each backend. The intact file is served from the database afterwards, even with the
directory gone, and retention still removes it with its row."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, inspect, select, text

from core.db import make_engine, make_session_factory
from core.dto import SYSTEM_ACTOR
from core.errors import NotFoundError
from core.migrate import upgrade_to_head
from core.models import ReportRun, StoredFile
from core.services.operations.retention import purge_expired
from core.services.reports.archive import get_report_file
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres


@pytest.fixture(params=DB_PARAMS)
def engine_at_0012(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url = (
        f"sqlite:///{tmp_path_factory.mktemp('m13') / 'm.db'}"
        if request.param == "sqlite"
        else create_scratch_postgres()
    )
    engine = make_engine(url)
    upgrade_to_head(engine, "0012")
    yield engine
    engine.dispose()
    if request.param != "sqlite":
        drop_scratch_postgres(url)


CREATED = datetime(2026, 3, 4, 10, 0)


def _archive_row(conn, run_id: int, relative: str, checksum: str) -> None:  # type: ignore[no-untyped-def]
    conn.execute(
        text(
            "INSERT INTO report_runs (id, kind, file_format, title, params, file_name, file_path, size_bytes, "
            "checksum, status, created_at, created_by_username, scope_role) VALUES "
            "(:id, 'logbook_summary', 'csv', 'Logbook summary', '{}', :name, :path, 3, :sum, 'ok', :at, 'system', 'admin')"
        ),
        {"id": run_id, "name": Path(relative).name, "path": relative, "sum": checksum, "at": CREATED},
    )


def test_0013_moves_the_archive_on_disk_into_the_database(
    engine_at_0012: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_dir = tmp_path / "reports"
    (report_dir / "2026" / "03").mkdir(parents=True)
    intact, altered = b"a,b\n1,2\n", b"a,b\n9,9\n"
    (report_dir / "2026/03/intact-1.csv").write_bytes(intact)
    (report_dir / "2026/03/altered-3.csv").write_bytes(altered)
    with engine_at_0012.begin() as conn:
        _archive_row(conn, 1, "2026/03/intact-1.csv", hashlib.sha256(intact).hexdigest())
        _archive_row(conn, 2, "2026/03/missing-2.csv", hashlib.sha256(b"gone").hexdigest())
        _archive_row(conn, 3, "2026/03/altered-3.csv", hashlib.sha256(b"original").hexdigest())
        _archive_row(conn, 4, "../outside-4.csv", hashlib.sha256(intact).hexdigest())
    (tmp_path / "outside-4.csv").write_bytes(intact)  # a path leaving REPORT_DIR is never followed
    monkeypatch.setenv("REPORT_DIR", str(report_dir))
    upgrade_to_head(engine_at_0012)
    for path in sorted(report_dir.rglob("*"), reverse=True):  # the replica's disk is no longer needed
        path.unlink() if path.is_file() else path.rmdir()

    assert "file_path" not in {c["name"] for c in inspect(engine_at_0012).get_columns("report_runs")}
    factory = make_session_factory(engine_at_0012)
    with factory.begin() as session:
        served = get_report_file(session, SYSTEM_ACTOR, 1, now=CREATED)
        assert (served.file_name, served.mime, served.content) == ("intact-1.csv", "text/csv", intact)
        for run_id in (2, 3, 4):
            with pytest.raises(NotFoundError, match="no longer in the archive"):
                get_report_file(session, SYSTEM_ACTOR, run_id, now=CREATED)
        stored = session.execute(select(StoredFile.purpose, StoredFile.sha256, StoredFile.created_at)).all()
        assert stored == [("report", hashlib.sha256(intact).hexdigest(), CREATED)]
        assert session.scalar(select(func.count()).select_from(ReportRun)) == 4  # every archive row kept

    with factory.begin() as session:  # retention still applies to what was imported
        result = purge_expired(session, now=CREATED + timedelta(days=400))
    assert result.counts["report_runs"] == 4 and result.counts["report_files"] == 1
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 0
