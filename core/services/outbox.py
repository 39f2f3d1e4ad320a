"""The e-mail outbox: queue in the caller's transaction, send later (the send_outbox job), retry with backoff.

A page or job never talks to SMTP: it queues a row here, in the same transaction as the change it
reports, so a slow or absent mail server never slows a page and nothing is lost while the
scheduler is down. A message is marked sent only after the server accepted it; failures are
retried with backoff (1, 2, 4 ... minutes, at most an hour apart) and marked failed after
MAX_ATTEMPTS, which the System page shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.dto import UserSummary
from core.errors import PermissionDeniedError
from core.models import EmailPreference, OutboxAttachment, OutboxMessage, User
from core.rules.access import ALL_ROLES
from core.rules.values import EmailEvent, NotificationKind, OutboxStatus, Role
from core.services.access import authorize
from core.services.audit import record_event

MAX_ATTEMPTS = 8
BACKOFF_CAP = timedelta(hours=1)

# Which in-app notifications may also go out by e-mail, and under which preference.
EVENT_OF_KIND: dict[NotificationKind, EmailEvent] = {
    NotificationKind.LOGBOOK_APPROVED: EmailEvent.DECISIONS,
    NotificationKind.LOGBOOK_RETURNED: EmailEvent.DECISIONS,
    NotificationKind.LOGBOOK_REJECTED: EmailEvent.DECISIONS,
    NotificationKind.CHANGE_REQUEST_DECIDED: EmailEvent.DECISIONS,
    NotificationKind.REMINDER_DIGEST: EmailEvent.WAITING,
    NotificationKind.REMINDER_ESCALATION: EmailEvent.WAITING,
    NotificationKind.RESULT_PUBLISHED: EmailEvent.RESULTS,
    NotificationKind.RESULT_FROZEN: EmailEvent.RESULTS,
    NotificationKind.RESULT_CHANGED: EmailEvent.RESULTS,
    NotificationKind.DOCUMENT_APPROVED: EmailEvent.DOCUMENTS,
    NotificationKind.DOCUMENT_REJECTED: EmailEvent.DOCUMENTS,
    NotificationKind.DOCUMENT_COMPLETED: EmailEvent.DOCUMENTS,
    NotificationKind.TRANSCRIPT_GENERATED: EmailEvent.DOCUMENTS,
    NotificationKind.AT_RISK_WARNING: EmailEvent.AT_RISK,
    NotificationKind.ATTENDANCE_ALERT_DIGEST: EmailEvent.AT_RISK,
    NotificationKind.MISSING_ATTENDANCE_DIGEST: EmailEvent.AT_RISK,
    NotificationKind.LEAVE_DECIDED: EmailEvent.DECISIONS,
    NotificationKind.CONDONATION_DECIDED: EmailEvent.DECISIONS,
}

EVENT_LABELS: dict[EmailEvent, str] = {
    EmailEvent.DECISIONS: "Decisions on my logbook entries and change requests",
    EmailEvent.WAITING: "Entries waiting for me (the daily digest)",
    EmailEvent.RESULTS: "Results published, frozen or changed",
    EmailEvent.DOCUMENTS: "A document or transcript is ready",
    EmailEvent.AT_RISK: "Attendance alerts (warning, at risk, out of reach; staff: digests and missing uploads)",
    EmailEvent.REPORTS: "The weekly leadership pack (PDF attached)",
}

# Who each event can concern: My account offers only these.
EVENTS_FOR_ROLE: dict[Role, tuple[EmailEvent, ...]] = {
    Role.TRAINEE: (EmailEvent.DECISIONS, EmailEvent.RESULTS, EmailEvent.DOCUMENTS, EmailEvent.AT_RISK),
    Role.SUPERVISOR: (EmailEvent.WAITING, EmailEvent.AT_RISK),
    Role.ADMIN: (EmailEvent.WAITING, EmailEvent.DOCUMENTS, EmailEvent.DECISIONS, EmailEvent.AT_RISK),
    Role.LEADERSHIP: (EmailEvent.REPORTS,),
}

# Sensible defaults: everything that concerns you is on (each role is offered only its own events).
DEFAULTS: dict[EmailEvent, bool] = {event: True for event in EmailEvent}


@dataclass(frozen=True)
class OutgoingMessage:
    """A queued e-mail as the sender sees it (the link still relative)."""

    id: int
    to: str
    subject: str
    body: str
    link: str | None
    attempts: int
    attachments: tuple[tuple[str, bytes, str], ...] = ()


@dataclass(frozen=True)
class OutboxCounts:
    """The outbox at a glance (System page)."""

    queued: int
    sent: int
    failed: int
    oldest_queued: datetime | None


def queue_mail(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    now: datetime,
    link: str | None = None,
    user_id: int | None = None,
    event: EmailEvent | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> int:
    """Queue one e-mail (sent by the send_outbox job); returns its id."""
    message = OutboxMessage(
        created_at=now,
        user_id=user_id,
        to_address=to,
        subject=subject[:200],
        body=body,
        link=link,
        event=event,
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=now,
    )
    message.attachments = [OutboxAttachment(file_name=n, content=c, mime=m) for n, c, m in attachments]
    session.add(message)
    session.flush()
    return message.id


def wants_mail(session: Session, user_id: int, event: EmailEvent) -> bool:
    """Whether the user has this event by e-mail (their choice, else the default)."""
    enabled = session.scalar(
        select(EmailPreference.enabled).where(EmailPreference.user_id == user_id, EmailPreference.event == event)
    )
    return DEFAULTS[event] if enabled is None else bool(enabled)


def queue_event_mails(
    session: Session,
    items: Sequence[tuple[int, NotificationKind, str, str | None, str | None]],
    *,
    now: datetime,
) -> int:
    """Queue the e-mail twin of each (user, kind, title, body, link) the user wants by e-mail; returns how many."""
    wanted = [(u, EVENT_OF_KIND[k], t, b, link) for u, k, t, b, link in items if k in EVENT_OF_KIND]
    if not wanted:
        return 0
    user_ids = {u for u, *_ in wanted}
    addresses: dict[int, str | None] = {
        user_id: email
        for user_id, email in session.execute(
            select(User.id, User.email).where(User.id.in_(user_ids), User.is_active.is_(True), User.email.is_not(None))
        )
    }
    choices = {
        (u, e): bool(on)
        for u, e, on in session.execute(
            select(EmailPreference.user_id, EmailPreference.event, EmailPreference.enabled).where(
                EmailPreference.user_id.in_(user_ids)
            )
        )
    }
    queued = 0
    for user_id, event, title, body, link in wanted:
        address = addresses.get(user_id)
        if not address or not choices.get((user_id, event), DEFAULTS[event]):
            continue
        queue_mail(
            session, to=address, subject=title, body=body or title, now=now, link=link, user_id=user_id, event=event
        )
        queued += 1
    return queued


def queue_for_role(
    session: Session,
    role: Role,
    event: EmailEvent,
    *,
    subject: str,
    body: str,
    now: datetime,
    link: str | None = None,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
) -> int:
    """Queue one e-mail to each active user with `role` and an address who wants `event`; returns how many."""
    users = session.execute(
        select(User.id, User.email)
        .where(User.role == role, User.is_active.is_(True), User.email.is_not(None))
        .order_by(User.id)
    ).all()
    queued = 0
    for user_id, address in list(users):
        if address and wants_mail(session, user_id, event):
            queue_mail(
                session,
                to=address,
                subject=subject,
                body=body,
                now=now,
                link=link,
                user_id=user_id,
                event=event,
                attachments=attachments,
            )
            queued += 1
    return queued


def get_email_preferences(session: Session, actor: UserSummary) -> dict[EmailEvent, bool]:
    """The actor's choice for each event their role can receive (defaults where they made none)."""
    authorize(session, actor, *ALL_ROLES)
    stored: dict[str, bool] = {
        event: enabled
        for event, enabled in session.execute(
            select(EmailPreference.event, EmailPreference.enabled).where(EmailPreference.user_id == actor.id)
        )
    }
    return {event: bool(stored.get(event, DEFAULTS[event])) for event in EVENTS_FOR_ROLE[actor.role]}


