"""Dashboard read services against hand-computed figures on a small fixture, on each database.

The fixture is `tests.scenarios.DashboardWorld` (built by `build_dashboard_world`); its docstring
lists the world and the figures computed from it by hand (today = 2026-11-20, period = November 2026).
"""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from core.dto import ComplianceBreakdown, DashboardFilters, PooledCompliance, UserSummary
from core.errors import NotFoundError, PermissionDeniedError
from core.models import AttendanceRecord, LogbookEntry, Setting, User
from core.models.rollups import AttendanceMonthRollup, LogbookMonthRollup, TurnaroundMonthRollup
from core.services.attendance import eligibility
from core.services.dashboards import analytics, rollups
from core.services.dashboards import overview as analytics_overview
from core.services.dashboards import trainees as analytics_trainees
from tests.factories import actor, make_attendance, make_department, make_entry, make_user
from tests.scenarios import DashboardWorld as World
from tests.scenarios import build_dashboard_world, logbook_entry

TODAY = date(2026, 11, 20)
NOV = DashboardFilters(start=date(2026, 11, 1), end=date(2026, 11, 1))


@pytest.fixture
def world(session: Session) -> World:
    return build_dashboard_world(session)


def _cards(session: Session, viewer: UserSummary, filters: DashboardFilters = NOV) -> dict[str, tuple[object, object]]:
    overview = analytics_overview.get_overview(session, viewer, filters=filters, today=TODAY, running=True)
    return {card.key: (card.value, card.previous) for card in overview.cards}


def _compliance(breakdown: ComplianceBreakdown) -> dict[str, tuple[int, int, float | None]]:
    """Each group's (submitted, verified, compliance %), and the pooled total under OVERALL."""
    by_group: dict[str, tuple[int, int, float | None]] = {
        str(row[breakdown.by]): (
            int(row[analytics.COL_SUBMITTED]),
            int(row[analytics.COL_VERIFIED]),
            None if pd.isna(row[analytics.COL_COMPLIANCE]) else float(row[analytics.COL_COMPLIANCE]),
        )
        for row in breakdown.rows.to_dict("records")
    }
    total = breakdown.total
    return by_group | {analytics.OVERALL: (total.submitted, total.verified, total.compliance_pct)}


def test_overview_cards_match_the_hand_computed_figures(session: Session, world: World) -> None:
    cards = _cards(session, world.admin)
    assert cards["active_trainees"] == (3, 2)  # C1 is inactive; B1 joined on 11-10
    assert cards["entries_30d"] == (11, None)  # 10-22..11-20; nothing in 09-21..10-21: no earlier data
    assert cards["pending"] == (4, 1)  # the whole queue; 30 days ago (10-21) only the September entry waited
    # The running month is shown uncompared: 3 pending + 1 returned + 1 rejected are not verified.
    assert cards["unverified"] == (5, None)
    assert cards["verified"] == (6, None)  # verified means approved
    assert cards["compliance"] == (54.55, None)  # 6 approved / 11 submitted
    assert cards["attendance_month"] == (70.0, None)
    assert cards["eligible"] == (66.67, None)
    overview = analytics_overview.get_overview(session, world.admin, filters=NOV, today=TODAY, running=True)
    assert overview.period_label == "2026-11 (to 20 Nov)"
    pending = next(c for c in overview.cards if c.key == "pending")
    assert pending.comparison == "vs 30 days ago"
    assert "3 have waited over 7 days and 2 over 14" in pending.help


def test_pending_30_days_ago_counts_entries_decided_only_after_that_day(session: Session, world: World) -> None:
    b1 = session.get(User, world.b1.id)
    assert b1 is not None
    late = logbook_entry(session, b1, "approved", date(2026, 10, 1), datetime(2026, 10, 1, 9))
    late.decided_at = datetime(2026, 11, 5, 12)  # waiting on 10-21, decided afterwards: counts
    early = logbook_entry(session, b1, "approved", date(2026, 10, 1), datetime(2026, 10, 1, 9))
    early.decided_at = datetime(2026, 10, 10, 12)  # decided before 10-21: does not count
    logbook_entry(session, b1, "pending", date(2026, 10, 30), datetime(2026, 10, 30, 9))  # submitted after: does not
    session.flush()
    assert _cards(session, world.admin)["pending"] == (5, 2)
    assert _cards(session, world.s1)["pending"] == (4, 1)  # B1 is not S1's trainee


