"""Logbook widgets shared by the logbook and approvals pages: tables and the entry card."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import streamlit as st

from core.dto import BulkOutcome, LogbookEntryItem, LogbookHistoryItem
from portal import widgets

STATUS_LABELS = {
    "draft": "📝 draft",
    "pending": "⏳ pending",
    "approved": "✅ approved",
    "returned": "↩️ returned",
    "rejected": "⛔ rejected",
}
AGE_FILTERS = {"": "Any age", "7": "Waiting > 7 days", "14": "Waiting > 14 days"}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def entries_frame(items: Sequence[LogbookEntryItem], *, with_trainee: bool) -> pd.DataFrame:
    """Entries as a table (newest case first), with who verified each and when."""
    rows = []
    for i in items:
        row: dict[str, object] = {"id": i.id}
        if with_trainee:
            row |= {"trainee": i.trainee_name, "department": i.department_name or ""}
        row |= {
            "case date": i.case_date,
            "title": i.title,
            "category": i.category,
            "status": STATUS_LABELS.get(i.status, i.status),
            "submitted": _when(i.submitted_at),
            "verified by": i.verified_by_name or "",
            "verified on": _when(i.decided_at),
            "feedback": i.feedback or "",
        }
        rows.append(row)
    columns = [
        "id",
        *(["trainee", "department"] if with_trainee else []),
        "case date",
        "title",
        "category",
        "status",
        "submitted",
        "verified by",
        "verified on",
        "feedback",
    ]
    return pd.DataFrame(rows, columns=columns)


def queue_frame(items: Sequence[LogbookEntryItem]) -> pd.DataFrame:
    """The pending queue, oldest first, with the waiting time in days."""
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "age (days)": i.age_days,
                "submitted": _when(i.submitted_at),
                "trainee": i.trainee_name,
                "department": i.department_name or "",
                "category": i.category,
                "case date": i.case_date,
                "title": i.title,
            }
            for i in items
        ],
        columns=["id", "age (days)", "submitted", "trainee", "department", "category", "case date", "title"],
    )


def outcomes_frame(outcomes: Sequence[BulkOutcome]) -> pd.DataFrame:
    """What a bulk approval did to each selected entry."""
    return pd.DataFrame(
        [{"id": o.entry_id, "trainee": o.trainee_name, "title": o.title, "result": o.outcome} for o in outcomes],
        columns=["id", "trainee", "title", "result"],
    )


def entry_label(item: LogbookEntryItem, *, with_trainee: bool) -> str:
    """One line naming an entry in a picker."""
    who = f"{item.trainee_name} · " if with_trainee else ""
    age = f" · {item.age_days} d waiting" if item.status == "pending" and with_trainee else ""
    return f"#{item.id} · {who}{item.case_date.isoformat()} · {item.title} · {item.status}{age}"


def entry_card(item: LogbookEntryItem, history: Sequence[LogbookHistoryItem]) -> None:
    """The whole entry: fields, feedback, who verified it and its status history."""
    with st.container(border=True):
        st.markdown(f"#### {widgets.plain(item.title)}")
        st.markdown(
            f"**{STATUS_LABELS.get(item.status, item.status)}** · {item.category} · case date "
            f"{item.case_date.isoformat()} · {widgets.plain(item.trainee_name)}"
            + (f" ({widgets.plain(item.department_name)})" if item.department_name else "")
        )
        st.markdown("**Description**")
        st.text(item.description)
        if item.reflection:
            st.markdown("**Reflection / learning points**")
            st.text(item.reflection)
        if item.decided_at is not None:
            verdict = f"{item.status.title()} by {item.verified_by_name or 'the system'} on {_when(item.decided_at)}"
            message = verdict + (f"\n\nFeedback: {widgets.plain(item.feedback)}" if item.feedback else "")
            {"approved": st.success, "returned": st.warning, "rejected": st.error}.get(item.status, st.info)(message)
        elif item.status == "pending":
            st.info(f"Waiting for verification since {_when(item.submitted_at)} ({item.age_days} days).")
        if history:
            st.caption("History")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "when": _when(h.at),
                            "from": h.from_status or "",
                            "to": h.to_status,
                            "by": h.actor_name or "",
                            "comment": h.comment or "",
                        }
                        for h in history
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
