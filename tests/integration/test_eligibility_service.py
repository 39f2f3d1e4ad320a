"""Eligibility on a real database: the period table, scope and filters, heat-map data, snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import SYSTEM_ACTOR, UserSummary
from core.errors import InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import AuditEvent, EligibilitySnapshot, Setting, User
from core.services.attendance import eligibility as service
from tests.factories import NOW, actor, make_attendance, make_department, make_user


@dataclass
class World:
    admin: UserSummary
    supervisor: UserSummary
    ana: User  # supervised, Surgery: 3 of 4 attended in March (75%)
    ben: User  # supervised, Surgery: 1 of 2 attended in March, 1 in April
    cai: User  # other supervisor, Medicine: no sessions
    gone: User  # inactive trainee with sessions
    surgery_id: int
    medicine_id: int
    other_supervisor_id: int


@pytest.fixture
def world(session: Session) -> World:
    surgery = make_department(session)
    medicine = make_department(session)
    supervisor = make_user(session, "supervisor", department=surgery)
    other = make_user(session, "supervisor", department=medicine)
    ana = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    ben = make_user(session, "trainee", department=surgery, supervisor=supervisor)
    cai = make_user(session, "trainee", department=medicine, supervisor=other)
    gone = make_user(session, "trainee", department=surgery, supervisor=supervisor, active=False)
    for day, status in ((2, "present"), (3, "late"), (4, "excused"), (5, "present")):
        make_attendance(session, ana, date(2026, 3, day), status)
    make_attendance(session, ben, date(2026, 3, 31), "absent")
    make_attendance(session, ben, date(2026, 3, 31), "present", slot="PM")
    make_attendance(session, ben, date(2026, 4, 1), "present")
    make_attendance(session, gone, date(2026, 3, 2), "present")
    return World(
        actor(session, make_user(session, "admin")),
        actor(session, supervisor),
        ana,
        ben,
        cai,
        gone,
        surgery.id,
        medicine.id,
        other.id,
    )


def by_registration(frame) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    return {row["trainee_id"]: row for row in frame.to_dict("records")}


def test_table_counts_sessions_attendance_and_eligibility_per_active_trainee(session: Session, world: World) -> None:
    table = service.list_eligibility(session, world.admin, period="2026-03")
    rows = by_registration(table)
    assert world.gone.registration_number not in rows, "inactive trainees are left out"
    ana, ben, cai = (rows[t.registration_number] for t in (world.ana, world.ben, world.cai))
    assert (ana["sessions"], ana["attended"], ana["percentage"], ana["eligible"], ana["sessions_needed"]) == (
        4,
        3,
        75.0,
        True,
        0,
    )
    assert (ben["sessions"], ben["attended"], ben["percentage"], ben["eligible"], ben["sessions_needed"]) == (
        2,
        1,
        50.0,
        False,
        2,
    )
    assert (cai["sessions"], cai["attended"], cai["percentage"], cai["eligible"], cai["sessions_needed"]) == (
        0,
        0,
        0.0,
        False,
        1,
    )
    assert ana["threshold"] == 75.0
    assert ana["full_name"] == world.ana.full_name and ana["supervisor"].startswith("Supervisor")
    assert list(table["trainee_id"]) == sorted(table["trainee_id"]), "ordered by registration number"


def test_period_boundaries_are_inclusive(session: Session, world: World) -> None:
    quarter = by_registration(service.list_eligibility(session, world.admin, period="2026-Q1"))
    assert quarter[world.ben.registration_number]["sessions"] == 2, "31 March is in Q1, 1 April is not"
    custom = by_registration(service.list_eligibility(session, world.admin, period="2026-03-31..2026-04-01"))
    assert custom[world.ben.registration_number]["sessions"] == 3
    assert custom[world.ana.registration_number]["sessions"] == 0
    year = by_registration(service.list_eligibility(session, world.admin, period="2026"))
    assert year[world.ben.registration_number]["attended"] == 2


def test_threshold_comes_from_the_setting_unless_given(session: Session, world: World) -> None:
    session.add(Setting(key="attendance_threshold", value=80.0, updated_at=NOW))
    session.flush()
    rows = by_registration(service.list_eligibility(session, world.admin, period="2026-03"))
    assert rows[world.ana.registration_number]["eligible"] is False
    assert rows[world.ana.registration_number]["threshold"] == 80.0
    given = by_registration(service.list_eligibility(session, world.admin, period="2026-03", threshold="50"))
    assert given[world.ben.registration_number]["eligible"] is True


@pytest.mark.parametrize("threshold", [-1, 100.5, "abc", "nan"])
def test_threshold_outside_0_to_100_is_refused(session: Session, world: World, threshold: object) -> None:
    with pytest.raises(InvalidInputError, match="Threshold"):
        service.list_eligibility(session, world.admin, period="2026-03", threshold=threshold)  # type: ignore[arg-type]


@pytest.mark.parametrize("period", ["2026-13", "2026-04-01..2026-03-01", "March"])
def test_bad_period_is_refused(session: Session, world: World, period: str) -> None:
    with pytest.raises(InvalidInputError, match="Period"):
        service.list_eligibility(session, world.admin, period=period)


def test_supervisor_sees_only_their_trainees_even_when_filtering_for_others(session: Session, world: World) -> None:
    own = service.list_eligibility(session, world.supervisor, period="2026-03")
    assert set(own["trainee_id"]) == {world.ana.registration_number, world.ben.registration_number}
    widened = service.list_eligibility(
        session, world.supervisor, period="2026-03", supervisor_id=world.other_supervisor_id
    )
    assert widened.empty


def test_trainee_sees_only_themselves(session: Session, world: World) -> None:
    table = service.list_eligibility(session, actor(session, world.ben), period="2026-03")
    assert list(table["trainee_id"]) == [world.ben.registration_number]


def test_department_and_supervisor_filters(session: Session, world: World) -> None:
    medicine = service.list_eligibility(session, world.admin, period="2026-03", department_id=world.medicine_id)
    assert list(medicine["trainee_id"]) == [world.cai.registration_number]
    by_supervisor = service.list_eligibility(session, world.admin, period="2026-03", supervisor_id=world.supervisor.id)
    assert set(by_supervisor["trainee_id"]) == {world.ana.registration_number, world.ben.registration_number}
    department = session.get(User, world.cai.id).department  # type: ignore[union-attr]
    assert service.resolve_department_id(session, department.name.upper()) == world.medicine_id
    with pytest.raises(NotFoundError):
        service.resolve_department_id(session, "No Such Department")


def test_heat_map_sessions_are_scoped(session: Session, world: World) -> None:
    sessions = service.list_trainee_sessions(session, world.supervisor, trainee_id=world.ben.id, period="2026-Q1")
    assert [(d.date(), s, st) for d, s, st in sessions.itertuples(index=False)] == [
        (date(2026, 3, 31), "AM", "absent"),
        (date(2026, 3, 31), "PM", "present"),
    ]
    with pytest.raises(NotFoundError):
        service.list_trainee_sessions(session, world.supervisor, trainee_id=world.cai.id, period="2026-Q1")
    with pytest.raises(NotFoundError):
        service.list_trainee_sessions(session, actor(session, world.ana), trainee_id=world.ben.id, period="2026")


def test_snapshot_upserts_on_trainee_and_period_and_records_the_threshold(session: Session, world: World) -> None:
    first = service.snapshot_period(session, world.admin, period="2026-q1", now=NOW)
    assert first == {"trainees": 3, "eligible": 1, "condoned": 0, "leave_excluded": 0, "threshold": 75.0}
    snaps = {s.trainee_id: s for s in session.scalars(select(EligibilitySnapshot))}
    assert set(snaps) == {world.ana.id, world.ben.id, world.cai.id}
    ana = snaps[world.ana.id]
    assert (ana.period, ana.period_start, ana.period_end) == ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31))
    assert (ana.sessions, ana.attended, ana.percentage, ana.threshold, ana.eligible) == (
        4,
        3,
        Decimal("75.00"),
        Decimal("75.00"),
        True,
    )
    later = datetime(2026, 11, 21, 9, 0)
    second = service.snapshot_period(session, world.admin, period="2026-Q1", now=later, threshold=80)
    assert second["eligible"] == 0
    session.expire_all()
    snaps = list(session.scalars(select(EligibilitySnapshot)))
    assert len(snaps) == 3, "running it again replaces the same rows"
    assert {s.threshold for s in snaps} == {Decimal("80.00")}
    assert {s.computed_at for s in snaps} == {later}
    summary = service.get_snapshot_summary(session, world.admin, period="2026-Q1")
    assert summary == {"trainees": 3, "computed_at": later, "threshold_min": 80.0, "threshold_max": 80.0}
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action == "eligibility_snapshot_saved")).all()
    assert len(actions) == 2


def test_only_admins_and_the_scheduler_save_snapshots(session: Session, world: World) -> None:
    with pytest.raises(PermissionDeniedError):
        service.snapshot_period(session, world.supervisor, period="2026-03", now=NOW)
    assert service.snapshot_period(session, SYSTEM_ACTOR, period="2026-03", now=NOW)["trainees"] == 3
    assert session.scalars(select(EligibilitySnapshot.computed_by_id)).first() is None


def test_forecast_says_period_closed_once_the_period_has_ended(session: Session, world: World) -> None:
    rows = by_registration(service.list_eligibility(session, world.admin, period="2026-03", today=date(2026, 4, 1)))
    ben = rows[world.ben.registration_number]
    assert ben["forecast"] == "period closed"
    assert ben["sessions_left"] is pd.NA or pd.isna(ben["sessions_left"])


def test_forecast_in_an_open_period_uses_the_programme_session_rate(session: Session, world: World) -> None:
    # By 16 March the programme held 4 distinct sessions (2–5 March) in 16 days; 15 days remain: about 4 left.
    rows = by_registration(service.list_eligibility(session, world.admin, period="2026-03", today=date(2026, 3, 16)))
    ben, cai = rows[world.ben.registration_number], rows[world.cai.registration_number]
    assert int(ben["sessions_left"]) == 4
    assert ben["forecast"] == "2 more (about 4 sessions left)"
    assert cai["forecast"] == "1 more (about 4 sessions left)"
    strict = by_registration(
        service.list_eligibility(session, world.admin, period="2026-03", threshold=90, today=date(2026, 3, 16))
    )
    assert strict[world.ben.registration_number]["forecast"] == (
        "out of reach this period: 8 needed (about 4 sessions left)"
    )


def test_forecast_for_one_trainee_matches_the_table(session: Session, world: World) -> None:
    period = service.resolve_period("2026-03")
    one = service.forecast_sessions(
        session, sessions=2, attended=1, threshold=75.0, period=period, today=date(2026, 3, 16)
    )
    assert (one.needed, one.sessions_left, one.text) == (2, 4, "2 more (about 4 sessions left)")
