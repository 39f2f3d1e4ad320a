"""Verification of logbook entries: the approval queue, approve / return / reject, one by one or in bulk.

Every decision is a conditional UPDATE (`... WHERE status = 'pending'`), so of two racing
verifications exactly one changes the entry and the other is told it is already verified.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import true
from sqlalchemy.orm import Session

from core.dto import ApprovalQueue, BulkOutcome, LogbookEntryItem, PendingAgeing, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from core.models import LogbookEntry, User
from core.repositories import logbook as repo
from core.repositories.scope import trainee_scope_clause
from core.rules import logbook as rules
from core.rules.values import EntryStatus, NotificationKind, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.dashboards import figures, rollups
from core.services.logbook._common import to_item
from core.services.notifications import notify

QUEUE_LIMIT = 500
BULK_LIMIT = 1000
ALREADY_VERIFIED = "This entry was already verified (approved); nothing was changed."
ALREADY_DECIDED = "This entry was already decided (returned or rejected); nothing was changed."
# The status each decision leads to, which also names it in the audit trail and the notification.
PAST_TENSE = {decision: rules.TRANSITIONS[decision][1] for decision in rules.DECISIONS}


def get_approval_queue(
    session: Session,
    actor: UserSummary,
    *,
    now: datetime,
    trainee_id: int | None = None,
    department_id: int | None = None,
    older_than_days: int | None = None,
    limit: int = QUEUE_LIMIT,
    training_year: int | None = None,
    cohort: str | None = None,
) -> ApprovalQueue:
    """Pending entries in the actor's scope, oldest first, with counts waiting over 7 and 14 days.

    The counts follow the trainee, department, training year and cohort filters (the trainee's current
    ones; each only narrows the actor's scope); the age filter only narrows the list.

    Raises:
        PermissionDeniedError: the actor is a trainee.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.LEADERSHIP)
    if older_than_days is not None and older_than_days < 0:
        raise InvalidInputError("The age filter must be zero or more days.")
    scope = trainee_scope_clause(actor.scope, LogbookEntry.trainee_id)
    narrowed = repo.pending_filters(scope, trainee_id, department_id, training_year=training_year, cohort=cohort)
    ageing = figures.pending_ageing(session, narrowed, now=now)
    rows = repo.list_pending_rows(
        session,
        scope_clause=scope,
        trainee_id=trainee_id,
        department_id=department_id,
        submitted_on_or_before=None if older_than_days is None else rules.compute_age_cutoff(now, older_than_days),
        limit=limit,
        training_year=training_year,
        cohort=cohort,
    )
    return ApprovalQueue(
        items=tuple(to_item(row, now) for row in rows),
        total=ageing.total,
        over_7_days=ageing.over_7_days,
        over_14_days=ageing.over_14_days,
        oldest_days=rules.compute_age_days(ageing.oldest_submitted_at, now),
        listed=_listed(ageing, older_than_days),
    )


def _listed(ageing: PendingAgeing, older_than_days: int | None) -> int:
    # How many the age filter leaves, from the same buckets (the filters offered are bucket boundaries).
    if older_than_days is None or older_than_days == 0:
        return ageing.total
    if older_than_days in rules.AGE_BOUNDS:
        return sum(ageing.buckets[rules.AGE_BOUNDS.index(older_than_days) + 1 :])
    return -1  # not a boundary: unknown without another count


def list_queue_trainees(session: Session, actor: UserSummary) -> list[tuple[int, str]]:
    """(id, name) of the trainees the actor may filter the queue by.

    Raises:
        PermissionDeniedError: the actor is a trainee.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.LEADERSHIP)
    return repo.list_trainee_options(session, scope_clause=trainee_scope_clause(actor.scope, User.id))


def verify_entry(
    session: Session, actor: UserSummary, entry_id: int, *, decision: str, feedback: str | None, now: datetime
) -> LogbookEntryItem:
    """Approve, return or reject one pending entry; the actor is recorded as the decider (and, for an
    approval only, as the verifier).

    Raises:
        PermissionDeniedError: not an admin, or not the trainee's assigned supervisor.
        InvalidInputError: unknown decision, or return/reject without a comment.
        NotFoundError: no such entry.
        ConflictError: the entry is not pending (already verified, or a draft).
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    if decision not in rules.DECISIONS:
        raise InvalidInputError(f"Unknown decision '{decision}'; use approve, return or reject.")
    clean = _feedback(decision, feedback)
    rows = repo.list_bulk_rows(session, [entry_id])
    if not rows:
        raise NotFoundError(f"Logbook entry {entry_id} was not found.")
    row = rows[0]
    if not rules.can_verify(actor_role=actor.role, actor_id=actor.id, trainee_supervisor_id=row.supervisor_id):
        raise PermissionDeniedError("Not allowed: this entry belongs to a trainee you do not supervise.")
    try:
        target = rules.compute_next_status(decision, row.status)
    except rules.TransitionError as exc:
        raise ConflictError(str(exc)) from None
    changed = repo.update_pending_entries(
        session,
        [entry_id],
        to_status=target,
        verifier_id=actor.id,
        feedback=clean,
        now=now,
        scope_clause=_verify_scope(actor),
    )
    if not changed:
        raise ConflictError(_already(session, entry_id))
    _record_decisions(session, actor, [row], decision=decision, feedback=clean, now=now)
    item = repo.get_entry_row(session, entry_id)
    return to_item(item, now)


