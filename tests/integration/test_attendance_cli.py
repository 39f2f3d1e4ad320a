"""`python -m portal import-attendance` and `eligibility`: exit codes and exact output."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from core.config import get_settings
from core.db import make_session_factory
from core.models import AttendanceRecord, AuditEvent, ImportBatch, User
from portal.cli import main
from tests.factories import make_attendance, make_department, make_user

HEADER = "trainee_id,session_date,session,status"


@dataclass
class Cli:
    engine: Engine
    admin: str
    regs: list[str]
    department: str
    tmp: Path

    def file(self, text: str, name: str = "sheet.csv") -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def count(self, model: type) -> int:
        with make_session_factory(self.engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def cli(committed_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    monkeypatch.setenv("DATABASE_URL", committed_engine.url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    with make_session_factory(committed_engine).begin() as session:
        surgery = make_department(session, "Surgery CLI")
        other = make_department(session, "Medicine CLI")
        admin = make_user(session, "admin").username
        first = make_user(session, "trainee", department=surgery)
        second = make_user(session, "trainee", department=surgery)
        third = make_user(session, "trainee", department=other)
        for day, status in ((2, "present"), (3, "late"), (4, "absent")):
            make_attendance(session, first, date(2026, 3, day), status)
        make_attendance(session, third, date(2026, 3, 2), "excused")
        regs = [first.registration_number, second.registration_number, third.registration_number]
    yield Cli(committed_engine, admin, regs, "Surgery CLI", tmp_path)
    get_settings.cache_clear()


def test_import_prints_counts_and_exits_0(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"{HEADER}\n{cli.regs[1]},2026-10-01,AM,P\n{cli.regs[1]},2026-10-01,PM,A\n")
    assert main(["import-attendance", path, "--as", cli.admin]) == 0
    assert capsys.readouterr().out == "inserted=2 updated=0 unchanged=0\n"
    assert main(["import-attendance", path, "--as", cli.admin]) == 0
    captured = capsys.readouterr()
    assert captured.out == "inserted=0 updated=0 unchanged=2\n"
    assert "already imported as batch #" in captured.err


def test_refused_file_prints_one_line_per_error_exits_1_and_writes_nothing(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    path = cli.file(f"{HEADER}\n{cli.regs[1]},2026-10-01,AM,P\nNOBODY,2026-10-01,AM,P\n{cli.regs[1]},2026-10-01,AM,X\n")
    assert main(["import-attendance", path, "--as", cli.admin]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "row 3: unknown trainee_id 'NOBODY'",
        "row 4: status 'X' is not present, late, absent or excused (also P, L, A, E; leave counts as excused)",
        "row 4: duplicate of row 2",
    ]
    assert cli.count(ImportBatch) == 0 and cli.count(AttendanceRecord) == 4


def test_missing_columns_are_named_on_one_line(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"trainee_id,session\n{cli.regs[1]},AM\n")
    assert main(["import-attendance", path, "--as", cli.admin]) == 1
    assert capsys.readouterr().out.splitlines() == ["row 1: missing required column(s): session_date, status"]


def test_dry_run_prints_the_same_counts_and_writes_nothing(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(
        f"{HEADER}\n{cli.regs[0]},2026-03-02,AM,A\n{cli.regs[0]},2026-03-03,AM,L\n{cli.regs[1]},2026-10-01,AM,P\n"
    )
    audit_before = cli.count(AuditEvent)
    assert main(["import-attendance", path, "--as", cli.admin, "--dry-run"]) == 0
    assert capsys.readouterr().out == "inserted=1 updated=1 unchanged=1\n"
    assert (cli.count(AttendanceRecord), cli.count(ImportBatch), cli.count(AuditEvent)) == (4, 0, audit_before)


def test_unknown_acting_user_or_file_exits_1(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    path = cli.file(f"{HEADER}\n{cli.regs[1]},2026-10-01,AM,P\n")
    assert main(["import-attendance", path, "--as", "nobody-at-all"]) == 1
    assert "No active user 'nobody-at-all'" in capsys.readouterr().err
    assert main(["import-attendance", str(cli.tmp / "missing.csv"), "--as", cli.admin]) == 1
    assert "no such file" in capsys.readouterr().err


def test_eligibility_csv_has_the_exact_columns_order_and_formats(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eligibility", "--period", "2026-03"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeff") and "\r\n" in out  # UTF-8 BOM for Excel, RFC 4180 line ends
    lines = out.removeprefix("\ufeff").splitlines()
    assert lines[0] == (
        "trainee_id,full_name,department,sessions,attended,percentage,eligible,threshold,sessions_needed,"
        "leave_excluded,condoned,condonation_reason"
    )
    rows = {line.split(",")[0]: line.split(",") for line in lines[1:]}
    assert [line.split(",")[0] for line in lines[1:]] == sorted(rows)
    first, second, third = (rows[r] for r in cli.regs)
    assert first[2:] == ["Surgery CLI", "3", "2", "66.67", "no", "75.00", "1", "0", "no", ""]
    assert second[2:] == ["Surgery CLI", "0", "0", "0.00", "no", "75.00", "1", "0", "no", ""]
    assert third[2:] == ["Medicine CLI", "1", "0", "0.00", "no", "75.00", "3", "0", "no", ""]


def test_eligibility_threshold_department_and_json(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "eligibility",
                "--period",
                "2026-Q1",
                "--threshold",
                "66",
                "--department",
                "surgery cli",
                "--format",
                "json",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    assert [r["trainee_id"] for r in rows] == sorted(cli.regs[:2])
    first = next(r for r in rows if r["trainee_id"] == cli.regs[0])
    assert first == {
        "trainee_id": cli.regs[0],
        "full_name": first["full_name"],
        "department": "Surgery CLI",
        "sessions": 3,
        "attended": 2,
        "percentage": 66.67,
        "eligible": True,
        "threshold": 66.0,
        "sessions_needed": 0,
        "leave_excluded": 0,
        "condoned": False,
        "condonation_reason": "",
        "leave_policy": first["leave_policy"],
    }
    assert "leave excluded from sessions: medical" in first["leave_policy"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "month must be 01..12"),
        (["--period", "2026-04-01..2026-03-01"], "start is after the end"),
        (["--period", "2026", "--threshold", "101"], "Threshold must be between 0 and 100"),
        (["--period", "2026", "--department", "Nowhere"], "No department named 'Nowhere'"),
    ],
)
def test_eligibility_refuses_bad_input_with_exit_1(
    cli: Cli, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["eligibility", *args]) == 1
    assert message in capsys.readouterr().err


def test_eligibility_csv_neutralises_formula_names(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with make_session_factory(cli.engine).begin() as session:
        trainee = session.scalar(select(User).where(User.registration_number == cli.regs[0]))
        assert trainee is not None
        trainee.full_name = '=HYPERLINK("http://evil.example","x")'
    assert main(["eligibility", "--period", "2026-03"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    names = {row[0]: row[1] for row in rows[1:]}
    assert names[cli.regs[0]] == '\'=HYPERLINK("http://evil.example","x")'


def test_eligibility_filters_by_training_year_and_cohort(cli: Cli, capsys: pytest.CaptureFixture[str]) -> None:
    with make_session_factory(cli.engine).begin() as session:
        for reg, year, cohort in ((cli.regs[0], 2, "2025 intake"), (cli.regs[1], 1, "2025 intake")):
            user = session.scalars(select(User).where(User.registration_number == reg)).one()
            user.training_year, user.cohort = year, cohort
    assert main(["eligibility", "--period", "2026-03", "--year", "2", "--format", "json"]) == 0
    assert [r["trainee_id"] for r in json.loads(capsys.readouterr().out)] == [cli.regs[0]]
    assert main(["eligibility", "--period", "2026-03", "--cohort", "2025 intake", "--format", "json"]) == 0
    assert sorted(r["trainee_id"] for r in json.loads(capsys.readouterr().out)) == sorted(cli.regs[:2])
