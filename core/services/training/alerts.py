"""Behind on logbook targets joins the at-risk alerts (issue 17, on issue 16's attendance_alerts job).

Each trainee who is behind is told once per training year (what is behind and what is still needed);
their supervisor gets one digest per run of the trainees newly behind. The notifications use the
at-risk kinds, so they reach e-mail by the same 'at-risk warnings' preference.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from core.dto import SYSTEM_ACTOR, TraineeProgress
from core.repositories import training as repo
from core.rules.values import NotificationKind
from core.services.notifications import notify
from core.services.training.progress import list_progress


def run_progress_alerts(session: Session, *, now: datetime, today: date) -> dict[str, int]:
    """Tell trainees newly behind (once per training year) and their supervisors; returns the counts."""
    behind = [p for p in list_progress(session, SYSTEM_ACTOR, today=today) if p.behind]
    told: list[TraineeProgress] = []
    for p in behind:
        still = "; ".join(f"{t.label}: {t.still_needed} more approved needed" for t in p.targets if t.under_share)
        if notify(
            session,
            user_id=p.trainee_id,
            kind=NotificationKind.AT_RISK_WARNING,
            title=f"Behind on logbook targets for training year {p.training_year}",
            body=f"{p.summary[:1].upper()}{p.summary[1:]}. {still}.",
            link="/progress",
            now=now,
            dedupe_key=f"behind:{p.window_start.isoformat()}:{p.trainee_id}",
        ):
            told.append(p)
    supervisors = repo.list_supervisor_ids(session, [p.trainee_id for p in told])
    digests = 0
    for supervisor_id in sorted({s for s in supervisors.values() if s is not None}):
        mine = [p for p in told if supervisors.get(p.trainee_id) == supervisor_id]
        digests += notify(
            session,
            user_id=supervisor_id,
            kind=NotificationKind.ATTENDANCE_ALERT_DIGEST,
            title=f"Logbook progress: {len(mine)} of your trainees fell behind",
            body="\n".join(f"{p.trainee_name} ({p.registration_number}): {p.summary}" for p in mine),
            link="/progress",
            now=now,
            dedupe_key=f"behind_digest:{today.isoformat()}:{supervisor_id}",
        )
    return {"behind": len(behind), "behind_told": len(told), "behind_digests": digests}
