"""Helpers shared by the logbook services of this package (not part of its public API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.dto import LogbookEntryItem
from core.rules import logbook as rules
from core.rules.values import EntryStatus


def to_item(row: Any, now: datetime) -> LogbookEntryItem:
    """Turn a repository row (ENTRY_COLUMNS) into the DTO."""
    age = rules.compute_age_days(row.submitted_at, now) if row.status == EntryStatus.PENDING else 0
    return LogbookEntryItem(
        id=row.id,
        trainee_id=row.trainee_id,
        trainee_name=row.trainee_name,
        department_name=row.department_name,
        title=row.title,
        case_date=row.case_date,
        category=row.category,
        description=row.description,
        reflection=row.reflection,
        status=row.status,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        verified_by_name=row.verified_by_name,
        feedback=row.feedback,
        age_days=age,
        decided_by_name=row.decided_by_name,
    )
