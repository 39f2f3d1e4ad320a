"""A supervisor's files name no other department (issue 11 §4): the logbook summary (PDF, CSV, XLSX), the
eligibility list and the leadership pack, built by the services and read back as a person would."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy.orm import Session

from core.models import Department
from core.services.reports.archive import get_report_file
from core.services.reports.exports import generate_eligibility_list, generate_logbook_summary
from core.services.reports.pack import generate_leadership_pack
from tests.scenarios import DashboardWorld, build_dashboard_world

NOW = datetime(2026, 11, 20, 10)


@pytest.fixture
def world(session: Session) -> DashboardWorld:
    return build_dashboard_world(session)


def names(session: Session, world: DashboardWorld) -> tuple[str, list[str]]:
    """(the supervisor's own department's name, the other departments' names)."""
    own = session.get(Department, world.alpha)
    others = [session.get(Department, i) for i in (world.beta, world.gamma)]
    assert own is not None and all(others)
    return own.name, [d.name for d in others if d is not None]


def text_of(content: bytes, file_format: str) -> str:
    if file_format == "pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    if file_format == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return content.decode("utf-8-sig")


@pytest.mark.parametrize("file_format", ["pdf", "csv", "xlsx"])
def test_the_logbook_summary_names_only_the_supervisors_department(
    session: Session, world: DashboardWorld, tmp_path: Path, file_format: str
) -> None:
    own, others = names(session, world)
    item = generate_logbook_summary(
        session, world.s1, now=NOW, period="2026-11", file_format=file_format, programme="P"
    )
    text = text_of(get_report_file(session, world.s1, item.id).content, file_format)
    assert own in " ".join(text.split()), "the reader sees the file's own department"
    for name in others:
        assert name not in text
    assert world.b1.full_name not in text


def test_the_eligibility_list_names_only_the_supervisors_department(
    session: Session, world: DashboardWorld, tmp_path: Path
) -> None:
    own, others = names(session, world)
    item = generate_eligibility_list(session, world.s1, now=NOW, period="2026-Q4")
    text = text_of(get_report_file(session, world.s1, item.id).content, "xlsx")
    assert own in text and world.a1.full_name in text
    for name in others:
        assert name not in text
    assert world.b1.full_name not in text


def test_the_pack_names_only_the_supervisors_department(
    session: Session, world: DashboardWorld, tmp_path: Path
) -> None:
    own, others = names(session, world)
    item = generate_leadership_pack(
        session, world.s1, now=NOW, programme="P", start=date(2026, 11, 1), end=date(2026, 11, 1)
    )
    text = text_of(get_report_file(session, world.s1, item.id).content, "pdf")
    flat = " ".join(text.split())
    assert own in flat, "the pack's department table names the supervisor's own department"
    for name in others:
        assert name not in flat
