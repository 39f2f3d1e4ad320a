"""send_outbox: send the due e-mails over one SMTP connection; retry the failures later.

Each accepted message is marked sent in its own short transaction right after the server took
it, so a crash mid-run re-sends nothing that was already accepted. A connection that fails
(refused, timed out, TLS or login refused) ends the run: every due message gets a failed
attempt and its backoff. A run with failures is recorded as partial (some sent) or failed
(none sent), with counts, and tells the admins in the inbox once a day.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from typing import Any

from core.clock import programme_date
from core.config import Settings, get_settings
from core.rules.values import JobRunStatus, NotificationKind, Role
from core.services.notifications import notify_role
from core.services.outbox import list_due, mark_attempt_failed, mark_sent
from jobs.common import SessionFactory
from jobs.mail import Mailer, build_message, mailer_from_settings

log = logging.getLogger(__name__)

BATCH = 200


def run_send_outbox(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None, mailer: Mailer | None = None
) -> dict[str, Any]:
    """Send what is due; counts sent, failed attempts, given up and left for later."""
    settings = settings or get_settings()
    with session_factory.begin() as session:
        due = list_due(session, now=now, limit=BATCH)
    counts: dict[str, Any] = {"due": len(due), "emails_sent": 0, "emails_failed": 0, "given_up": 0}
    mailer = mailer if mailer is not None else mailer_from_settings(settings)
    if not due:
        return counts
    if mailer is None:
        counts["smtp"] = False  # kept in the outbox until SMTP_HOST is set
        return counts
    pending = list(due)
    error: str | None = None
    try:
        with mailer.connect() as connection:
            while pending:
                mail = pending[0]
                message = build_message(settings, mail)
                try:
                    connection.send(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as exc:
                    # This message was refused; the connection is still good for the others.
                    _failed(session_factory, mail.id, now, f"{type(exc).__name__}: {exc}", counts)
                    pending.pop(0)
                    continue
                with session_factory.begin() as session:
                    mark_sent(session, mail.id, now=now, smtp_message_id=str(message["Message-ID"]))
                counts["emails_sent"] += 1
                pending.pop(0)
    except (smtplib.SMTPException, OSError) as exc:  # refused, timed out, TLS, login: the server, not a message
        error = f"{type(exc).__name__}: {exc}"
        log.warning("send_outbox: SMTP connection failed: %s", error)
    for mail in pending:
        _failed(session_factory, mail.id, now, error or "not sent", counts)
    if counts["emails_failed"]:
        counts["status"] = JobRunStatus.PARTIAL if counts["emails_sent"] else JobRunStatus.FAILED
        counts["error"] = error or "some messages were refused"
        _tell_admins(session_factory, now, settings, counts)
    return counts


def _failed(
    session_factory: SessionFactory, message_id: int, now: datetime, error: str, counts: dict[str, Any]
) -> None:
    with session_factory.begin() as session:
        gave_up = mark_attempt_failed(session, message_id, now=now, error=error)
    counts["emails_failed"] += 1
    counts["given_up"] += int(gave_up)


def _tell_admins(session_factory: SessionFactory, now: datetime, settings: Settings, counts: dict[str, Any]) -> None:
    day = programme_date(now, settings.timezone).isoformat()
    title = f"E-mail sending failed: {counts['emails_failed']} of {counts['due']} not sent"
    body = (
        f"The send_outbox job could not send {counts['emails_failed']} e-mail(s) ({counts['given_up']} given up "
        f"after repeated attempts): {counts.get('error')}. Check the SMTP settings; the others are retried."
    )
    with session_factory.begin() as session:
        notify_role(
            session,
            Role.ADMIN,
            kind=NotificationKind.JOB_FAILED,
            title=title,
            body=body,
            link="/system",
            now=now,
            dedupe_prefix=f"outbox:failed:{day}",
        )
