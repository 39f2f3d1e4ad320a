"""Leave and condonation on a real database (SQLite, and PostgreSQL when TEST_DATABASE_URL is set)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import SettingsUpdate, UserSummary
from core.errors import ConflictError, InvalidInputError, PermissionDeniedError
from core.models import AttendanceMonthRollup, AuditEvent, EligibilitySnapshot, Notification, User
from core.services import settings as settings_service
from core.services.attendance import condonations, leave
from core.services.attendance import eligibility as eligibility_service
from core.services.dashboards.rollups import refresh_attendance_months
from core.services.results import assessments as results_service
from tests.factories import NOW, actor, make_attendance, make_department, make_user

MARCH = "2026-03"
PDF = b"%PDF-1.4\n% a sick note\n"


@dataclass
class World:
    admin: UserSummary
    admin2: UserSummary
    trainee: UserSummary
    other: UserSummary
    ana: User


@pytest.fixture
def world(session: Session) -> World:
    department = make_department(session)
    supervisor = make_user(session, "supervisor", department=department)
    ana = make_user(session, "trainee", department=department, supervisor=supervisor)
    other = make_user(session, "trainee", department=department, supervisor=supervisor)
    # March: present on the 2nd and 3rd, absent 9th-13th (a week of illness), excused on the 16th.
    make_attendance(session, ana, date(2026, 3, 2), "present")
    make_attendance(session, ana, date(2026, 3, 3), "present")
    for day in range(9, 14):
        make_attendance(session, ana, date(2026, 3, day), "absent")
    make_attendance(session, ana, date(2026, 3, 16), "excused")
    make_attendance(session, ana, date(2026, 3, 11), "present", slot="PM")  # came in for one afternoon
    refresh_attendance_months(session, [date(2026, 3, 1)])
    return World(
        actor(session, make_user(session, "admin")),
        actor(session, make_user(session, "admin")),
        actor(session, ana),
        actor(session, other),
        ana,
    )


def _row(session: Session, who: UserSummary, trainee_id: int, period: str = MARCH) -> dict[str, object]:
    table = eligibility_service.list_eligibility(session, who, period=period, today=date(2026, 6, 1))
    return table[table["trainee_pk"] == trainee_id].iloc[0].to_dict()


def _approved_leave(session: Session, w: World, kind: str, start: date, end: date) -> int:
    item = leave.request_leave(
        session, w.trainee, trainee_id=w.ana.id, leave_type=kind, start=start, end=end, reason="flu", now=NOW
    )
    leave.decide_leave(session, w.admin, leave_id=item.id, approve=True, now=NOW)
    return item.id


def test_excluded_leave_removes_unattended_sessions_from_the_denominator(session: Session, world: World) -> None:
    before = _row(session, world.admin, world.ana.id)
    assert (before["sessions"], before["attended"], before["leave_excluded"]) == (9, 3, 0)
    _approved_leave(session, world, "medical", date(2026, 3, 9), date(2026, 3, 13))
    after = _row(session, world.admin, world.ana.id)
    # The five absences leave `sessions`; the afternoon attended on the 11th still counts.
    assert (after["sessions"], after["attended"], after["leave_excluded"]) == (4, 3, 5)
    assert after["percentage"] == 75.0 and after["eligible"]
    assert "leave excluded from sessions: medical" in str(after["leave_policy"])
    rollup = session.scalars(
        select(AttendanceMonthRollup).where(
            AttendanceMonthRollup.trainee_id == world.ana.id, AttendanceMonthRollup.month == date(2026, 3, 1)
        )
    ).one()
    assert (rollup.sessions, rollup.attended, rollup.leave_excluded) == (4, 3, 5)


def test_excused_leave_keeps_sessions_counted_as_excused(session: Session, world: World) -> None:
    _approved_leave(session, world, "other", date(2026, 3, 9), date(2026, 3, 13))
    row = _row(session, world.admin, world.ana.id)
    assert (row["sessions"], row["attended"], row["leave_excluded"]) == (9, 3, 0)
    assert not row["eligible"]


def test_overlapping_leave_is_counted_once(session: Session, world: World) -> None:
    _approved_leave(session, world, "medical", date(2026, 3, 9), date(2026, 3, 12))
    _approved_leave(session, world, "official duty", date(2026, 3, 11), date(2026, 3, 16))
    row = _row(session, world.admin, world.ana.id)
    # 9th-13th absent (5) and the excused 16th: six records, each removed once.
    assert (row["sessions"], row["attended"], row["leave_excluded"]) == (3, 3, 6)


def test_pending_and_rejected_leave_change_nothing(session: Session, world: World) -> None:
    item = leave.request_leave(
        session,
        world.admin,
        trainee_id=world.ana.id,
        leave_type="Medical",
        start=date(2026, 3, 9),
        end=date(2026, 3, 13),
        reason="flu",
        now=NOW,
        attachment=("note.pdf", PDF),
    )
    assert item.leave_type == "medical" and item.requested_by == world.admin.full_name
    assert _row(session, world.admin, world.ana.id)["leave_excluded"] == 0
    with pytest.raises(InvalidInputError, match="comment"):
        leave.decide_leave(session, world.admin, leave_id=item.id, approve=False, now=NOW)
    decided = leave.decide_leave(session, world.admin, leave_id=item.id, approve=False, comment="no note", now=NOW)
    assert decided.status == "rejected" and decided.decision_comment == "no note"
    assert _row(session, world.admin, world.ana.id)["leave_excluded"] == 0
    with pytest.raises(ConflictError):
        leave.decide_leave(session, world.admin, leave_id=item.id, approve=True, now=NOW)
    actions = set(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "leave_request")))
    assert {"leave_requested", "leave_rejected"} <= actions
    told = session.scalars(select(Notification.title).where(Notification.user_id == world.ana.id)).all()
    assert any("was rejected" in t for t in told)


def test_leave_request_rules(session: Session, world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        leave.request_leave(
            session,
            world.trainee,
            trainee_id=world.other.id or 0,
            leave_type="medical",
            start=date(2026, 3, 9),
            end=date(2026, 3, 9),
            reason="x",
            now=NOW,
        )
    for kwargs, message in (
        ({"leave_type": "holiday"}, "Unknown leave type"),
        ({"start": date(2026, 3, 10), "end": date(2026, 3, 9)}, "after it ends"),
        ({"reason": "  "}, "reason"),
        ({"attachment": ("virus.exe", b"MZ\x90\x00")}, "PDF or an image"),
        ({"attachment": ("big.pdf", b"%PDF-" + b"0" * (6 * 1_048_576))}, "at most 5 MB"),
    ):
        args = {"leave_type": "medical", "start": date(2026, 3, 9), "end": date(2026, 3, 9), "reason": "x"}
        args.update(kwargs)
        with pytest.raises(InvalidInputError, match=message):
            leave.request_leave(session, world.trainee, trainee_id=world.ana.id, now=NOW, **args)  # type: ignore[arg-type]
    assert leave.list_leave(session, world.trainee) == []
    with pytest.raises(PermissionDeniedError):
        leave.decide_leave(session, world.trainee, leave_id=1, approve=True, now=NOW)


def test_the_document_is_downloaded_only_in_scope_and_audited(session: Session, world: World) -> None:
    item = leave.request_leave(
        session,
        world.trainee,
        trainee_id=world.ana.id,
        leave_type="medical",
        start=date(2026, 3, 9),
        end=date(2026, 3, 9),
        reason="x",
        now=NOW,
        attachment=("note.pdf", PDF),
    )
    assert leave.get_leave_document(session, world.admin, leave_id=item.id, now=NOW) == (
        "note.pdf",
        "application/pdf",
        PDF,
    )
    with pytest.raises(Exception, match="no document"):
        leave.get_leave_document(session, world.other, leave_id=item.id, now=NOW)
    assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "leave_document_downloaded")) is not None


def test_a_policy_change_recomputes_the_roll_up(session: Session, world: World) -> None:
    _approved_leave(session, world, "other", date(2026, 3, 9), date(2026, 3, 13))
    settings_service.update_settings(
        session, world.admin, SettingsUpdate({"leave_types": "medical=excluded, other=excluded"}), now=NOW
    )
    row = _row(session, world.admin, world.ana.id)
    assert row["leave_excluded"] == 5
    rollup = session.scalars(
        select(AttendanceMonthRollup).where(AttendanceMonthRollup.trainee_id == world.ana.id)
    ).one()
    assert rollup.sessions == 4


def test_condonation_needs_a_second_admin(session: Session, world: World) -> None:
    asked = condonations.request_condonation(
        session, world.admin, trainee_id=world.ana.id, period="2026-Q1", reason="bereavement", now=NOW
    )
    with pytest.raises(PermissionDeniedError, match="another admin"):
        condonations.decide_condonation(session, world.admin, condonation_id=asked.id, approve=True, now=NOW)
    with pytest.raises(PermissionDeniedError):
        condonations.decide_condonation(session, world.trainee, condonation_id=asked.id, approve=True, now=NOW)
    assert not _row(session, world.admin, world.ana.id)["condoned"]
    with pytest.raises(ConflictError, match="already pending"):
        condonations.request_condonation(
            session, world.admin2, trainee_id=world.ana.id, period="2026-Q1", reason="again", now=NOW
        )
    decided = condonations.decide_condonation(session, world.admin2, condonation_id=asked.id, approve=True, now=NOW)
    assert decided.status == "approved" and decided.decided_by == world.admin2.full_name
    # March lies inside the condoned quarter: eligible, flagged, with the reason; the figures are unchanged.
    row = _row(session, world.admin, world.ana.id)
    assert row["eligible"] and row["condoned"] and row["condonation_reason"] == "bereavement"
    assert (row["sessions"], row["attended"]) == (9, 3)
    assert not _row(session, world.admin, world.ana.id, period="2026")["condoned"]  # the year is wider
    with pytest.raises(ConflictError):
        condonations.decide_condonation(
            session, world.admin2, condonation_id=asked.id, approve=False, comment="x", now=NOW
        )


def test_condoned_flag_reaches_snapshots_and_results_gate(session: Session, world: World) -> None:
    asked = condonations.request_condonation(
        session, world.admin, trainee_id=world.ana.id, period=MARCH, reason="bereavement", now=NOW
    )
    condonations.decide_condonation(session, world.admin2, condonation_id=asked.id, approve=True, now=NOW)
    eligibility_service.snapshot_period(session, world.admin, period=MARCH, now=datetime(2026, 4, 1, 1, 0))
    snap = session.scalars(
        select(EligibilitySnapshot).where(
            EligibilitySnapshot.trainee_id == world.ana.id, EligibilitySnapshot.period == MARCH
        )
    ).one()
    assert snap.condoned and snap.condonation_reason == "bereavement" and snap.eligible
    assert snap.leave_policy and "medical" in snap.leave_policy
    outcome = results_service.compute_trainee_eligibility(session, [world.ana.id], MARCH)
    assert outcome[world.ana.id].condoned and outcome[world.ana.id].eligible
    assert results_service._gate_flag(outcome[world.ana.id], MARCH) == "condoned for 2026-03: bereavement"


def test_a_rejected_condonation_needs_a_comment_and_leaves_the_trainee_ineligible(
    session: Session, world: World
) -> None:
    asked = condonations.request_condonation(
        session, world.admin, trainee_id=world.ana.id, period=MARCH, reason="r", now=NOW
    )
    with pytest.raises(InvalidInputError):
        condonations.decide_condonation(session, world.admin2, condonation_id=asked.id, approve=False, now=NOW)
    condonations.decide_condonation(
        session, world.admin2, condonation_id=asked.id, approve=False, comment="no", now=NOW
    )
    row = _row(session, world.admin, world.ana.id)
    assert not row["condoned"] and not row["eligible"]
    assert condonations.list_condonations(session, world.trainee)[0].status == "rejected"
    assert condonations.list_condonations(session, world.other) == []


def test_the_dashboard_eligible_count_includes_a_condoned_trainee(session: Session, world: World) -> None:
    from core.repositories import analytics

    view = [User.id == world.ana.id]
    march = {"start": date(2026, 3, 1), "end": date(2026, 3, 1), "threshold_hundredths": 7500}
    assert analytics.count_eligible(session, view, **march) == (1, 0)
    asked = condonations.request_condonation(
        session, world.admin, trainee_id=world.ana.id, period="2026-Q1", reason="illness", now=NOW
    )
    condonations.decide_condonation(session, world.admin2, condonation_id=asked.id, approve=True, now=NOW)
    assert analytics.count_eligible(session, view, **march) == (1, 1)
    year = {"start": date(2026, 1, 1), "end": date(2026, 12, 1), "threshold_hundredths": 7500}
    assert analytics.count_eligible(session, view, **year) == (1, 0)  # the year is not wholly condoned