def set_email_preferences(
    session: Session, actor: UserSummary, choices: dict[EmailEvent, bool], *, now: datetime
) -> dict[EmailEvent, bool]:
    """Store the actor's choices (only events their role can receive), audited; returns the new set."""
    if authorize(session, actor, *ALL_ROLES) is None or actor.id is None:
        raise PermissionDeniedError("The system account has no e-mail preferences.")
    before = get_email_preferences(session, actor)
    changed = {e: on for e, on in choices.items() if e in before and before[e] != on}
    for event, on in changed.items():
        row = session.get(EmailPreference, (actor.id, event))
        if row is None:
            session.add(EmailPreference(user_id=actor.id, event=event, enabled=on))
        else:
            row.enabled = on
    if changed:
        session.flush()
        record_event(
            session,
            actor=actor,
            action="email_preferences.update",
            entity_type="user",
            entity_id=actor.id,
            details={str(e): on for e, on in changed.items()},
            now=now,
        )
    return get_email_preferences(session, actor)


def list_due(session: Session, *, now: datetime, limit: int = 200) -> list[OutgoingMessage]:
    """Queued messages whose next attempt is due, oldest first."""
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.next_attempt_at <= now)
        .options(selectinload(OutboxMessage.attachments))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return [
        OutgoingMessage(
            m.id,
            m.to_address,
            m.subject,
            m.body,
            m.link,
            m.attempts,
            tuple((a.file_name, a.content, a.mime) for a in m.attachments),
        )
        for m in rows
    ]


def mark_sent(session: Session, message_id: int, *, now: datetime, smtp_message_id: str) -> None:
    """The server accepted the message."""
    message = session.get(OutboxMessage, message_id)
    if message is not None:
        message.status, message.sent_at, message.message_id = OutboxStatus.SENT, now, smtp_message_id
        message.attempts += 1
        message.last_error = None


def mark_attempt_failed(session: Session, message_id: int, *, now: datetime, error: str) -> bool:
    """One more failed attempt: retry later with backoff, or give up after MAX_ATTEMPTS. True if given up."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        return False
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
        return True
    message.next_attempt_at = now + min(BACKOFF_CAP, timedelta(minutes=2 ** (message.attempts - 1)))
    return False


def count_outbox(session: Session) -> OutboxCounts:
    """How many messages are queued, sent and failed, and since when the oldest one waits."""
    grouped = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts: dict[str, int] = {status: count for status, count in grouped}
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(OutboxMessage.status == OutboxStatus.QUEUED)
    )
    return OutboxCounts(
        int(counts.get(OutboxStatus.QUEUED, 0)),
        int(counts.get(OutboxStatus.SENT, 0)),
        int(counts.get(OutboxStatus.FAILED, 0)),
        oldest,
    )
