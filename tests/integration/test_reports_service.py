"""Report files: the leadership pack's numbers equal the dashboard services', scoped to the viewer."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import SYSTEM_ACTOR, ReportRequest
from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import StoredFile
from core.rules.values import ReportKind
from core.services.dashboards import analytics, rollups
from core.services.dashboards import overview as analytics_overview
from core.services.dashboards import trainees as analytics_trainees
from core.services.reports.archive import get_report_file, list_report_runs
from core.services.reports.exports import generate_eligibility_list, generate_logbook_summary
from core.services.reports.generation import generate_report
from core.services.reports.pack import collect_pack_data, generate_leadership_pack, pack_filters
from tests.factories import actor, make_attendance, make_department, make_entry, make_user

NOW = datetime(2026, 11, 20, 10, 0)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def programme(session: Session):  # type: ignore[no-untyped-def]
    surgery, medicine = make_department(session, "Surgery R7"), make_department(session, "Medicine R7")
    sup_a = make_user(session, "supervisor", department=surgery)
    sup_b = make_user(session, "supervisor", department=medicine)
    trainees = []
    for i, (department, supervisor) in enumerate([(surgery, sup_a)] * 3 + [(medicine, sup_b)] * 3):
        trainee = make_user(session, "trainee", department=department, supervisor=supervisor)
        trainees.append(trainee)
        for day in range(1, 11):
            status = "present" if day <= (10 - 3 * (i % 3)) else "absent"
            make_attendance(session, trainee, date(2026, 11, day), status)
            make_attendance(session, trainee, date(2026, 10, day), "present")
        make_entry(session, trainee, status="approved", case_date=date(2026, 10, 3))
        make_entry(
            session,
            trainee,
            status="pending",
            case_date=date(2026, 11, 2),
            submitted_at=NOW - timedelta(days=3 + 7 * i),
        )
    rollups.rebuild_all(session)
    return {
        "admin": actor(session, make_user(session, "admin")),
        "supervisor": actor(session, sup_a),
        "sup_b": actor(session, sup_b),
        "trainee": actor(session, trainees[0]),
        "leadership": actor(session, make_user(session, "leadership")),
        "trainees": trainees,
    }


def _text(pdf: bytes) -> str:
    """The PDF's text with every run of whitespace (table cells come out one per line) as one space."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def test_pack_numbers_equal_the_dashboard_services(session: Session, programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = programme["admin"]
    first = programme["trainees"][0]
    newcomer = make_user(session, "trainee", department=first.department, supervisor=first.supervisor)
    item = generate_leadership_pack(
        session,
        admin,
        now=NOW,
        programme="Test Programme",
        start=date(2026, 9, 1),
        end=date(2026, 11, 1),
    )
    pdf = get_report_file(session, admin, item.id).content
    text = _text(pdf)
    filters = pack_filters(NOW.date(), start=date(2026, 9, 1), end=date(2026, 11, 1))
    overview = analytics_overview.get_overview(session, admin, filters=filters, today=NOW.date(), now=NOW)
    assert f"Cards: {overview.period_label}, compared with {overview.previous_label}." in text  # as on the dashboard
    for card in overview.cards:
        shown = (
            (f"{analytics.percent_text(card.value)}%" if card.unit == "percent" else f"{int(card.value):,}")
            if card.value is not None
            else analytics.DASH
        )
        assert re.search(rf"{re.escape(card.label)}\s+{re.escape(shown)}", text), (card.label, shown)
    compliance = analytics.compliance_table(analytics.compliance_by_department(session, admin, filters=filters))
    assert compliance["Department"].tolist()[-1] == analytics.OVERALL  # the pooled total is the last row
    for row in compliance.itertuples(index=False):
        if row.Department.endswith("R7") or row.Department == analytics.OVERALL:
            assert f"{row.Department} {row.Submitted} {row.Approved} {row[3]:.2f}%" in text
    ageing = analytics.pending_ageing(session, admin, filters=filters, now=NOW)
    for row in ageing.itertuples(index=False):
        assert f"{row.Waiting} {row.Entries}" in text
    risk = analytics_trainees.at_risk(session, admin, filters=filters, today=NOW.date())
    assert f"below the {risk.threshold}% attendance threshold in {risk.period_label}" in text
    at_risk = risk.rows
    assert len(at_risk) >= 3 and f"At-risk trainees ({len(at_risk)})" in text
    assert at_risk.loc[at_risk["Trainee"] == newcomer.full_name, ["Sessions", "Attended"]].values.tolist() == [[0, 0]]
    for row in at_risk.itertuples(index=False):
        assert f"{row.Sessions} {row.Attended} {row[6]:.2f}%" in text and row.Trainee in text
    for label in (
        "Period: 2026-09 – 2026-11 (2026-09-01 to 2026-11-30)",
        "Department: All departments",
        "Generated by",
        "Data as of",
        item.params["content_checksum"],
    ):
        assert label in text
    assert "Attendance % by department, 12 months" in text
    assert "Logbook compliance by department (approved / submitted, %)" in text  # verified means approved
    assert "verified / submitted" not in text.lower()


