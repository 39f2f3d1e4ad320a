"""weekly_leadership_pack: the leadership pack into the archive, queued by e-mail to leadership (outbox)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.config import Settings, get_settings
from core.dto import SYSTEM_ACTOR, UserSummary
from core.rules.values import EmailEvent, Role
from core.services.auth import get_signed_in_user
from core.services.outbox import queue_for_role
from core.services.reports.archive import get_report_file
from core.services.reports.pack import generate_leadership_pack
from jobs.common import SessionFactory

log = logging.getLogger(__name__)


def run_weekly_leadership_pack(
    session_factory: SessionFactory,
    *,
    now: datetime,
    settings: Settings | None = None,
    triggered_by: str = SYSTEM_ACTOR.username,
) -> dict[str, Any]:
    """Generate the full-scope pack for the 12 months to date and keep it in the archive.

    A run an admin started with Run now is made in their name, so the cover and the archive say
    who; scheduled and CLI runs are the system's.
    """
    settings = settings or get_settings()
    with session_factory.begin() as session:
        author = _author(session, triggered_by)
        item = generate_leadership_pack(session, author, now=now, programme=settings.programme_name)
        pdf = get_report_file(session, author, item.id)
        # Queued in the same transaction as the archive row: sent by send_outbox, retried until accepted.
        queued = queue_for_role(
            session,
            Role.LEADERSHIP,
            EmailEvent.REPORTS,
            subject=f"Leadership pack {item.params.get('period', '')}",
            body=(
                f"The weekly leadership pack for {settings.programme_name} is attached "
                f"(period {item.params.get('period', '')}; SHA-256 {item.checksum})."
            ),
            link="/reports",
            attachments=((pdf.file_name, pdf.content, pdf.mime),),
            now=now,
        )
    counts = {
        "report_run_id": item.id,
        "file": item.file_name,
        "bytes": item.size_bytes,
        "emails_queued": queued,
    }
    log.info("weekly_leadership_pack: %s", counts)
    return counts


def _author(session: Session, triggered_by: str) -> UserSummary:
    if triggered_by == SYSTEM_ACTOR.username:
        return SYSTEM_ACTOR
    return get_signed_in_user(session, triggered_by) or SYSTEM_ACTOR  # gone or deactivated since: the system's