def approve_entry(
    session: Session, actor: UserSummary, entry_id: int, *, feedback: str | None = None, now: datetime
) -> LogbookEntryItem:
    """Approve one pending entry (see verify_entry)."""
    return verify_entry(session, actor, entry_id, decision="approve", feedback=feedback, now=now)


def return_entry(
    session: Session, actor: UserSummary, entry_id: int, *, feedback: str | None, now: datetime
) -> LogbookEntryItem:
    """Return one pending entry to the trainee for changes; needs a comment (see verify_entry)."""
    return verify_entry(session, actor, entry_id, decision="return", feedback=feedback, now=now)


def reject_entry(
    session: Session, actor: UserSummary, entry_id: int, *, feedback: str | None, now: datetime
) -> LogbookEntryItem:
    """Reject one pending entry; needs a comment (see verify_entry)."""
    return verify_entry(session, actor, entry_id, decision="reject", feedback=feedback, now=now)


def bulk_approve(
    session: Session,
    actor: UserSummary,
    entry_ids: Sequence[int],
    *,
    feedback: str | None = None,
    now: datetime,
) -> list[BulkOutcome]:
    """Approve many entries, re-checking each; returns what happened to every one (see bulk_decide)."""
    return bulk_decide(session, actor, entry_ids, decision="approve", feedback=feedback, now=now)


def bulk_return(
    session: Session, actor: UserSummary, entry_ids: Sequence[int], *, feedback: str | None, now: datetime
) -> list[BulkOutcome]:
    """Return many entries for changes with one shared comment (required; see bulk_decide)."""
    return bulk_decide(session, actor, entry_ids, decision="return", feedback=feedback, now=now)


def bulk_reject(
    session: Session, actor: UserSummary, entry_ids: Sequence[int], *, feedback: str | None, now: datetime
) -> list[BulkOutcome]:
    """Reject many entries with one shared comment (required; see bulk_decide)."""
    return bulk_decide(session, actor, entry_ids, decision="reject", feedback=feedback, now=now)


def bulk_decide(
    session: Session,
    actor: UserSummary,
    entry_ids: Sequence[int],
    *,
    decision: str,
    feedback: str | None,
    now: datetime,
) -> list[BulkOutcome]:
    """Approve, return or reject many entries with one shared comment, re-checking each entry.

    Returns what happened to every one, in the given order: the new status for the entries decided,
    or why an entry was left alone (not yours, already verified, already decided, not pending, not
    found). Only the decided entries get a history row, an audit event and a notification.

    Raises:
        PermissionDeniedError: the actor is not an admin or supervisor.
        InvalidInputError: unknown decision, nothing selected, too many selected, return/reject without
            a comment, or the comment too long.
    """
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR)
    if decision not in rules.DECISIONS:
        raise InvalidInputError(f"Unknown decision '{decision}'; use approve, return or reject.")
    ids = list(dict.fromkeys(int(i) for i in entry_ids))
    if not ids:
        raise InvalidInputError(f"Select at least one entry to {decision}.")
    if len(ids) > BULK_LIMIT:
        raise InvalidInputError(
            f"{decision.title()} at most {BULK_LIMIT:,} entries at a time; {len(ids):,} were selected."
        )
    clean = _feedback(decision, feedback)
    target = rules.TRANSITIONS[decision][1]
    rows = {row.id: row for row in repo.list_bulk_rows(session, ids)}
    refused: dict[int, str] = {}
    for entry_id in ids:
        row = rows.get(entry_id)
        reason = rules.compute_bulk_outcome(
            status=row.status if row else None,
            actor_role=actor.role,
            actor_id=actor.id,
            trainee_supervisor_id=row.supervisor_id if row else None,
        )
        if reason is not None:
            refused[entry_id] = reason
    candidates = [i for i in ids if i not in refused]
    changed = set(
        repo.update_pending_entries(
            session,
            candidates,
            to_status=target,
            verifier_id=actor.id,
            feedback=clean,
            now=now,
            scope_clause=_verify_scope(actor),
        )
    )
    for entry_id in candidates:
        if entry_id not in changed:  # another verifier won the race
            refused[entry_id] = (
                rules.OUTCOME_ALREADY_VERIFIED
                if _already(session, entry_id) == ALREADY_VERIFIED
                else rules.OUTCOME_ALREADY_DECIDED
            )
    _record_decisions(
        session, actor, [rows[i] for i in ids if i in changed], decision=decision, feedback=clean, now=now, bulk=True
    )
    return [_outcome(i, rows.get(i), refused.get(i, str(target))) for i in ids]


