"""Logbook widgets shared by the logbook and approvals pages: tables, the entry card and the entry form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TypedDict

import pandas as pd
import streamlit as st

from core.dto import BulkOutcome, LogbookEntryItem, LogbookHistoryItem
from core.rules.values import EntryStatus
from portal import tables, widgets

STATUS_LABELS: dict[str, str] = {
    EntryStatus.DRAFT: "📝 draft",
    EntryStatus.PENDING: "⏳ pending",
    EntryStatus.APPROVED: "✅ approved",
    EntryStatus.RETURNED: "↩️ returned",
    EntryStatus.REJECTED: "⛔ rejected",
}
VERDICTS: dict[str, Callable[..., object]] = {
    EntryStatus.APPROVED: st.success,
    EntryStatus.RETURNED: st.warning,
    EntryStatus.REJECTED: st.error,
}
DECISIONS = {"approve": "✅ Approve", "return": "↩️ Return for changes", "reject": "⛔ Reject"}
AGE_FILTERS = {"": "Any age", "7": "Waiting > 7 days", "14": "Waiting > 14 days"}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def entries_frame(items: Sequence[LogbookEntryItem], *, with_trainee: bool) -> pd.DataFrame:
    """Entries as a table (newest case first), with who decided each and when."""
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
            "decided by": i.decided_by_name or "",
            "decided on": _when(i.decided_at),
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
        "decided by",
        "decided on",
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
    age = f" · {item.age_days} d waiting" if item.status == EntryStatus.PENDING and with_trainee else ""
    return f"#{item.id} · {who}{item.case_date.isoformat()} · {item.title} · {item.status}{age}"


def entry_card(item: LogbookEntryItem, history: Sequence[LogbookHistoryItem]) -> None:
    """The whole entry: fields, feedback, who verified it and its status history."""
    with st.container(border=True):
        st.markdown(f"#### {widgets.plain(item.title)}")
        st.markdown(
            f"**{STATUS_LABELS.get(item.status, item.status)}** · {widgets.plain(item.category)} · case date "
            f"{item.case_date.isoformat()} · {widgets.plain(item.trainee_name)}"
            + (f" ({widgets.plain(item.department_name)})" if item.department_name else "")
        )
        st.markdown("**Description**")
        st.text(item.description)
        if item.reflection:
            st.markdown("**Reflection / learning points**")
            st.text(item.reflection)
        if item.decided_at is not None:
            decider = item.decided_by_name or "the system"
            verdict = f"{item.status.title()} by {decider} on {_when(item.decided_at)}"
            message = verdict + (f"\n\nFeedback: {widgets.plain(item.feedback)}" if item.feedback else "")
            VERDICTS.get(item.status, st.info)(message)
        elif item.status == EntryStatus.PENDING:
            st.info(f"Waiting for verification since {_when(item.submitted_at)} ({item.age_days} days).")
        if history:
            st.caption("History")
            tables.show(
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


class EntryFields(TypedDict):
    """What the trainee typed into the entry form, as the logbook services take it."""

    title: str
    case_date: date | None
    category: str | None
    description: str
    reflection: str
    submit: bool


FORM_FIELDS = ("title", "case_date", "category", "description", "reflection")


def entry_form(item: LogbookEntryItem | None, categories: list[str], *, key: str, today: date) -> EntryFields | None:
    """A new entry's form (or a draft's or returned entry's); the fields once a button is pressed, else None."""
    choices = [*categories, *([item.category] if item is not None and item.category not in categories else [])]
    returned = item is not None and item.status == EntryStatus.RETURNED
    heading = "Edit and resubmit" if returned else "Edit draft" if item else None
    with st.form(key, clear_on_submit=False):
        if heading:
            st.markdown(f"**{heading}**")
        title = st.text_input("Case title", value=item.title if item else "", max_chars=200, key=f"{key}.title")
        case_date = st.date_input(  # no later than the programme's today: the service's "not in the future"
            "Case date", value=item.case_date if item else today, max_value=today, key=f"{key}.case_date"
        )
        category = st.selectbox(
            "Category", choices, key=f"{key}.category", index=choices.index(item.category) if item else 0
        )
        description = st.text_area(
            "Description",
            value=item.description if item else "",
            key=f"{key}.description",
            placeholder="Presentation, what you did, outcome.",
        )
        reflection = st.text_area(
            "Reflection / learning points (optional)",
            key=f"{key}.reflection",
            value=(item.reflection or "") if item else "",
        )
        left, right = st.columns(2)
        submit_label = "Resubmit to supervisor" if returned else "Submit to supervisor"
        submitted = left.form_submit_button(submit_label, type="primary", width="stretch")
        saved = right.form_submit_button("Save changes" if item else "Save draft", width="stretch")
    if not (submitted or saved):
        return None
    return EntryFields(
        title=title,
        case_date=case_date,
        category=category,
        description=description,
        reflection=reflection,
        submit=submitted,
    )


def reset_entry_form(key: str) -> None:
    """Forget what was typed into the form `key` (after its write committed: ready for the next case)."""
    for name in FORM_FIELDS:
        st.session_state.pop(f"{key}.{name}", None)


def decision_form(entry_id: int, *, key: str) -> tuple[str, str] | None:
    """Feedback and the approve / return / reject buttons; (decision, feedback) once one is pressed."""
    with st.form(f"{key}.decide.{entry_id}"):
        feedback = st.text_area(
            "Feedback to the trainee",
            key=f"{key}.feedback.{entry_id}",
            placeholder="Optional when approving; required to return or reject.",
        )
        # Approve on its own row, return and reject under it: the labels fit a narrow panel and a phone.
        cells = [st.container(), *st.columns(2)]
        clicked = [
            d
            for d, cell in zip(DECISIONS, cells, strict=True)
            if cell.form_submit_button(DECISIONS[d], type="primary" if d == "approve" else "secondary", width="stretch")
        ]
    return (clicked[0], feedback) if clicked else None


def bulk_outcomes(outcomes: Sequence[BulkOutcome], *, key: str) -> bool:
    """What a bulk approval did, entry by entry, with a download; True once the reader dismisses it."""
    approved = sum(1 for o in outcomes if o.outcome == EntryStatus.APPROVED)
    message = f"Approved {approved} of {len(outcomes)} selected entries."
    (st.success if approved == len(outcomes) else st.warning)(message + " Each entry's result is below.")
    frame = outcomes_frame(outcomes)
    tables.show(frame, hide_index=True, width="stretch")
    left, right = st.columns([3, 1])
    with left:
        widgets.download_buttons(frame, name="bulk-approval", key=f"{key}_download", xlsx=False)
    return right.button("Dismiss", key=f"{key}_dismiss", width="stretch")
