"""The title roll-up behind progress: approved entries per (month, trainee, category, title).

`core.services.dashboards.rollups.refresh_logbook_months` calls `refresh_title_months` for the same
months (and trainees), under the logbook roll-up's lock and in the writer's transaction, so progress
is current at commit; `rebuild_title_rollup` is part of `rebuild_all`. The title key is
`lower(trim(title))` in SQL, the expression `core.rules.progress.compute_title_key` mirrors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, delete, func, insert, inspect, literal, select
from sqlalchemy.orm import Session

from core.calendar import add_months
from core.models import LogbookEntry, LogbookTitleRollup
from core.rules.values import EntryStatus

_COLUMNS = ["month", "trainee_id", "category", "title_key", "approved"]
_NO_SYNC = {"synchronize_session": False}


def _title_key() -> Any:
    return func.lower(func.trim(LogbookEntry.title))


def _select(month: Any, where: list[Any], *, per_month: bool) -> Any:
    key = _title_key()
    grouping = [LogbookEntry.trainee_id, LogbookEntry.category, key]
    return (
        select(month, LogbookEntry.trainee_id, LogbookEntry.category, key, func.count())
        .where(*where, LogbookEntry.status == EntryStatus.APPROVED)
        .group_by(*([*grouping, month] if per_month else grouping))
    )


def refresh_title_months(session: Session, starts: Sequence[date], trainee_ids: Sequence[int] | None) -> None:
    """Recompute the months starting on `starts` (only these trainees' rows when given); caller holds the lock."""
    for start in starts:
        where = [LogbookEntry.case_date >= start, LogbookEntry.case_date < add_months(start, 1)]
        stale = [LogbookTitleRollup.month == start]
        if trainee_ids is not None:
            where.append(LogbookEntry.trainee_id.in_(trainee_ids))
            stale.append(LogbookTitleRollup.trainee_id.in_(trainee_ids))
        session.execute(delete(LogbookTitleRollup).where(*stale), execution_options=_NO_SYNC)
        session.execute(
            insert(LogbookTitleRollup).from_select(_COLUMNS, _select(literal(start, Date), where, per_month=False))
        )


def rebuild_title_rollup(session: Session, month: Any) -> None:
    """Recompute the whole title roll-up; `month` is the dialect's month-of-case-date expression.

    Migration 0004 runs `rebuild_all` before this table exists (0012 creates and fills it), so a
    database without the table is left alone.
    """
    if not inspect(session.connection()).has_table(LogbookTitleRollup.__tablename__):
        return
    session.execute(delete(LogbookTitleRollup), execution_options=_NO_SYNC)
    session.execute(insert(LogbookTitleRollup).from_select(_COLUMNS, _select(month, [], per_month=True)))
