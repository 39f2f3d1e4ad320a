"""The Approvals page's review flow: the queue (a table on wide screens, cards on phones), the decision
panel beside it, bulk decisions and the confirmation shown where the reviewer is looking.

The page draws both layouts and a CSS media query shows one: the table at widths over 640 px (where
Streamlit keeps columns side by side) and the cards at 640 px or less (where it stacks them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from core.dto import ApprovalQueue, BulkOutcome, LogbookEntryItem
from core.rules.logbook import DECIDED_STATUSES
from portal import state, widgets
from portal.logbook_views import STATUS_LABELS, outcomes_frame

DESCRIPTION_CHARS = 150
RECENT_DECISIONS = 5
CARDS_PAGE = 20
DESKTOP_KEY = "approvals_desktop"  # st-key-<key> is the container's CSS class (no dots: they are class syntax)
PHONE_KEY = "approvals_phone"
_CSS = f"""
<style>
@media (max-width: 640px) {{ .st-key-{DESKTOP_KEY} {{ display: none !important; }} }}
@media (min-width: 641px) {{ .st-key-{PHONE_KEY} {{ display: none !important; }} }}
</style>
"""
BULK_VERBS = {
    "approve": ("✅ Approve", "Approved"),
    "return": ("↩️ Return", "Returned"),
    "reject": ("⛔ Reject", "Rejected"),
}


def layout_css() -> None:
    """The media query that shows the table on wide screens and the cards on phones (takes no space)."""
    st.html(_CSS)


def short(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """The first `limit` characters of a description on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def queue_table(items: Sequence[LogbookEntryItem]) -> pd.DataFrame:
    """The queue as the reviewer reads it: who, what and the start of the description, oldest first."""
    return pd.DataFrame(
        [
            {
                "id": i.id,
                "age (days)": i.age_days,
                "trainee": i.trainee_name,
                "title": i.title,
                "description": short(i.description),
                "category": i.category,
                "case date": i.case_date,
                "department": i.department_name or "",
                "submitted": i.submitted_at.strftime("%Y-%m-%d %H:%M") if i.submitted_at else "",
            }
            for i in items
        ],
        columns=[
            "id",
            "age (days)",
            "trainee",
            "title",
            "description",
            "category",
            "case date",
            "department",
            "submitted",
        ],
    )


def next_after(queue: ApprovalQueue, entry_id: int) -> int | None:
    """The entry to review after `entry_id`: the next one in the queue, else the one before, else none."""
    ids = [i.id for i in queue.items]
    if entry_id not in ids:
        return ids[0] if ids else None
    at = ids.index(entry_id)
    rest = ids[at + 1 :] or ids[:at][-1:]
    return rest[0] if rest else None


def confirmation() -> None:
    """The last decision's message, once, where it is drawn (the top of the panel or the card list)."""
    kept = st.session_state.get(state.APPROVALS_CONFIRMATION)
    if kept:
        kind, message = kept
        getattr(st, kind, st.success)(widgets.plain(message))  # it names the trainee


def toast_confirmation() -> None:
    """The last decision's message as a toast too: it shows in the viewport wherever the page is scrolled
    (the panel's top may be above the button that was clicked). Call once per run."""
    kept = st.session_state.get(state.APPROVALS_CONFIRMATION)
    if kept:
        st.toast(widgets.plain(kept[1]), icon="✅" if kept[0] == "success" else "⚠️")


def forget_confirmation() -> None:
    st.session_state[state.APPROVALS_CONFIRMATION] = None


def keep_confirmation(message: str, kind: str = "success") -> None:
    st.session_state[state.APPROVALS_CONFIRMATION] = (kind, message)


def recent_decisions(items: Sequence[LogbookEntryItem], current: int, *, key: str) -> None:
    """The trainee's latest decided entries (context for this decision)."""
    decided = sorted(
        (i for i in items if i.status in DECIDED_STATUSES and i.id != current and i.decided_at is not None),
        key=lambda i: i.decided_at or i.case_date,
        reverse=True,
    )[:RECENT_DECISIONS]
    st.markdown("**Recent decisions for this trainee**")
    if not decided:
        st.caption("None yet: this is the first of their entries to be decided.")
        return
    frame = pd.DataFrame(
        [
            {
                "decided on": i.decided_at.strftime("%Y-%m-%d") if i.decided_at else "",
                "title": i.title,
                "status": STATUS_LABELS.get(i.status, i.status),
                "decided by": i.decided_by_name or "",
                "feedback": i.feedback or "",
            }
            for i in decided
        ]
    )
    st.dataframe(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="recent-decisions", key=f"{key}.recent.{current}", xlsx=False)


def bulk_outcome_table(outcomes: Sequence[BulkOutcome], *, decision: str, key: str) -> bool:
    """What a bulk decision did, entry by entry, with a download; True once the reader dismisses it."""
    done = sum(1 for o in outcomes if o.outcome in DECIDED_STATUSES)
    message = f"{BULK_VERBS[decision][1]} {done} of {len(outcomes)} selected entries."
    (st.success if done == len(outcomes) else st.warning)(message + " Each entry's result is below.")
    frame = outcomes_frame(outcomes)
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns([3, 1])
    with left:
        widgets.download_buttons(frame, name=f"bulk-{decision}", key=f"{key}_download", xlsx=False)
    return right.button("Dismiss", key=f"{key}_dismiss", width="stretch")


def bulk_form(count: int) -> tuple[str, str] | None:
    """One shared comment and approve / return / reject for the selected entries; (decision, comment) on a click."""
    with st.form("approvals.bulk"):
        st.markdown(f"**{count:,} entries selected**: decide them together.")
        comment = st.text_area(
            "Comment for every selected entry",
            key="approvals.bulk_feedback",
            placeholder="Optional when approving; required to return or reject.",
        )
        st.caption("The trainees see this comment. Returning or rejecting needs one.")
        cols = st.columns(3)
        clicked = [
            d
            for d, col in zip(BULK_VERBS, cols, strict=True)
            if col.form_submit_button(
                f"{BULK_VERBS[d][0]} {count}", type="primary" if d == "approve" else "secondary", width="stretch"
            )
        ]
    return (clicked[0], comment) if clicked else None


def card(item: LogbookEntryItem, *, can_act: bool, on_open: Callable[[int], None]) -> bool:
    """One queue entry as a phone card: trainee, age, title, description and the two buttons.

    Return (Open, for leadership) opens the entry's panel in place of the card; True when Approve was clicked.
    """
    with st.container(border=True, key=f"approvals_card_{item.id}"):
        st.caption(f"#{item.id:d} · {widgets.plain(item.trainee_name)} · waiting {item.age_days:d} d")
        st.markdown(f"**{widgets.plain(item.title)}**")
        st.text(short(item.description))
        if not can_act:
            st.button("Open", key=f"approvals.card.open.{item.id}", on_click=on_open, args=(item.id,), width="stretch")
            return False
        left, right = st.columns(2, wrap=False)
        approve = left.button("✅ Approve", key=f"approvals.card.approve.{item.id}", type="primary", width="stretch")
        right.button(
            "↩️ Return",
            key=f"approvals.card.return.{item.id}",
            on_click=on_open,
            args=(item.id,),
            width="stretch",
        )
        return approve