def test_a_supervisors_pack_holds_only_their_trainees(session: Session, programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    supervisor = programme["supervisor"]
    item = generate_leadership_pack(session, supervisor, now=NOW, programme="P")
    text = _text(get_report_file(session, supervisor, item.id).content)
    own = [t.full_name for t in programme["trainees"][:3]]
    others = [t.full_name for t in programme["trainees"][3:]]
    assert any(name in text for name in own)
    assert not any(name in text for name in others)
    assert f"Scope: Trainees supervised by {supervisor.full_name}" in text
    assert "Medicine R7" not in text
    with pytest.raises(NotFoundError):
        get_report_file(session, programme["sup_b"], item.id)
    assert [r.id for r in list_report_runs(session, programme["leadership"])] == []


def test_the_checksum_depends_on_the_data_not_on_when_it_was_made(session: Session, programme) -> None:  # type: ignore[no-untyped-def]
    filters = pack_filters(NOW.date())
    first = collect_pack_data(session, SYSTEM_ACTOR, filters=filters, now=NOW, programme="P")
    later = collect_pack_data(session, SYSTEM_ACTOR, filters=filters, now=NOW + timedelta(minutes=5), programme="P")
    assert first.content_checksum == later.content_checksum and len(first.content_checksum) == 64
    make_entry(session, programme["trainees"][0], status="approved", case_date=date(2026, 11, 3))
    rollups.rebuild_all(session)
    changed = collect_pack_data(session, SYSTEM_ACTOR, filters=filters, now=NOW, programme="P")
    assert changed.content_checksum != first.content_checksum


def test_trainees_get_no_reports_and_bad_months_are_refused(session: Session, programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDeniedError):
        generate_leadership_pack(session, programme["trainee"], now=NOW, programme="P")
    with pytest.raises(InvalidInputError, match="after the last month"):
        generate_leadership_pack(
            session,
            programme["admin"],
            now=NOW,
            programme="P",
            start=date(2026, 11, 1),
            end=date(2026, 9, 1),
        )
    assert list(tmp_path.iterdir()) == []


def test_logbook_summary_and_eligibility_list_exports_are_formula_safe(
    session: Session, programme, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = programme["admin"]
    victim = programme["trainees"][0]
    victim.full_name = '=HYPERLINK("http://evil")'
    session.flush()
    csv_item = generate_logbook_summary(session, admin, now=NOW, period="2026", file_format="csv")
    csv = get_report_file(session, admin, csv_item.id).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv
    xlsx_item = generate_eligibility_list(session, admin, now=NOW, period="2026-11")
    content = get_report_file(session, admin, xlsx_item.id).content
    about = pd.read_excel(io.BytesIO(content), sheet_name="About", header=None).set_index(0)[1]
    assert about["Period"] == "2026-11 (2026-11-01 to 2026-11-30)" and about["Scope"] == "All trainees"
    assert about["Generated by"] == admin.username and about["Filters"] == (
        "department: All departments; leave policy: leave excluded from sessions: medical, official duty, "
        "maternity; leave counted as excused: other"
    )  # the leave policy the list was computed with (issue 16)
    frame = pd.read_excel(io.BytesIO(content), sheet_name=1)  # the data, after the About sheet
    assert frame["Trainee"].str.startswith("'=").sum() == 1
    assert set(frame["Eligible"]) <= {"yes", "no"} and len(frame) >= 6
    assert set(frame["Condoned"]) == {"no"} and (frame["Leave excluded"] == 0).all()
    assert xlsx_item.params["eligible"] == int((frame["Eligible"] == "yes").sum())
    pdf_item = generate_logbook_summary(session, admin, now=NOW, period="2026-Q4")
    assert "Logbook summary" in _text(get_report_file(session, admin, pdf_item.id).content)
    with pytest.raises(InvalidInputError):
        generate_logbook_summary(session, admin, now=NOW, period="2026", file_format="docx")


@pytest.mark.parametrize(
    ("request_", "title", "file_format", "period"),
    [
        (
            ReportRequest(ReportKind.LEADERSHIP_PACK, start=date(2026, 10, 1), end=date(2026, 11, 1)),
            "Leadership pack",
            "pdf",
            "2026-10..2026-11",
        ),
        (
            ReportRequest(ReportKind.LOGBOOK_SUMMARY, period="2026-Q4", file_format="csv"),
            "Logbook summary",
            "csv",
            "2026-Q4",
        ),
        (ReportRequest(ReportKind.LOGBOOK_SUMMARY, period="2026"), "Logbook summary", "pdf", "2026"),
        (ReportRequest(ReportKind.ELIGIBILITY_LIST, period="2026-11"), "Eligibility list", "xlsx", "2026-11"),
    ],
    ids=["pack", "summary-csv", "summary-pdf", "eligibility"],
)
def test_generate_report_dispatches_each_kind_into_the_archive(  # type: ignore[no-untyped-def]
    session: Session, programme, tmp_path: Path, request_: ReportRequest, title: str, file_format: str, period: str
) -> None:
    supervisor = programme["supervisor"]
    surgery = programme["trainees"][0].department_id
    request = dataclasses.replace(request_, department_id=surgery)
    item = generate_report(session, supervisor, request, now=NOW, programme="P")
    assert (item.kind, item.title, item.file_format) == (request.kind, title, file_format)
    assert (item.params["period"], item.params["department_id"]) == (period, surgery)
    assert item.params["scope"] == f"Trainees supervised by {supervisor.full_name}"
    assert [r.id for r in list_report_runs(session, supervisor)] == [item.id]
    content = get_report_file(session, supervisor, item.id).content
    assert content[:4] == {"pdf": b"%PDF", "csv": content[:4], "xlsx": b"PK\x03\x04"}[file_format]
    if file_format == "csv":
        assert content.decode("utf-8-sig").startswith("trainee,registration_number")


def test_generate_report_refuses_what_each_kind_refuses(session: Session, programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = programme["admin"]
    for request, refusal in (
        (ReportRequest(ReportKind.LEADERSHIP_PACK, start=date(2026, 11, 1), end=date(2026, 9, 1)), InvalidInputError),
        (ReportRequest(ReportKind.LOGBOOK_SUMMARY, period="2026", file_format="docx"), InvalidInputError),
        (ReportRequest(ReportKind.ELIGIBILITY_LIST, period="2026-13"), InvalidInputError),
        (ReportRequest(ReportKind.ELIGIBILITY_LIST, period="2026-11", department_id=10**6), NotFoundError),
    ):
        with pytest.raises(refusal):
            generate_report(session, admin, request, now=NOW, programme="P")
    with pytest.raises(PermissionDeniedError):
        generate_report(
            session,
            programme["trainee"],
            ReportRequest(ReportKind.ELIGIBILITY_LIST),
            now=NOW,
            programme="P",
        )
    assert list_report_runs(session, admin) == [] and list(tmp_path.iterdir()) == []


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pack_page_one_renders_to_png(session: Session, programme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = programme["admin"]
    item = generate_leadership_pack(session, admin, now=NOW, programme="Test Programme")
    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(get_report_file(session, admin, item.id).content)
    ARTIFACTS.mkdir(exist_ok=True)
    prefix = ARTIFACTS / f"leadership-pack-page1-{session.bind.dialect.name}"  # type: ignore[union-attr]
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)],
        check=True,
        timeout=60,
    )
    png = prefix.with_suffix(".png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000


def test_a_rolled_back_report_leaves_no_stored_file_and_a_committed_one_keeps_its_file(  # type: ignore[no-untyped-def]
    session: Session, programme, tmp_path: Path
) -> None:
    def files() -> list[str]:
        return sorted(session.scalars(select(StoredFile.file_name)))

    admin = programme["admin"]
    kept = generate_logbook_summary(session, admin, now=NOW, period="2026", file_format="csv")
    session.commit()
    dropped = generate_logbook_summary(session, admin, now=NOW, period="2026-Q4", file_format="csv")
    assert files() == sorted([kept.file_name, dropped.file_name])
    session.rollback()  # e.g. the job failed after building the file: its bytes go with its row
    assert files() == [kept.file_name]
    content = get_report_file(session, admin, kept.id).content
    assert len(content) == kept.size_bytes and hashlib.sha256(content).hexdigest() == kept.checksum
    assert list(tmp_path.iterdir()) == []  # nothing on a replica's disk
