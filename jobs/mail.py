"""Outgoing e-mail behind a Protocol: SMTP when configured, nothing otherwise (tests use a fake)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Protocol

from core.config import Settings
from core.services.logbook.reminders import OutgoingMail

log = logging.getLogger(__name__)


class Mailer(Protocol):
    def send(self, mail: OutgoingMail) -> None: ...


class SmtpMailer:
    """Sends through the SMTP server in the settings (STARTTLS on port 587)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, mail: OutgoingMail) -> None:
        s = self._settings
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = mail.to
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        for name, content, mime in mail.attachments:
            maintype, _, subtype = mime.partition("/")
            message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
        assert s.smtp_host is not None
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=30) as smtp:
            if s.smtp_port != 25:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            smtp.send_message(message)


def mailer_from_settings(settings: Settings) -> Mailer | None:
    """An SMTP mailer when SMTP_HOST is set, else None (in-app notifications only)."""
    return SmtpMailer(settings) if settings.smtp_host else None


def send_all(mailer: Mailer | None, mails: tuple[OutgoingMail, ...] | list[OutgoingMail]) -> tuple[int, int]:
    """Send each mail; a failure is logged and counted, never raised. Returns (sent, failed)."""
    if mailer is None:
        return 0, 0
    sent = failed = 0
    for mail in mails:
        try:
            mailer.send(mail)
            sent += 1
        except Exception:  # noqa: BLE001 - one bad address must not stop the other reminders
            log.exception("could not send e-mail to %s", mail.to)
            failed += 1
    return sent, failed