def test_compliance_overall_is_pooled_not_the_mean_of_departments(session: Session, world: World) -> None:
    breakdown = analytics.compliance_by_department(session, world.admin, filters=NOV)
    by_name = _compliance(breakdown)
    alpha, beta, gamma = (n for n in by_name if n.startswith(("Alpha", "Beta", "Gamma")))
    assert by_name[alpha] == (8, 4, 50.0)
    assert by_name[beta] == (3, 2, 66.67)
    assert by_name[gamma] == (0, 0, None)
    rows = breakdown.rows
    assert (
        analytics.percent_text(rows.loc[rows[analytics.COL_DEPARTMENT] == gamma, analytics.COL_COMPLIANCE].item())
        == "–"
    )
    assert analytics.OVERALL not in set(rows[analytics.COL_DEPARTMENT])  # the total is carried, not a row
    assert breakdown.by == analytics.COL_DEPARTMENT and breakdown.period_label == "2026-11"
    # The pooled total is Σapproved / Σsubmitted over the departments...
    submitted, verified = int(rows[analytics.COL_SUBMITTED].sum()), int(rows[analytics.COL_VERIFIED].sum())
    assert breakdown.total == PooledCompliance(
        submitted=11, verified=6, compliance_pct=54.55, decided=8, reviewed_pct=72.73
    )
    assert (submitted, verified) == (11, 6) and round(100 * verified / submitted, 2) == 54.55
    # ...not the mean of their percentages.
    assert round(float(rows[analytics.COL_COMPLIANCE].mean()), 2) in (58.33, 58.34)
    assert rows[analytics.COL_REVIEWED].tolist()[:2] == [62.5, 100.0]
    table = analytics.compliance_table(breakdown)
    assert table[analytics.COL_DEPARTMENT].tolist()[-1] == analytics.OVERALL
    assert table[[analytics.COL_SUBMITTED, analytics.COL_VERIFIED, analytics.COL_COMPLIANCE]].values.tolist()[-1] == [
        11,
        6,
        54.55,
    ]


def test_compliance_by_supervisor_and_monthly_trend(session: Session, world: World) -> None:
    by_supervisor = _compliance(analytics.compliance_by_supervisor(session, world.admin, filters=NOV))
    assert by_supervisor[world.s1.full_name] == (8, 4, 50.0)
    assert by_supervisor[world.s2.full_name] == (3, 2, 66.67)
    assert by_supervisor[analytics.OVERALL] == (11, 6, 54.55)
    trend = analytics.compliance_trend(session, world.admin, filters=NOV).set_index("Month")
    assert len(trend) == 12 and trend.index[0] == "2025-12" and trend.index[-1] == "2026-11"
    assert trend.loc["2026-11", ["Submitted", "Approved"]].tolist() == [11, 6]
    assert trend.loc["2026-11", "Compliance %"] == 54.55
    assert trend.loc["2026-11", "Reviewed %"] == 72.73
    assert not trend["Open to decisions"].any()  # without today nothing is marked
    marked = analytics.compliance_trend(session, world.admin, filters=NOV, today=TODAY).set_index("Month")
    assert marked["Open to decisions"].tolist() == [False] * 10 + [True, True]  # case dates since 10-21
    assert trend.loc["2026-09", "Compliance %"] == 0.0  # one pending entry, nothing verified
    assert trend.loc["2025-12", "Compliance %"] == 100.0
    assert trend["Compliance %"].isna().sum() == 9  # months with nothing submitted: no figure, not 0


def test_trend_has_twelve_zero_filled_months_excludes_drafts_and_the_month_12_back(
    session: Session, world: World
) -> None:
    frame = analytics.logbook_trend(session, world.admin, filters=NOV)
    assert frame["Month"].unique().tolist() == ["2025-12", *[f"2026-{m:02d}" for m in range(1, 12)]]
    assert len(frame) == 36  # 12 months x 3 departments, zero-filled
    grid = frame.pivot(index="Department", columns="Month", values="Entries")
    alpha = next(n for n in grid.index if n.startswith("Alpha"))
    beta = next(n for n in grid.index if n.startswith("Beta"))
    assert grid.loc[alpha, "2026-11"] == 8  # 9 entries, one of them a draft
    assert grid.loc[alpha, "2025-12"] == 1  # 2025-11-30 is 12 months back: not in the window
    assert grid.loc[alpha, "2026-09"] == 1
    assert grid.loc[beta, "2026-11"] == 3
    assert int(frame["Entries"].sum()) == 13


