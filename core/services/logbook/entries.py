"""Trainees' logbook: create, save drafts, submit, edit and resubmit returned entries; scoped reads.

Verification by supervisors and admins lives in `core.services.logbook.approvals`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_
from sqlalchemy.orm import Session

from core.clock import programme_date, programme_time
from core.dto import LogbookEntryItem, LogbookHistoryItem, UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.models import LogbookEntry, User
from core.repositories import logbook as repo
from core.repositories.scope import trainee_scope_clause
from core.rules import logbook as rules
from core.rules.access import ALL_ROLES
from core.rules.values import EntryStatus, NotificationKind, Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.dashboards import rollups
from core.services.logbook._common import to_item
from core.services.notifications import notify
from core.services.settings import get_setting

NO_SUPERVISOR = (
    "You have no assigned supervisor yet, so the entry cannot be submitted. "
    "Save it as a draft and ask the programme office to assign your supervisor."
)


# The same form sent again within this time is the same entry (a confirmation lost with a replica, a
# second click): it is not recorded twice.
REPEAT_WINDOW = timedelta(minutes=10)

LIST_LIMIT = 2000  # entries a list shows on screen; the full download has every one


def list_categories(session: Session) -> list[str]:
    """The categories a trainee may choose (the `logbook_categories` setting)."""
    return list(get_setting(session, "logbook_categories"))


def _visible_clause(actor: UserSummary) -> ColumnElement[bool]:
    # Drafts are the trainee's own notes: nobody else sees them.
    scope = trainee_scope_clause(actor.scope, LogbookEntry.trainee_id)
    if actor.role == Role.TRAINEE:
        return scope
    return and_(scope, LogbookEntry.status != EntryStatus.DRAFT)


def list_entries(
    session: Session,
    actor: UserSummary,
    *,
    now: datetime,
    trainee_id: int | None = None,
    status: str | None = None,
    limit: int | None = LIST_LIMIT,
) -> list[LogbookEntryItem]:
    """Entries the actor may read, newest case first: a trainee's own, or submitted entries in scope.

    At most `limit` (the screen's cap; None: every one, for the full download); `count_entries` says how many match.
    """
    authorize(session, actor, *ALL_ROLES)
    rows = repo.list_entry_rows(
        session,
        scope_clause=_visible_clause(actor),
        trainee_id=trainee_id,
        statuses=[status] if status else None,
        limit=limit,
    )
    return [to_item(row, now) for row in rows]


def count_entries(
    session: Session, actor: UserSummary, *, trainee_id: int | None = None, status: str | None = None
) -> int:
    """How many entries `list_entries` would list with no cap (so a capped list can say "newest 2,000 of 6,259")."""
    authorize(session, actor, *ALL_ROLES)
    return repo.count_entry_rows(
        session, scope_clause=_visible_clause(actor), trainee_id=trainee_id, statuses=[status] if status else None
    )


def get_entry(
    session: Session, actor: UserSummary, entry_id: int, *, now: datetime
) -> tuple[LogbookEntryItem, list[LogbookHistoryItem]]:
    """One entry in the actor's scope with its status history.

    Raises:
        NotFoundError: no such entry, or it is outside the actor's scope.
    """
    authorize(session, actor, *ALL_ROLES)
    rows = repo.list_entry_rows(
        session, scope_clause=and_(_visible_clause(actor), LogbookEntry.id == entry_id), limit=1
    )
    if not rows:
        raise NotFoundError(f"Logbook entry {entry_id} was not found (or is not yours to see).")
    history = [
        LogbookHistoryItem(at=r[0], from_status=r[1], to_status=r[2], actor_name=r[3], comment=r[4])
        for r in repo.list_history_rows(session, entry_id)
    ]
    return to_item(rows[0], now), history


def create_entry(
    session: Session,
    actor: UserSummary,
    *,
    title: str | None,
    case_date: date | None,
    category: str | None,
    description: str | None,
    reflection: str | None = None,
    submit: bool = False,
    now: datetime,
) -> LogbookEntryItem:
    """Record a new entry as a draft, or submitted to the trainee's supervisor.

    Raises:
        PermissionDeniedError: the actor is not a trainee.
        InvalidInputError: a field is missing or wrong, or submitting without a supervisor.
        ConflictError: the trainee recorded the same entry (title, case date, category, description)
            within the last REPEAT_WINDOW: the form was sent twice; nothing is written.
    """
    trainee = _trainee(session, actor)
    fields = _validate(session, title, case_date, category, description, reflection, now)
    if submit and trainee.supervisor_id is None:
        raise InvalidInputError(NO_SUPERVISOR)
    _refuse_a_repeat(session, trainee, fields, now)
    status = EntryStatus.PENDING if submit else EntryStatus.DRAFT
    entry = LogbookEntry(
        trainee_id=trainee.id,
        department_id=trainee.department_id,
        title=fields.title,
        case_date=fields.case_date,
        category=fields.category,
        description=fields.description,
        reflection=fields.reflection,
        status=status,
        submitted_at=now if submit else None,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    _record(
        session,
        actor,
        entry,
        old=None,
        new=status,
        action="logbook_submitted" if submit else "logbook_draft_saved",
        now=now,
    )
    if submit:
        _notify_supervisor(session, trainee, entry, resubmitted=False, now=now)
    rollups.refresh_logbook_months(session, [entry.case_date], trainee_ids=[entry.trainee_id])
    return get_entry(session, actor, entry.id, now=now)[0]


def update_entry(
    session: Session,
    actor: UserSummary,
    entry_id: int,
    *,
    title: str | None,
    case_date: date | None,
    category: str | None,
    description: str | None,
    reflection: str | None = None,
    submit: bool = False,
    now: datetime,
) -> LogbookEntryItem:
    """Change the trainee's own draft or returned entry, and optionally (re)submit it.

    Raises:
        PermissionDeniedError: the actor is not a trainee.
        NotFoundError: not the actor's entry.
        ConflictError: the entry is no longer editable (pending or decided).
        InvalidInputError: a field is missing or wrong, or submitting without a supervisor.
    """
    trainee = _trainee(session, actor)
    entry = _own_entry(session, trainee, entry_id)
    if not rules.is_editable(entry.status):
        raise ConflictError(f"This entry is {entry.status}; only drafts and returned entries can be edited.")
    fields = _validate(session, title, case_date, category, description, reflection, now)
    if submit and trainee.supervisor_id is None:
        raise InvalidInputError(NO_SUPERVISOR)
    months = [entry.case_date, fields.case_date]
    entry.title, entry.case_date, entry.category = fields.title, fields.case_date, fields.category
    entry.description, entry.reflection, entry.updated_at = fields.description, fields.reflection, now
    if submit:
        _submit(session, actor, trainee, entry, now)
    else:
        _record(session, actor, entry, old=entry.status, new=entry.status, action="logbook_entry_edited", now=now)
    session.flush()
    rollups.refresh_logbook_months(session, months, trainee_ids=[trainee.id])
    return get_entry(session, actor, entry.id, now=now)[0]


def submit_entry(session: Session, actor: UserSummary, entry_id: int, *, now: datetime) -> LogbookEntryItem:
    """Send the trainee's own draft or returned entry to their supervisor.

    Raises:
        PermissionDeniedError: the actor is not a trainee.
        NotFoundError: not the actor's entry.
        ConflictError: the entry is already pending or decided.
        InvalidInputError: the trainee has no assigned supervisor.
    """
    trainee = _trainee(session, actor)
    entry = _own_entry(session, trainee, entry_id)
    try:
        rules.compute_next_status("submit", entry.status)
    except rules.TransitionError as exc:
        raise ConflictError(str(exc)) from None
    if trainee.supervisor_id is None:
        raise InvalidInputError(NO_SUPERVISOR)
    _submit(session, actor, trainee, entry, now)
    session.flush()
    rollups.refresh_logbook_months(session, [entry.case_date], trainee_ids=[entry.trainee_id])
    return get_entry(session, actor, entry.id, now=now)[0]


def delete_draft(session: Session, actor: UserSummary, entry_id: int, *, now: datetime) -> None:
    """Delete the trainee's own draft (submitted entries are kept for the record).

    Raises:
        PermissionDeniedError: the actor is not a trainee.
        NotFoundError: not the actor's entry.
        ConflictError: the entry is not a draft.
    """
    trainee = _trainee(session, actor)
    entry = _own_entry(session, trainee, entry_id)
    if not rules.is_deletable(entry.status):
        raise ConflictError(f"Only drafts can be deleted; this entry is {entry.status}.")
    case_date = entry.case_date
    record_event(
        session,
        actor=actor,
        action="logbook_draft_deleted",
        now=now,
        entity_type="logbook_entry",
        entity_id=entry.id,
        details={"trainee_id": trainee.id, "title": entry.title, "old_status": entry.status, "new_status": None},
    )
    session.delete(entry)
    session.flush()
    rollups.refresh_logbook_months(session, [case_date], trainee_ids=[trainee.id])


def _refuse_a_repeat(session: Session, trainee: User, fields: rules.EntryFields, now: datetime) -> None:
    repo.lock_trainee(session, trainee.id)
    earlier = repo.find_repeat(
        session,
        trainee.id,
        title=fields.title,
        case_date=fields.case_date,
        category=fields.category,
        description=fields.description,
        since=now - REPEAT_WINDOW,
    )
    if earlier is None:
        return
    kept = "awaiting your supervisor" if earlier.status == EntryStatus.PENDING else f"now {earlier.status}"
    at = programme_time(earlier.created_at).strftime("%H:%M")
    raise ConflictError(
        f"This entry is already recorded: entry #{earlier.id}, sent at {at} with the same title, case date, "
        f"category and description, is in My entries ({kept}). Nothing was added. "
        "If this is a second case, give it a title of its own."
    )


def _trainee(session: Session, actor: UserSummary) -> User:
    user = authorize(session, actor, Role.TRAINEE)
    assert user is not None  # the system actor is an admin, never a trainee
    return user


def _own_entry(session: Session, trainee: User, entry_id: int) -> LogbookEntry:
    # Row lock on PostgreSQL so a double-clicked submit cannot transition twice.
    entry = session.get(LogbookEntry, entry_id, with_for_update=True, populate_existing=True)
    if entry is None or entry.trainee_id != trainee.id:
        raise NotFoundError(f"Logbook entry {entry_id} was not found among your entries.")
    return entry


def _validate(
    session: Session,
    title: str | None,
    case_date: date | None,
    category: str | None,
    description: str | None,
    reflection: str | None,
    now: datetime,
) -> rules.EntryFields:
    fields, problems = rules.validate_entry_fields(
        title=title,
        case_date=case_date,
        category=category,
        description=description,
        reflection=reflection,
        categories=list_categories(session),
        today=programme_date(now),
    )
    if fields is None:
        raise InvalidInputError("The entry was not saved. " + " ".join(problems), errors=problems)
    return fields


def _submit(session: Session, actor: UserSummary, trainee: User, entry: LogbookEntry, now: datetime) -> None:
    old = entry.status
    entry.status = rules.compute_next_status("submit", old)
    entry.submitted_at, entry.updated_at = now, now
    entry.decided_at, entry.decided_by_id = None, None
    entry.verified_by_id, entry.verified_at = None, None
    action = "logbook_resubmitted" if old == EntryStatus.RETURNED else "logbook_submitted"
    _record(session, actor, entry, old=old, new=entry.status, action=action, now=now)
    _notify_supervisor(session, trainee, entry, resubmitted=old == EntryStatus.RETURNED, now=now)


def _record(
    session: Session,
    actor: UserSummary,
    entry: LogbookEntry,
    *,
    old: str | None,
    new: str,
    action: str,
    now: datetime,
) -> None:
    if old != new:
        repo.add_status_changes(
            session,
            [
                {
                    "entry_id": entry.id,
                    "from_status": old,
                    "to_status": new,
                    "actor_id": actor.id,
                    "at": now,
                    "comment": None,
                }
            ],
        )
    record_event(
        session,
        actor=actor,
        action=action,
        now=now,
        entity_type="logbook_entry",
        entity_id=entry.id,
        details={"trainee_id": entry.trainee_id, "title": entry.title, "old_status": old, "new_status": new},
    )


def _notify_supervisor(
    session: Session, trainee: User, entry: LogbookEntry, *, resubmitted: bool, now: datetime
) -> None:
    if trainee.supervisor_id is None:
        return
    verb = "resubmitted" if resubmitted else "submitted"
    notify(
        session,
        user_id=trainee.supervisor_id,
        kind=NotificationKind.LOGBOOK_SUBMITTED,
        now=now,
        title=f"Logbook entry to verify: {entry.title}"[:200],
        body=f"{trainee.full_name} {verb} '{entry.title}' (case date {entry.case_date.isoformat()}).",
        link=f"/approvals?entry={entry.id}",
    )