def _already(session: Session, entry_id: int) -> str:
    # Another verifier won the race: say what they decided.
    now_row = repo.get_entry_row(session, entry_id)
    if (
        now_row is not None
        and now_row.status in rules.DECIDED_STATUSES
        and now_row.status not in rules.VERIFIED_STATUSES
    ):
        return ALREADY_DECIDED
    return ALREADY_VERIFIED


def _outcome(entry_id: int, row: Any, outcome: str) -> BulkOutcome:
    # A supervisor learns only that an entry is not theirs, not whose it is.
    if row is None or outcome == rules.OUTCOME_NOT_YOURS:
        return BulkOutcome(entry_id=entry_id, title="", trainee_name="", outcome=outcome)
    return BulkOutcome(entry_id=entry_id, title=row.title, trainee_name=row.full_name, outcome=outcome)


def _feedback(decision: str, feedback: str | None) -> str | None:
    try:
        return rules.compute_feedback(decision, feedback)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from None


def _verify_scope(actor: UserSummary) -> Any:
    # Re-checked inside the UPDATE so a trainee reassigned meanwhile is not decided by the old supervisor.
    if actor.role == Role.ADMIN:
        return true()
    return trainee_scope_clause(actor.scope, LogbookEntry.trainee_id)


def _record_decisions(
    session: Session,
    actor: UserSummary,
    rows: Sequence[Any],
    *,
    decision: str,
    feedback: str | None,
    now: datetime,
    bulk: bool = False,
) -> None:
    if not rows:
        return
    target = rules.TRANSITIONS[decision][1]
    repo.add_status_changes(
        session,
        [
            {
                "entry_id": r.id,
                "from_status": EntryStatus.PENDING,
                "to_status": target,
                "actor_id": actor.id,
                "at": now,
                "comment": feedback,
            }
            for r in rows
        ],
    )
    for r in rows:
        record_event(
            session,
            actor=actor,
            action=f"logbook_{PAST_TENSE[decision]}",
            now=now,
            entity_type="logbook_entry",
            entity_id=r.id,
            details={
                "trainee_id": r.trainee_id,
                "title": r.title,
                "old_status": EntryStatus.PENDING,
                "new_status": target,
                "feedback": feedback,
                "bulk": bulk,
            },
        )
    _notify_trainees(session, actor, rows, decision=decision, feedback=feedback, now=now)
    rollups.refresh_logbook_months(
        session, sorted({r.case_date for r in rows}), trainee_ids={r.trainee_id for r in rows}
    )


def _notify_trainees(
    session: Session,
    actor: UserSummary,
    rows: Sequence[Any],
    *,
    decision: str,
    feedback: str | None,
    now: datetime,
) -> None:
    by_trainee: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        by_trainee[r.trainee_id].append(r)
    verb = PAST_TENSE[decision]
    note = f" Feedback: {feedback}" if feedback else ""
    for trainee_id, entries in by_trainee.items():
        if len(entries) == 1:
            title = f"Logbook entry {verb}: {entries[0].title}"
            body = f"{actor.full_name} {verb} '{entries[0].title}' ({_day(entries[0].case_date)}).{note}"
            link = f"/logbook?entry={entries[0].id}"
        else:
            title = f"{len(entries)} logbook entries {verb}"
            body = f"{actor.full_name} {verb}: " + "; ".join(f"'{e.title}'" for e in entries[:10])
            body += (f" and {len(entries) - 10} more." if len(entries) > 10 else ".") + note
            link = "/logbook"
        notify(
            session,
            user_id=trainee_id,
            kind=NotificationKind(f"logbook_{verb}"),
            title=title[:200],
            body=body,
            link=link,
            now=now,
        )


def _day(value: date) -> str:
    return f"case date {value.isoformat()}"