def test_turnaround_median_and_pending_ageing(session: Session, world: World) -> None:
    summary = analytics.verification_turnaround(session, world.admin, filters=NOV)
    assert summary.histogram == ((0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (6, 1), (8, 1), (10, 1))
    assert (summary.median_days, summary.decided) == (3.5, 8)
    assert analytics.verification_turnaround(session, world.s1, filters=NOV).median_days == 3.0  # 1,2,3,4,10
    ageing = analytics.pending_ageing(session, world.admin, filters=NOV, now=datetime(2026, 11, 20, 12))
    assert ageing["Waiting"].tolist() == list(analytics.AGE_BUCKETS)
    assert ageing["Entries"].tolist() == [1, 1, 1, 1]  # 6, 8, 18 and 80 whole days since submission


def test_attendance_by_department_and_at_risk_list(session: Session, world: World) -> None:
    frame = analytics.attendance_by_department(session, world.admin, filters=NOV)
    assert len(frame) == 36
    cells = {(r["Department"].split()[0], r["Month"]): r["Attendance %"] for r in frame.to_dict("records")}
    assert cells[("Alpha", "2026-11")] == 62.5
    assert cells[("Alpha", "2026-10")] == 50.0
    assert cells[("Beta", "2026-11")] == 100.0
    assert cells[("Beta", "2026-10")] != cells[("Beta", "2026-10")]  # no sessions: no figure
    risk = analytics_trainees.at_risk(session, world.admin, filters=NOV, today=TODAY)
    assert (risk.period_label, risk.threshold) == ("2026-Q4", 75.0)
    # A1 needs 6 more; the programme held 6 sessions in the 51 days to 20 Nov, so about 5 are left: out of reach.
    assert risk.rows[["Trainee", "Sessions", "Attended", "Attendance %", "Sessions needed"]].values.tolist() == [
        [world.a1.full_name, 6, 3, 50.0, "out of reach"]
    ]


def test_at_risk_lists_a_trainee_with_no_sessions_this_quarter_like_the_card_and_eligibility_page(
    session: Session, world: World
) -> None:
    a1 = session.get(User, world.a1.id)
    assert a1 is not None and a1.department is not None and a1.supervisor is not None
    newcomer = make_user(session, "trainee", department=a1.department, supervisor=a1.supervisor)
    make_attendance(session, newcomer, date(2026, 9, 30), "present")  # last quarter: does not count in Q4
    rollups.rebuild_all(session)
    risk = analytics_trainees.at_risk(session, world.admin, filters=NOV, today=TODAY).rows
    assert risk[["Trainee", "Sessions", "Attended", "Attendance %", "Sessions needed"]].values.tolist() == [
        [newcomer.full_name, 0, 0, 0.0, "1"],
        [world.a1.full_name, 6, 3, 50.0, "out of reach"],
    ]
    assert _cards(session, world.admin)["eligible"][0] == 50.0  # A2 and B1 of 4 active trainees
    page = eligibility.list_eligibility(session, world.admin, period="2026-Q4")
    assert set(page.loc[~page["eligible"], "full_name"]) == set(risk["Trainee"])
    assert page.loc[page["full_name"] == newcomer.full_name, "sessions_needed"].tolist() == [1]
    assert analytics_trainees.at_risk(session, world.s1, filters=NOV, today=TODAY).rows["Trainee"].tolist() == [
        newcomer.full_name,
        world.a1.full_name,
    ]
    assert analytics_trainees.at_risk(session, world.s2, filters=NOV, today=TODAY).rows.empty
    for narrowed in (
        DashboardFilters(start=NOV.start, end=NOV.end, department_id=world.beta),
        DashboardFilters(start=NOV.start, end=NOV.end, supervisor_id=world.s2_id),
    ):
        assert analytics_trainees.at_risk(session, world.admin, filters=narrowed, today=TODAY).rows.empty
    newcomer.is_active = False
    session.flush()
    assert analytics_trainees.at_risk(session, world.admin, filters=NOV, today=TODAY).rows["Trainee"].tolist() == [
        world.a1.full_name
    ]


def test_eligible_share_in_sql_follows_the_threshold_setting(session: Session, world: World) -> None:
    session.add(Setting(key="attendance_threshold", value=50.0))
    session.flush()
    assert _cards(session, world.admin)["eligible"][0] == 100.0  # A1 is exactly at 50.00
    session.execute(update(Setting).where(Setting.key == "attendance_threshold").values(value=100.0))
    assert _cards(session, world.admin)["eligible"][0] == 33.33  # only B1 (2/2)
    risk = analytics_trainees.at_risk(session, world.admin, filters=NOV, today=TODAY)
    assert risk.threshold == 100.0
    assert risk.rows["Sessions needed"].tolist() == [
        "out of reach",
        "out of reach",
    ]


@pytest.mark.parametrize("role", ["admin", "leadership"])
def test_admin_and_leadership_see_everything(session: Session, world: World, role: str) -> None:
    viewer = world.admin if role == "admin" else world.leadership
    assert _compliance(analytics.compliance_by_department(session, viewer, filters=NOV))[analytics.OVERALL] == (
        11,
        6,
        54.55,
    )
    assert len(analytics.dashboard_options(session, viewer).departments) >= 3


def test_supervisor_sees_only_their_trainees_and_cannot_widen_by_filters(session: Session, world: World) -> None:
    cards = _cards(session, world.s1)
    assert cards["active_trainees"][0] == 2 and cards["pending"][0] == 4 and cards["verified"][0] == 4
    assert cards["attendance_month"][0] == 62.5 and cards["eligible"][0] == 50.0
    by_department = _compliance(analytics.compliance_by_department(session, world.s1, filters=NOV))
    assert [k.split()[0] for k in by_department] == ["Alpha", analytics.OVERALL.split()[0]]
    assert by_department[analytics.OVERALL] == (8, 4, 50.0)
    options = analytics.dashboard_options(session, world.s1)
    assert [d for d, _ in options.departments] == [world.alpha] and options.supervisors == ()
    tampered = DashboardFilters(start=NOV.start, end=NOV.end, department_id=world.beta, supervisor_id=world.s2_id)
    assert analytics.compliance_by_department(session, world.s1, filters=tampered).rows.empty
    assert _cards(session, world.s1, tampered)["verified"][0] == 0
    assert analytics_trainees.trainee_name(session, world.s1, trainee_id=world.a2.id or 0)
    with pytest.raises(NotFoundError):
        analytics_trainees.trainee_entries(session, world.s1, trainee_id=world.b1.id or 0, filters=NOV)


def test_trainee_sees_only_themselves(session: Session, world: World) -> None:
    cards = _cards(session, world.a1)
    assert cards["verified"][0] == 3 and cards["unverified"][0] == 1 and cards["compliance"][0] == 75.0
    assert cards["attendance_month"][0] == 50.0 and cards["eligible"][0] == 0.0
    entries = analytics_trainees.trainee_entries(session, world.a1, trainee_id=world.a1.id or 0, filters=NOV)
    assert len(entries) == 4 and "draft" not in set(entries["Status"])
    with pytest.raises(NotFoundError):
        analytics_trainees.trainee_attendance(session, world.a1, trainee_id=world.a2.id or 0, filters=NOV)
    assert analytics_trainees.at_risk(session, world.a2, filters=NOV, today=TODAY).rows.empty


def test_drill_down_department_trainees_and_trainee_records(session: Session, world: World) -> None:
    filters = DashboardFilters(start=NOV.start, end=NOV.end, department_id=world.alpha)
    frame = analytics_trainees.department_trainees(session, world.admin, filters=filters).set_index("Trainee")
    assert set(frame.index) == {world.a1.full_name, world.a2.full_name}
    assert frame.loc[world.a1.full_name, ["Submitted", "Verified", "Pending", "Sessions", "Attended"]].tolist() == [
        4,
        3,
        1,
        4,
        2,
    ]
    assert frame.loc[world.a2.full_name, "Compliance %"] == 25.0  # 1 approved of 4 submitted
    attendance = analytics_trainees.trainee_attendance(
        session, world.admin, trainee_id=world.a1.id or 0, filters=filters
    )
    assert attendance["Status"].tolist() == ["excused", "absent", "late", "present"]


def test_an_inactive_or_unknown_viewer_is_refused(session: Session, world: World) -> None:
    session.execute(update(User).where(User.id == world.s1.id).values(is_active=False))
    with pytest.raises(PermissionDeniedError):
        analytics_overview.get_overview(session, world.s1, filters=NOV, today=TODAY)


def test_empty_database_gives_empty_frames_not_errors(session: Session) -> None:
    viewer = actor(session, make_user(session, "admin"))
    breakdown = analytics.compliance_by_department(session, viewer, filters=NOV)
    assert breakdown.total == PooledCompliance(submitted=0, verified=0, compliance_pct=None)
    assert analytics.verification_turnaround(session, viewer, filters=NOV).median_days is None
    cards = _cards(session, viewer)
    assert cards["compliance"] == (None, None)


def _rollup_rows(session: Session) -> dict[str, set[tuple[object, ...]]]:
    return {
        "logbook": {
            tuple(r)
            for r in session.execute(
                select(
                    LogbookMonthRollup.month,
                    LogbookMonthRollup.trainee_id,
                    LogbookMonthRollup.drafts,
                    LogbookMonthRollup.pending,
                    LogbookMonthRollup.approved,
                    LogbookMonthRollup.returned,
                    LogbookMonthRollup.rejected,
                )
            )
        },
        "turnaround": {
            tuple(r)
            for r in session.execute(
                select(
                    TurnaroundMonthRollup.month,
                    TurnaroundMonthRollup.trainee_id,
                    TurnaroundMonthRollup.days,
                    TurnaroundMonthRollup.decided,
                )
            )
        },
        "attendance": {
            tuple(r)
            for r in session.execute(
                select(
                    AttendanceMonthRollup.month,
                    AttendanceMonthRollup.trainee_id,
                    AttendanceMonthRollup.sessions,
                    AttendanceMonthRollup.attended,
                    AttendanceMonthRollup.present,
                    AttendanceMonthRollup.late,
                    AttendanceMonthRollup.absent,
                    AttendanceMonthRollup.excused,
                )
            )
        },
    }


def _from_raw(session: Session) -> dict[str, set[tuple[object, ...]]]:
    logbook: dict[tuple[date, int], list[int]] = {}
    turnaround: dict[tuple[date, int, int], int] = {}
    for entry in session.scalars(select(LogbookEntry)):
        key = (entry.case_date.replace(day=1), entry.trainee_id)
        counts = logbook.setdefault(key, [0] * 5)
        counts[("draft", "pending", "approved", "returned", "rejected").index(entry.status)] += 1
        if entry.status in ("approved", "returned", "rejected") and entry.decided_at and entry.submitted_at:
            days = (entry.decided_at.date() - entry.submitted_at.date()).days
            turnaround[(*key, days)] = turnaround.get((*key, days), 0) + 1
    attendance: dict[tuple[date, int], list[int]] = {}
    for record in session.scalars(select(AttendanceRecord)):
        counts = attendance.setdefault((record.session_date.replace(day=1), record.trainee_id), [0] * 6)
        counts[0] += 1
        counts[1] += record.status in ("present", "late")
        counts[2 + ("present", "late", "absent", "excused").index(record.status)] += 1
    return {
        "logbook": {(*k, *v) for k, v in logbook.items()},
        "turnaround": {(*k, v) for k, v in turnaround.items()},
        "attendance": {(*k, *v) for k, v in attendance.items()},
    }


def test_rollups_equal_a_recomputation_from_raw_rows_after_writes(session: Session, world: World) -> None:
    assert _rollup_rows(session) == _from_raw(session)
    pending = session.scalars(
        select(LogbookEntry).where(LogbookEntry.trainee_id == world.a1.id, LogbookEntry.status == "pending")
    ).one()
    pending.status, pending.decided_at = "approved", datetime(2026, 11, 20, 8)
    moved = session.scalars(select(LogbookEntry).where(LogbookEntry.case_date == date(2025, 12, 1))).one()
    moved.case_date = date(2026, 10, 15)
    record = session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_date == date(2026, 10, 6))).one()
    session.delete(record)
    trainee = session.get(User, world.b1.id)
    assert trainee is not None
    make_attendance(session, trainee, date(2026, 10, 7), "late")
    rollups.refresh_logbook_months(session, [pending.case_date, date(2025, 12, 1), date(2026, 10, 15)])
    rollups.refresh_attendance_months(session, [date(2026, 10, 6), date(2026, 10, 7), None])  # type: ignore[list-item]
    assert _rollup_rows(session) == _from_raw(session)
    assert _cards(session, world.admin)["verified"][0] == 7  # current within the same transaction


