"""Annual-review portfolios on a real database (SQLite and PostgreSQL): who may generate one, what
it says (text extracted from the PDF), its verification token and its place in the archive."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import ReportRun, TrainingYearChange
from core.services.documents.transcripts import verify_token
from core.services.logbook import approvals
from core.services.reports.archive import get_report_file
from core.services.results import assessments, scores, transitions
from core.services.training import portfolio, requirements
from tests.factories import NOW, actor, make_attendance, make_department, make_entry, make_user

WHEN = datetime(2027, 3, 1, 9, 0)


def _text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def people(session: Session) -> dict[str, object]:
    surgery = make_department(session)
    sup = make_user(session, "supervisor", department=surgery)
    other_sup = make_user(session, "supervisor", department=surgery)
    trainee = make_user(session, "trainee", department=surgery, supervisor=sup)
    trainee.training_year, trainee.cohort = 1, "2026 intake"
    admin = actor(session, make_user(session, "admin"))
    requirements.create_requirement(session, admin, training_year=1, category="case", minimum=4, now=NOW)
    requirements.create_requirement(
        session, admin, training_year=1, category="procedure", minimum=2, title="Chest drain", now=NOW
    )
    supervisor = actor(session, sup)
    for n in range(3):
        entry = make_entry(session, trainee, case_date=date(2026, 9, 1 + n), title=f"Case {n}")
        approvals.approve_entry(session, supervisor, entry.id, feedback=f"Good history taking {n}", now=WHEN)
    for day in (1, 2, 3, 4):
        make_attendance(session, trainee, date(2026, 9, day), "present" if day < 4 else "absent")
    written = assessments.create_assessment(
        session,
        admin,
        title="Written",
        department_id=surgery.id,
        assessment_date=date(2026, 12, 1),
        max_score="60",
        pass_mark="30",
        weight="100",
        group_name="Final exam 2026",
        now=NOW,
    )
    scores.save_scores(session, admin, assessment_id=written.id, scores={trainee.registration_number: "45"}, now=NOW)
    transitions.publish_results(session, admin, assessment_id=written.id, now=NOW)
    return {
        "admin": admin,
        "supervisor": supervisor,
        "other_supervisor": actor(session, other_sup),
        "trainee": actor(session, trainee),
        "leadership": actor(session, make_user(session, "leadership")),
        "row": trainee,
    }


def test_a_portfolio_states_targets_feedback_attendance_results_and_the_summary(session: Session, people: dict) -> None:
    made = portfolio.generate_portfolio(
        session, people["supervisor"], trainee_id=people["row"].id, training_year=1, now=WHEN
    )

    text = _text(made.content)
    assert "Annual review portfolio: training year 1" in text
    assert "Aug 2026" in text and "cohort 2026 intake" in text
    assert re.search(r"4 × case\s+3\s+4\s+1", text)  # target, approved, minimum, still needed
    assert "Chest drain × 2 (procedure)" in text
    assert "Good history taking 2" in text
    assert "75% attended (3 of 4 sessions)" in text
    assert "Written" in text and "45 / 60" in text
    assert re.search(r"Final exam 2026\s+Dept \S+\s+75\s+weights total 100%", text)  # weighted: 45/60 × 100
    assert "2026-11-01 to 2027-01-31 No sessions recorded" in text.replace("\n", " ")
    assert "Summary: BEHIND - Chest drain × 2 (procedure): 0 of 2" in text
    assert made.summary.startswith("behind:")
    link = re.search(r"/verify\?token=(\S+)", text.replace("\n", ""))
    assert link is not None
    checked = verify_token(session, token=link.group(1), now=WHEN)
    assert checked.valid and checked.summary is not None and "training year 1" in checked.summary


def test_it_is_archived_like_a_report_and_downloadable_again(session: Session, people: dict) -> None:
    made = portfolio.generate_portfolio(
        session, people["admin"], trainee_id=people["row"].id, training_year=1, now=WHEN
    )

    run = session.scalars(select(ReportRun).where(ReportRun.id == made.report_id)).one()
    assert (run.kind, run.file_format) == ("portfolio", "pdf")
    assert get_report_file(session, people["admin"], run.id, now=WHEN).content == made.content


def test_who_may_generate_one(session: Session, people: dict) -> None:
    row = people["row"]
    assert portfolio.generate_portfolio(session, people["trainee"], trainee_id=row.id, training_year=1, now=WHEN)
    with pytest.raises(NotFoundError):
        portfolio.generate_portfolio(session, people["other_supervisor"], trainee_id=row.id, training_year=1, now=WHEN)
    with pytest.raises(PermissionDeniedError):
        portfolio.generate_portfolio(session, people["leadership"], trainee_id=row.id, training_year=1, now=WHEN)
    peer = make_user(session, "trainee")
    with pytest.raises(NotFoundError):
        portfolio.generate_portfolio(session, people["trainee"], trainee_id=peer.id, training_year=1, now=WHEN)


def test_a_past_year_uses_the_history_and_an_unknown_year_is_refused(session: Session, people: dict) -> None:
    row = people["row"]
    with pytest.raises(InvalidInputError, match="no record of training year 2"):
        portfolio.generate_portfolio(session, people["admin"], trainee_id=row.id, training_year=2, now=WHEN)
    session.add(
        TrainingYearChange(trainee_id=row.id, from_year=None, to_year=1, effective_on=date(2025, 8, 1), reason="set")
    )
    row.training_year = 2
    session.flush()

    made = portfolio.generate_portfolio(session, people["admin"], trainee_id=row.id, training_year=1, now=WHEN)

    text = _text(made.content)
    assert "Aug 2025" in text  # the 2025-26 training year: this year's entries are not in it
    assert "Good history taking" not in text


def test_batch_generates_one_per_trainee_in_the_year_in_scope(session: Session, people: dict) -> None:
    made = portfolio.generate_portfolios(session, people["supervisor"], training_year=1, now=WHEN)
    assert [m.trainee_id for m in made] == [people["row"].id]
    with pytest.raises(InvalidInputError, match="No active trainee"):
        portfolio.generate_portfolios(session, people["other_supervisor"], training_year=1, now=WHEN)
