"""At-risk alerts (issue 16): tell each trainee when they cross a level in the current period, once per level.

Levels (core.rules.leave.compute_alert_level): *warning* below the threshold plus the
`attendance_alert_margin` setting, *at risk* below the threshold, *out of reach* when the sessions-needed
forecast (core.rules.eligibility.compute_sessions_forecast) says the sessions left cannot make it up.
attendance_alert_states keeps the level each trainee was last told about per period: reaching a higher
level is announced, recovering lowers it silently (so falling again is announced again), staying is silent.
So a second run on the same day announces nothing. Supervisors get one digest of their trainees who crossed
a level, the admins one for the programme. E-mail follows each user's preferences (the outbox).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.calendar import Period, month_period, quarter_of, year_period
from core.dto import SYSTEM_ACTOR
from core.models import AttendanceAlertState, User
from core.rules import leave as rules
from core.rules.values import AlertLevel, NotificationKind, Role
from core.services.attendance.eligibility import list_eligibility
from core.services.notifications import notify, notify_role
from core.services.settings import get_setting


@dataclass(frozen=True)
class Crossing:
    trainee_id: int
    name: str
    registration: str
    supervisor_id: int | None
    level: AlertLevel
    text: str  # "12 of 20 sessions (60%), threshold 75%: 8 more needed (about 10 sessions left)"


def current_period(session: Session, today: date) -> Period:
    """The period the alerts watch: the month, quarter or year (setting `eligibility_period`) containing today."""
    kind = str(get_setting(session, "eligibility_period"))
    if kind == "month":
        return month_period(today)
    if kind == "year":
        return year_period(today.year)
    return quarter_of(today)


def run_attendance_alerts(session: Session, *, now: datetime, today: date) -> dict[str, int | str]:
    """Announce every level crossed since the last run, then send the digests; returns the run's counts."""
    period = current_period(session, today)
    margin = float(get_setting(session, "attendance_alert_margin"))
    table = list_eligibility(session, SYSTEM_ACTOR, period=period, today=today)
    stored = {
        row.trainee_id: AlertLevel(row.level)
        for row in session.scalars(select(AttendanceAlertState).where(AttendanceAlertState.period == period.label))
    }
    supervisors = dict(session.execute(select(User.id, User.supervisor_id).where(User.role == Role.TRAINEE)).all())
    crossings: list[Crossing] = []
    recovered = 0
    for row in table.to_dict("records"):
        trainee_id = int(row["trainee_pk"])
        level = rules.compute_alert_level(
            sessions=int(row["sessions"]),
            percentage=float(row["percentage"]),
            threshold=float(row["threshold"]),
            margin=margin,
            out_of_reach=str(row["forecast"]).startswith("out of reach"),
            condoned=bool(row["condoned"]),
        )
        announce, keep = rules.compute_alert_transition(stored.get(trainee_id), level)
        if keep != stored.get(trainee_id):
            recovered += int(not announce)
            _store_level(session, trainee_id, period.label, keep, now=now)
        if announce and keep is not None:
            crossings.append(_crossing(row, keep, supervisors.get(trainee_id), margin))
    for crossing in crossings:
        _notify_trainee(session, crossing, period, now=now, today=today)
    digests = _supervisor_digests(session, crossings, period, now=now, today=today)
    admins = _admin_digest(session, crossings, period, now=now, today=today) if crossings else 0
    counts: dict[str, int | str] = {"period": period.label, "trainees": len(table), "recovered": recovered}
    for level in rules.ALERT_ORDER:
        counts[str(level)] = sum(1 for c in crossings if c.level is level)
    counts.update({"supervisor_digests": digests, "admin_digests": admins})
    return counts


def _store_level(session: Session, trainee_id: int, period: str, level: AlertLevel | None, *, now: datetime) -> None:
    session.execute(
        delete(AttendanceAlertState).where(
            AttendanceAlertState.trainee_id == trainee_id, AttendanceAlertState.period == period
        )
    )
    if level is not None:
        session.add(AttendanceAlertState(trainee_id=trainee_id, period=period, level=level, announced_at=now))
    session.flush()


def _crossing(row: Mapping[Any, Any], level: AlertLevel, supervisor_id: int | None, margin: float) -> Crossing:
    threshold, forecast = float(row["threshold"]), str(row["forecast"])
    if level is AlertLevel.WARNING:
        advice = f"within {margin:g} points of the threshold; every missed session counts"
    elif level is AlertLevel.OUT_OF_REACH:
        advice = forecast
    else:
        advice = f"sessions needed: {forecast}"
    leave = f"; {row['leave_excluded']} session(s) on leave left out" if int(row["leave_excluded"]) else ""
    text = (
        f"{int(row['attended'])} of {int(row['sessions'])} sessions ({float(row['percentage']):g}%), "
        f"threshold {threshold:g}%{leave}: {advice}"
    )
    return Crossing(int(row["trainee_pk"]), str(row["full_name"]), str(row["trainee_id"]), supervisor_id, level, text)


def _notify_trainee(session: Session, crossing: Crossing, period: Period, *, now: datetime, today: date) -> None:
    label = rules.ALERT_LABELS[crossing.level]
    notify(
        session,
        user_id=crossing.trainee_id,
        kind=NotificationKind.AT_RISK_WARNING,
        title=f"Attendance {label} in {period.label}",
        body=f"You attended {crossing.text}.",
        link=f"/eligibility?period={period.label}",
        now=now,
        dedupe_key=f"alert:{period.label}:{crossing.trainee_id}:{crossing.level}:{today.isoformat()}",
    )


def _digest_body(crossings: list[Crossing]) -> str:
    return "\n".join(
        f"{rules.ALERT_LABELS[c.level]}: {c.name} ({c.registration}): {c.text}"
        for c in sorted(crossings, key=lambda c: (-rules.ALERT_ORDER.index(c.level), c.name))
    )


def _supervisor_digests(
    session: Session, crossings: list[Crossing], period: Period, *, now: datetime, today: date
) -> int:
    by_supervisor: dict[int, list[Crossing]] = {}
    for crossing in crossings:
        if crossing.supervisor_id is not None:
            by_supervisor.setdefault(crossing.supervisor_id, []).append(crossing)
    sent = 0
    for supervisor_id, mine in sorted(by_supervisor.items()):
        sent += notify(
            session,
            user_id=supervisor_id,
            kind=NotificationKind.ATTENDANCE_ALERT_DIGEST,
            title=f"Attendance alerts, {period.label}: {len(mine)} of your trainees crossed a level",
            body=_digest_body(mine),
            link=f"/eligibility?period={period.label}",
            now=now,
            dedupe_key=f"alert_digest:{today.isoformat()}:{supervisor_id}",
        )
    return sent


def _admin_digest(session: Session, crossings: list[Crossing], period: Period, *, now: datetime, today: date) -> int:
    return notify_role(
        session,
        Role.ADMIN,
        kind=NotificationKind.ATTENDANCE_ALERT_DIGEST,
        title=f"Attendance alerts, {period.label}: {len(crossings)} trainee(s) crossed a level",
        body=_digest_body(crossings),
        link=f"/eligibility?period={period.label}",
        now=now,
        dedupe_prefix=f"alert_digest:{today.isoformat()}:admin",
    )