def test_refreshing_one_month_leaves_the_others_alone(session: Session, world: World) -> None:
    before = _rollup_rows(session)
    session.execute(update(LogbookEntry).where(LogbookEntry.case_date == date(2026, 9, 1)).values(status="approved"))
    rollups.refresh_logbook_months(session, [date(2026, 11, 5)])  # the wrong month: September stays stale
    assert _rollup_rows(session)["logbook"] == before["logbook"]
    rollups.refresh_logbook_months(session, [])
    rollups.refresh_logbook_months(session, [date(2026, 9, 30)])
    assert _rollup_rows(session) == _from_raw(session)


def test_refreshing_named_trainees_recomputes_only_their_rows(session: Session, world: World) -> None:
    session.execute(update(LogbookEntry).where(LogbookEntry.case_date == date(2026, 9, 1)).values(status="approved"))
    changed = set(session.scalars(select(LogbookEntry.trainee_id).where(LogbookEntry.case_date == date(2026, 9, 1))))
    assert changed, "the fixture has entries on 2026-09-01"
    before = _rollup_rows(session)
    others = [t for t in (world.a1.id, world.b1.id) if t not in changed]
    assert others
    rollups.refresh_logbook_months(session, [date(2026, 9, 1)], trainee_ids=others)
    assert _rollup_rows(session)["logbook"] == before["logbook"]
    rollups.refresh_logbook_months(session, [date(2026, 9, 1)], trainee_ids=changed)
    assert _rollup_rows(session) == _from_raw(session)


