"""weekly_leadership_pack: the leadership pack into the archive, e-mailed to leadership when SMTP is set."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from core.config import Settings, get_settings
from core.dto import SYSTEM_ACTOR
from core.services.leadership_pack import generate_leadership_pack
from core.services.reminders import OutgoingMail
from core.services.reports import get_report_file, list_pack_recipients
from jobs.common import SessionFactory
from jobs.mail import Mailer, mailer_from_settings, send_all

log = logging.getLogger(__name__)


def run_weekly_leadership_pack(
    session_factory: SessionFactory, *, now: datetime, settings: Settings | None = None, mailer: Mailer | None = None
) -> dict[str, Any]:
    """Generate the full-scope pack for the 12 months to date and keep it in the archive."""
    settings = settings or get_settings()
    with session_factory.begin() as session:
        item = generate_leadership_pack(session, SYSTEM_ACTOR, report_dir=settings.report_dir, now=now,
                                        programme=settings.programme_name)
        recipients = list_pack_recipients(session)
        pdf = get_report_file(session, SYSTEM_ACTOR, item.id, report_dir=settings.report_dir)
    mailer = mailer if mailer is not None else mailer_from_settings(settings)
    subject = f"Leadership pack {item.params.get('period', '')}"
    body = (f"The weekly leadership pack for {settings.programme_name} is attached "
            f"(period {item.params.get('period', '')}; SHA-256 {item.checksum}).")
    mails = [OutgoingMail(to, subject, body, ((pdf.file_name, pdf.content, pdf.mime),)) for to in recipients]
    sent, failed = send_all(mailer, mails)
    counts = {"report_run_id": item.id, "file": item.file_name, "bytes": item.size_bytes,
              "emails_sent": sent, "emails_failed": failed, "smtp": mailer is not None}
    log.info("weekly_leadership_pack: %s", counts)
    return counts
