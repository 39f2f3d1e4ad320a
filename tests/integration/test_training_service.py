"""Training progress services on a real database (SQLite and PostgreSQL): requirements, progress
counted from approvals through the roll-up, the 'behind' rule, scope, and promotion with its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, LogbookRequirement, TrainingYearChange, User
from core.services.logbook import approvals
from core.services.settings import update_setting
from core.services.training import progress, requirements, years
from tests.factories import NOW, actor, make_department, make_entry, make_user

# The training year runs 1 Aug 2026 - 31 Jul 2027 (default start month 8): 1 Mar 2027 is past half-way,
# 1 Oct 2026 is before it.
LATE = date(2027, 3, 1)
EARLY = date(2026, 10, 1)
WHEN = datetime(2027, 3, 1, 9, 0)


@dataclass
class World:
    admin: UserSummary
    leadership: UserSummary
    supervisor: UserSummary
    other_supervisor: UserSummary
    trainee: UserSummary
    peer: UserSummary
    other_trainee: UserSummary
    trainee_row: User
    peer_row: User
    other_row: User
    surgery_id: int
    medicine_id: int


def _year(session: Session, user: User, year: int, cohort: str = "2026 intake") -> None:
    user.training_year, user.cohort = year, cohort
    session.flush()


@pytest.fixture
def world(session: Session) -> World:
    surgery, medicine = make_department(session), make_department(session)
    sup = make_user(session, "supervisor", department=surgery)
    other_sup = make_user(session, "supervisor", department=medicine)
    trainee = make_user(session, "trainee", department=surgery, supervisor=sup)
    peer = make_user(session, "trainee", department=surgery, supervisor=sup)
    other = make_user(session, "trainee", department=medicine, supervisor=other_sup)
    for row, year in ((trainee, 1), (peer, 1), (other, 2)):
        _year(session, row, year)
    return World(
        admin=actor(session, make_user(session, "admin")),
        leadership=actor(session, make_user(session, "leadership")),
        supervisor=actor(session, sup),
        other_supervisor=actor(session, other_sup),
        trainee=actor(session, trainee),
        peer=actor(session, peer),
        other_trainee=actor(session, other),
        trainee_row=trainee,
        peer_row=peer,
        other_row=other,
        surgery_id=surgery.id,
        medicine_id=medicine.id,
    )


def _targets(session: Session, world: World) -> None:
    requirements.create_requirement(session, world.admin, training_year=1, category="case", minimum=4, now=NOW)
    requirements.create_requirement(
        session, world.admin, training_year=1, category="case", minimum=6, department_id=world.surgery_id, now=NOW
    )
    requirements.create_requirement(
        session, world.admin, training_year=1, category="procedure", minimum=2, title="Central line insertion", now=NOW
    )


def _approve(session: Session, world: World, user: User, n: int, **kw: object) -> None:
    for _ in range(n):
        entry = make_entry(session, user, **kw)  # type: ignore[arg-type]
        approvals.approve_entry(session, world.supervisor, entry.id, feedback="Well done", now=WHEN)


def test_progress_counts_only_approved_entries_of_this_training_year_through_the_rollup(
    session: Session, world: World
) -> None:
    _targets(session, world)
    _approve(session, world, world.trainee_row, 3, case_date=date(2026, 9, 3))
    _approve(session, world, world.trainee_row, 1, case_date=date(2026, 7, 30))  # last training year
    make_entry(session, world.trainee_row, status="pending", case_date=date(2026, 9, 4))
    _approve(
        session,
        world,
        world.trainee_row,
        1,
        case_date=date(2026, 12, 1),
        category="procedure",
        title=" central LINE insertion",
    )
    _approve(
        session, world, world.trainee_row, 1, case_date=date(2026, 12, 2), category="procedure", title="Chest drain"
    )

    mine = progress.get_my_progress(session, world.trainee, today=LATE)

    assert (mine.window_start, mine.window_end) == (date(2026, 8, 1), date(2027, 7, 31))
    by_label = {t.label: (t.approved, t.still_needed) for t in mine.targets}
    # Surgery's 6 cases replace the programme's 4; the titled target counts its title only.
    assert by_label == {"6 × case": (3, 3), "Central line insertion × 2 (procedure)": (1, 1)}
    assert not mine.behind  # 3/6 and 1/2 are exactly at the 50 % share
    assert mine.summary == "on track"


def test_behind_after_the_checkpoint_with_a_target_under_its_share_and_never_before(
    session: Session, world: World
) -> None:
    _targets(session, world)
    _approve(session, world, world.peer_row, 2, case_date=date(2026, 9, 3))

    late = progress.get_trainee_progress(session, world.admin, trainee_id=world.peer_row.id, today=LATE)
    early = progress.get_trainee_progress(session, world.admin, trainee_id=world.peer_row.id, today=EARLY)

    assert late.behind
    assert late.summary == "behind: 6 × case: 2 of 6; Central line insertion × 2 (procedure): 0 of 2"
    assert not early.behind

    update_setting(session, world.admin, key="progress_checkpoint_percent", value=70, now=NOW)
    assert not progress.get_trainee_progress(session, world.admin, trainee_id=world.peer_row.id, today=LATE).behind


def test_a_supervisor_sees_only_their_trainees_and_a_trainee_only_themselves(session: Session, world: World) -> None:
    _targets(session, world)

    seen = progress.list_progress(session, world.supervisor, today=LATE)
    assert {p.trainee_id for p in seen} == {world.trainee_row.id, world.peer_row.id}
    assert all(p.behind for p in seen)  # nothing approved, past half-way
    everyone = progress.list_progress(session, world.leadership, today=LATE)
    assert world.other_row.id in {p.trainee_id for p in everyone}
    with pytest.raises(NotFoundError):
        progress.get_trainee_progress(session, world.other_supervisor, trainee_id=world.trainee_row.id, today=LATE)
    with pytest.raises(NotFoundError):
        progress.get_trainee_progress(session, world.peer, trainee_id=world.trainee_row.id, today=LATE)
    with pytest.raises(PermissionDeniedError):
        progress.list_progress(session, world.trainee, today=LATE)


def test_on_track_share_by_department_and_training_year(session: Session, world: World) -> None:
    _targets(session, world)
    _approve(session, world, world.trainee_row, 6, case_date=date(2026, 9, 3))
    _approve(session, world, world.trainee_row, 2, category="procedure", title="Central line insertion")

    frame = progress.on_track_frame(progress.list_progress(session, world.admin, today=LATE))
    surgery = frame[frame["training_year"] == 1].to_dict("records")

    assert [(r["trainees"], r["on_track"], r["behind"], r["on_track_pct"]) for r in surgery] == [(2, 1, 1, 50.0)]
    assert 2 not in set(frame["training_year"])  # no year-2 targets: not counted as on track


def test_requirements_refuse_bad_input_and_duplicates_and_write_nothing(session: Session, world: World) -> None:
    _targets(session, world)
    before = session.scalar(select(func.count()).select_from(LogbookRequirement))

    with pytest.raises(InvalidInputError) as refused:
        requirements.create_requirement(session, world.admin, training_year=9, category="surgery", minimum=0, now=NOW)
    assert refused.value.errors == [
        "the training year must be between 1 and 5",
        "'surgery' is not a logbook category (case, procedure, teaching, other)",
        "the minimum must be a whole number between 1 and 10000",
    ]
    with pytest.raises(InvalidInputError, match="already has this target"):
        requirements.create_requirement(
            session,
            world.admin,
            training_year=1,
            category="Procedure",
            minimum=3,
            title="central line insertion",
            now=NOW,
        )
    with pytest.raises(PermissionDeniedError):
        requirements.create_requirement(session, world.supervisor, training_year=1, category="case", minimum=1, now=NOW)
    assert session.scalar(select(func.count()).select_from(LogbookRequirement)) == before
    listed = requirements.list_requirements(session, world.trainee, training_year=1)
    assert [(r.department_name == "All departments", r.label) for r in listed][:2] == [
        (True, "4 × case"),
        (True, "Central line insertion × 2 (procedure)"),
    ]


def test_promotion_preview_then_confirm_moves_a_year_and_keeps_a_dated_history(session: Session, world: World) -> None:
    update_setting(session, world.admin, key="training_years", value=2, now=NOW)

    preview = years.preview_promotion(session, world.admin)
    mine = {row.trainee_id: (row.from_year, row.to_year, row.note) for row in preview}
    assert mine[world.trainee_row.id] == (1, 2, "")
    assert mine[world.other_row.id] == (2, None, "stays: is in the final training year (2)")

    report = years.promote_trainees(session, world.admin, preview=preview, effective_on=date(2027, 8, 1), now=WHEN)

    session.refresh(world.trainee_row)
    session.refresh(world.other_row)
    assert (world.trainee_row.training_year, world.other_row.training_year) == (2, 2)
    assert (report.promoted, report.skipped) >= (2, 1)
    history = years.list_year_history(session, world.supervisor)
    assert {(h.trainee_name, h.from_year, h.to_year, h.effective_on, h.reason) for h in history} == {
        (world.trainee.full_name, 1, 2, date(2027, 8, 1), "promotion"),
        (world.peer.full_name, 1, 2, date(2027, 8, 1), "promotion"),
    }  # the supervisor's scope: not the medicine trainee's rows
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "trainees_promoted")).one()
    assert audit.details is not None and audit.details["effective_on"] == "2027-08-01"


def test_a_stale_preview_promotes_nobody(session: Session, world: World) -> None:
    preview = [
        row
        for row in years.preview_promotion(session, world.admin)
        if row.trainee_id in {world.trainee_row.id, world.peer_row.id}
    ]
    years.set_training_year(
        session,
        world.admin,
        trainee_id=world.peer_row.id,
        training_year=3,
        cohort="2026 intake",
        effective_on=LATE,
        now=WHEN,
    )
    changes = session.scalar(select(func.count()).select_from(TrainingYearChange))

    with pytest.raises(ConflictError, match="changed since the preview"):
        years.promote_trainees(session, world.admin, preview=preview, effective_on=LATE, now=WHEN)
    # The seam rolls the transaction back; the refusal itself is what a page shows.
    assert changes == 1


def test_setting_a_year_outside_the_programme_is_refused(session: Session, world: World) -> None:
    with pytest.raises(InvalidInputError, match="between 1 and 5"):
        years.set_training_year(
            session,
            world.admin,
            trainee_id=world.trainee_row.id,
            training_year=6,
            cohort=None,
            effective_on=LATE,
            now=WHEN,
        )
    with pytest.raises(PermissionDeniedError):
        years.preview_promotion(session, world.supervisor)
    assert years.list_cohorts(session, world.supervisor) == ["2026 intake"]


def test_the_leadership_pack_shows_progress_on_track_and_results_analytics_in_scope(
    session: Session, world: World
) -> None:
    import io

    from pypdf import PdfReader

    from core.services.reports.archive import get_report_file
    from core.services.reports.pack import generate_leadership_pack

    _targets(session, world)
    _approve(session, world, world.trainee_row, 6, case_date=date(2026, 9, 3))
    _approve(session, world, world.trainee_row, 2, category="procedure", title="Central line insertion")

    item = generate_leadership_pack(session, world.supervisor, now=WHEN, programme="P")
    pdf = get_report_file(session, world.supervisor, item.id).content
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())

    assert "Logbook progress: trainees on track by department and training year" in text
    surgery = session.get(User, world.trainee_row.id).department.name  # type: ignore[union-attr]
    assert f"{surgery} 1 2 1 1 50.00%" in text  # department, year, trainees, on track, behind, on track %
    assert "Results by department: pass rate and mean" in text and "Score distribution per assessment" in text
    medicine = session.get(User, world.other_row.id).department.name  # type: ignore[union-attr]
    assert medicine not in text  # the supervisor's pack: their trainees only


def test_eligibility_filters_by_training_year_and_cohort_within_scope(session: Session, world: World) -> None:
    from core.services.attendance.eligibility import list_eligibility

    world.peer_row.cohort = "2025 intake"
    session.flush()
    year_one = list_eligibility(session, world.admin, period="2027-02", training_year=1)
    assert {world.trainee_row.id, world.peer_row.id} <= set(year_one["trainee_pk"])
    assert world.other_row.id not in set(year_one["trainee_pk"])
    cohort = list_eligibility(session, world.supervisor, period="2027-02", cohort="2025 intake")
    assert list(cohort["trainee_pk"]) == [world.peer_row.id]
    assert list_eligibility(session, world.other_supervisor, period="2027-02", training_year=1).empty  # scope holds