def test_two_writers_in_the_same_month_both_count(committed_engine: Engine) -> None:
    """Concurrent approvals in one month: the second refresh waits and recomputes with the first one's row."""
    with Session(committed_engine) as setup, setup.begin():
        trainee = make_user(setup, "trainee", department=make_department(setup))
        ids = [make_entry(setup, trainee, case_date=date(2026, 11, 3 + i)).id for i in range(2)]
        rollups.refresh_logbook_months(setup, [date(2026, 11, 1)])
        trainee_id = trainee.id
    first = Session(committed_engine)
    first.begin()
    first.execute(update(LogbookEntry).where(LogbookEntry.id == ids[0]).values(status="approved"))
    rollups.refresh_logbook_months(first, [date(2026, 11, 3)])
    errors: list[BaseException] = []

    def second_writer() -> None:
        try:
            with Session(committed_engine) as second, second.begin():
                second.execute(update(LogbookEntry).where(LogbookEntry.id == ids[1]).values(status="approved"))
                rollups.refresh_logbook_months(second, [date(2026, 11, 4)])
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.5)
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not errors, errors
    with Session(committed_engine) as check:
        row = check.get(LogbookMonthRollup, (date(2026, 11, 1), trainee_id))
        assert row is not None and (row.pending, row.approved) == (0, 2)


def test_reassigning_a_trainee_moves_their_figures_at_once_without_a_refresh(session: Session, world: World) -> None:
    """Roll-ups are keyed by trainee; supervisor and department come from `users` at read time."""
    session.execute(
        update(User).where(User.id == world.a2.id).values(supervisor_id=world.s2_id, department_id=world.beta)
    )
    assert _cards(session, world.s1)["verified"][0] == 3  # only A1 left
    assert _cards(session, world.s2)["verified"][0] == 3  # B1 and A2
    by_department = _compliance(analytics.compliance_by_department(session, world.admin, filters=NOV))
    beta = next(n for n in by_department if n.startswith("Beta"))
    assert by_department[beta] == (7, 3, 42.86)
    assert by_department[analytics.OVERALL] == (11, 6, 54.55)
