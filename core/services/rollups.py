"""Dashboard roll-ups: keep summary tables current after writes.

Write services call these inside their own transaction, with the months they touched
(any date inside the month), so dashboards read current figures without scanning raw rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session


def refresh_logbook_months(session: Session, months: Iterable[date]) -> None:
    """Recompute the logbook roll-up for the months containing these dates."""


def refresh_attendance_months(session: Session, months: Iterable[date]) -> None:
    """Recompute the attendance roll-up for the months containing these dates."""


def rebuild_all(session: Session) -> None:
    """Recompute every roll-up from the raw tables (after a bulk load or a repair)."""
