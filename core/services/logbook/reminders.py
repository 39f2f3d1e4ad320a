"""Daily reminders about pending logbook verifications: supervisor digests and admin escalations."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core.clock import programme_date
from core.models import LogbookEntry, User
from core.rules.values import EntryStatus, NotificationKind, Role
from core.services.notifications import notify

DIGEST_AFTER = timedelta(days=7)
ESCALATE_AFTER = timedelta(days=14)


@dataclass(frozen=True)
class ReminderResult:
    digests: int
    escalations: int
    already_sent: int
    pending_over_7_days: int
    pending_over_14_days: int


def send_pending_reminders(session: Session, *, now: datetime, day: date | None = None) -> ReminderResult:
    """Notify each supervisor once per day about entries pending over 7 days; escalate >14 days to admins.

    `day` is the programme-timezone date that makes a reminder "the same" (default: the programme's date at `now`).
    """
    day = day or programme_date(now)
    trainee = aliased(User)
    rows = session.execute(
        select(LogbookEntry.submitted_at, trainee.supervisor_id, trainee.full_name)
        .join(trainee, trainee.id == LogbookEntry.trainee_id)
        .where(LogbookEntry.status == EntryStatus.PENDING, LogbookEntry.submitted_at < now - DIGEST_AFTER)
    ).all()
    by_supervisor: dict[int, list[datetime]] = defaultdict(list)
    escalated: list[tuple[datetime, str]] = []
    for submitted_at, supervisor_id, trainee_name in rows:
        if submitted_at is None:  # never, for a pending entry; says so to the type checker
            continue
        if supervisor_id is not None:
            by_supervisor[supervisor_id].append(submitted_at)
        if submitted_at < now - ESCALATE_AFTER or supervisor_id is None:
            escalated.append((submitted_at, trainee_name))
    digests = already = 0
    supervisors = {u.id: u for u in session.scalars(select(User).where(User.id.in_(by_supervisor)))}
    for supervisor_id, submitted in sorted(by_supervisor.items()):
        supervisor = supervisors[supervisor_id]
        if not supervisor.is_active:
            continue
        oldest = max((now - s).days for s in submitted)
        title = f"{len(submitted)} logbook entr{'y' if len(submitted) == 1 else 'ies'} waiting over 7 days"
        body = f"Your trainees have {len(submitted)} entries pending verification for more than 7 days (oldest {oldest} days)."
        if notify(
            session,
            user_id=supervisor_id,
            kind=NotificationKind.REMINDER_DIGEST,
            title=title,
            body=body,
            link="/approvals",
            now=now,
            dedupe_key=f"reminder:digest:{supervisor_id}:{day.isoformat()}",
        ):
            digests += 1  # notify() also queued the e-mail (outbox) when the supervisor wants it
        else:
            already += 1
    escalations = 0
    if escalated:
        oldest = max((now - s).days for s, _ in escalated)
        title = f"{len(escalated)} logbook entr{'y' if len(escalated) == 1 else 'ies'} pending over 14 days"
        body = (
            f"{len(escalated)} entries have waited more than 14 days for verification (oldest {oldest} days) "
            "or have no supervisor. Please follow up or verify them yourself."
        )
        admins = session.scalars(
            select(User).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)
        )
        for admin in admins:
            if notify(
                session,
                user_id=admin.id,
                kind=NotificationKind.REMINDER_ESCALATION,
                title=title,
                body=body,
                link="/approvals",
                now=now,
                dedupe_key=f"reminder:escalation:{admin.id}:{day.isoformat()}",
            ):
                escalations += 1
            else:
                already += 1
    over_14 = sum(1 for s, _sup, _n in rows if s is not None and s < now - ESCALATE_AFTER)
    return ReminderResult(digests, escalations, already, len(rows), over_14)
