"""SMTP: build each outbox message (Date, Message-ID, text and HTML, absolute links) and send a run's worth.

One connection per run, every operation bounded by SMTP_TIMEOUT (at most 10 s), TLS chosen by
SMTP_TLS (starttls | ssl | none, never guessed from the port) and the server's certificate
verified against the system trust store unless SMTP_VERIFY=false.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from typing import Protocol
from urllib.parse import urljoin

from core.config import Settings
from core.services.outbox import OutgoingMessage

log = logging.getLogger(__name__)


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Mailer(Protocol):
    """Opens one connection for a run (tests of other things pass a fake)."""

    def connect(self) -> AbstractContextManager[Connection]: ...


def absolute_link(settings: Settings, link: str | None) -> str | None:
    """`/approvals?entry=12` -> `https://portal.example.org/approvals?entry=12` (PUBLIC_BASE_URL)."""
    if not link:
        return None
    return urljoin(settings.public_base_url.rstrip("/") + "/", link.lstrip("/"))


def build_message(settings: Settings, mail: OutgoingMessage) -> EmailMessage:
    """The e-mail for one outbox row: headers, plain text and HTML alternatives, attachments."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = formatdate(usegmt=True)
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(idstring=f"outbox-{mail.id}", domain=domain)
    url = absolute_link(settings, mail.link)
    footer = f"\n\n{settings.programme_name} - Training Operations Portal"
    text = mail.body + (f"\n\nOpen it in the portal: {url}" if url else "") + footer
    message.set_content(text)
    link_html = f'<p><a href="{escape(url)}">Open it in the portal</a><br>{escape(url)}</p>' if url else ""
    html = (
        "<!doctype html><html><body>"
        f"<p>{escape(mail.body).replace(chr(10), '<br>')}</p>{link_html}"
        f'<p style="color:#5c6b78;font-size:12px">{escape(settings.programme_name)} - Training Operations Portal</p>'
        "</body></html>"
    )
    message.add_alternative(html, subtype="html")
    for name, content, mime in mail.attachments:
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype or "octet-stream", filename=name)
    return message


class _SmtpConnection:
    def __init__(self, smtp: smtplib.SMTP) -> None:
        self._smtp = smtp

    def send(self, message: EmailMessage) -> None:
        self._smtp.send_message(message)


class SmtpMailer:
    """Connects to SMTP_HOST:SMTP_PORT as SMTP_TLS says, logs in when SMTP_USER is set."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()  # the system trust store (SSL_CERT_FILE is honoured)
        if not self._settings.smtp_verify:
            log.warning("SMTP_VERIFY=false: the mail server's certificate is not checked")
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        s = self._settings
        assert s.smtp_host is not None
        timeout = s.smtp_timeout
        smtp: smtplib.SMTP
        if s.smtp_tls == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=timeout, context=self._context())
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=timeout)
        try:
            if s.smtp_tls == "starttls":
                smtp.starttls(context=self._context())  # raises SMTPNotSupportedError: never a silent downgrade
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password or "")
            yield _SmtpConnection(smtp)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()


def mailer_from_settings(settings: Settings) -> SmtpMailer | None:
    """An SMTP mailer when SMTP_HOST is set, else None (the outbox keeps the messages)."""
    return SmtpMailer(settings) if settings.smtp_host else None
