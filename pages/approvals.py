"""Approvals: supervisors and admins verify pending logbook entries (leadership reads the queue).

Selecting a row of the queue opens the entry in the decision panel directly under it; selecting several
offers one shared comment and approve / return / reject for all of them. After a decision the
confirmation shows at the top of the panel and the next entry of the queue opens. On a phone the
queue is a list of cards instead (portal.review).
"""

import streamlit as st

from core.dto import ApprovalQueue, BulkOutcome, LogbookEntryItem, UserSummary
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from core.rules.values import EntryStatus
from core.services.logbook import approvals as approval_service
from portal import actions, auth, errors, loaders, review, state, widgets
from portal.logbook_views import AGE_FILTERS, decision_form, entry_card
from portal.progress_views import training_filters

ROLES = (ADMIN, SUPERVISOR, LEADERSHIP)
DESKTOP, PHONE = "approvals", "approvals.m"  # widget key prefixes of the two layouts
QUEUE_HEIGHT = 38 + 35 * 8  # about eight rows: the panel under the queue stays in sight


def render() -> None:
    user = auth.require_role(*ROLES)
    can_act = user.role in (ADMIN, SUPERVISOR)
    st.title("✅ Approvals")
    scope = "your trainees" if user.role == SUPERVISOR else "all trainees"
    st.caption(
        f"Pending logbook entries of {scope}, oldest first. Filters are kept in the URL."
        + ("" if can_act else " Leadership view: read-only.")
    )
    trainee_id, department_id, older_than = _filters(user)
    training_year, cohort = training_filters(user, key="approvals")  # `year`, `cohort` in the URL (issue 17)
    queue = loaders.logbook.approval_queue(user, trainee_id, department_id, older_than, training_year, cohort)
    _metrics(queue)
    review.layout_css()
    review.toast_confirmation()
    opened = _opened()
    with st.container(key=review.DESKTOP_KEY):
        selected = _queue_table(queue, can_act, opened)
        # One selected row is the open entry; none leaves a deep-linked entry open; several are a bulk decision.
        current = selected[0] if len(selected) == 1 else None if selected else opened
        with st.container(border=True):  # directly under the queue (a short table), not at the page's end
            _panel(user, queue, can_act, current, selected)
    with st.container(key=review.PHONE_KEY):
        _cards(user, queue, can_act, current)
    review.forget_confirmation()  # shown once, in whichever layout the reader sees


def _filters(user: UserSummary) -> tuple[int | None, int | None, int | None]:
    trainees = dict(loaders.logbook.queue_trainees(user))
    departments = dict(loaders.dashboards.options(user).departments)  # only departments in the viewer's scope
    col1, col2, col3 = st.columns(3)
    t_options, d_options, ages = [0, *trainees], [0, *departments], list(AGE_FILTERS)
    trainee = col1.selectbox(
        "Trainee",
        t_options,
        index=widgets.url_index(t_options, "trainee"),
        format_func=lambda i: trainees.get(i, "All trainees"),
        key="approvals.trainee",
    )
    department = col2.selectbox(
        "Department",
        d_options,
        index=widgets.url_index(d_options, "department"),
        format_func=lambda i: departments.get(i, "All departments"),
        key="approvals.department",
    )
    age = col3.selectbox(
        "Age",
        ages,
        index=widgets.url_index(ages, "age"),
        format_func=lambda a: AGE_FILTERS[a],
        key="approvals.age",
    )
    widgets.set_url_params(trainee=trainee or None, department=department or None, age=age or None)
    return trainee or None, department or None, int(age) if age else None


def _metrics(queue: ApprovalQueue) -> None:
    cells = widgets.card_grid(4)
    cells[0].metric("Pending", f"{queue.total:,}", border=True)
    cells[1].metric("Waiting > 7 days", f"{queue.over_7_days:,}", border=True)
    cells[2].metric("Waiting > 14 days", f"{queue.over_14_days:,}", border=True)
    cells[3].metric("Oldest (days)", queue.oldest_days if queue.total else "–", border=True)


def _opened() -> int | None:
    wanted = widgets.url_param("entry")
    return int(wanted) if wanted and wanted.isdigit() else None


def _queue_table(queue: ApprovalQueue, can_act: bool, opened: int | None) -> list[int]:
    """The queue with row selection; returns the ids of the selected rows."""
    if not queue.items:
        widgets.empty_state("Nothing is waiting for verification here.", "Clear a filter to see more.")
        return []
    frame = review.queue_table(queue.items)
    ids = [i.id for i in queue.items]
    listed = queue.listed if queue.listed >= 0 else queue.total
    shown = f"{len(ids):,} shown" + (f" (the oldest {len(ids):,} of {listed:,})" if listed > len(ids) else "")
    st.caption(
        f"{shown}. Select a row to open it under the queue"
        + ("; select several to decide them together." if can_act else " (read-only).")
    )
    key = f"approvals.queue.{st.session_state[state.APPROVALS_EDITOR_VERSION]}"
    event = st.dataframe(
        frame,
        key=key,
        hide_index=True,
        width="stretch",
        height=min(QUEUE_HEIGHT, 38 + 35 * len(ids)),
        on_select=lambda: _picked(key, ids),
        selection_mode="multi-row" if can_act else "single-row",
        selection_default={"selection": {"rows": [ids.index(opened)]}} if opened in ids else None,
        column_order=["id", "age (days)", "trainee", "title", "description", "category"],
        column_config={
            "id": st.column_config.NumberColumn("#", width="small", format="%d"),
            "age (days)": st.column_config.NumberColumn("Days waiting"),
            "description": st.column_config.TextColumn("Description (start)", width="large"),
        },
    )
    selected = [ids[r] for r in event.selection.rows if r < len(ids)]
    left, right = st.columns([1, 1], vertical_alignment="center")
    if can_act:
        left.button(
            f"Select all {len(ids):,} shown",
            key="approvals.select_all",
            on_click=_select_all,
            args=(key, len(ids)),
            disabled=len(selected) == len(ids),
        )
    with right:
        widgets.download_buttons(frame, name="approval-queue", key="approvals.download")
    return selected


def _picked(key: str, ids: list[int]) -> None:
    # One row: open it in the panel. None or several: close the single entry (several: bulk panel).
    rows = st.session_state[key]["selection"]["rows"]
    widgets.set_url_params(entry=ids[rows[0]] if len(rows) == 1 and rows[0] < len(ids) else None)
    st.session_state[state.APPROVALS_BULK_RESULT] = None


def _select_all(key: str, count: int) -> None:
    st.session_state[key] = {"selection": {"rows": list(range(count)), "columns": [], "cells": []}}
    widgets.set_url_params(entry=None)


def _panel(user: UserSummary, queue: ApprovalQueue, can_act: bool, opened: int | None, selected: list[int]) -> None:
    review.confirmation()
    kept = st.session_state.get(state.APPROVALS_BULK_RESULT)
    if kept:
        decision, outcomes = kept
        if review.bulk_outcome_table(outcomes, decision=decision, key="approvals.bulk"):
            st.session_state[state.APPROVALS_BULK_RESULT] = None
            st.rerun()
        return
    if can_act and len(selected) > 1:
        _bulk(user, selected)
    elif opened is not None:
        _entry(user, queue, can_act, opened, prefix=DESKTOP)
    else:
        st.info("Select an entry in the queue to review it here.", icon="👈")


def _bulk(user: UserSummary, selected: list[int]) -> None:
    picked = review.bulk_form(len(selected))
    if picked is None:
        return
    decision, comment = picked
    actions.run(
        lambda session, now: approval_service.bulk_decide(
            session, user, selected, decision=decision, feedback=comment, now=now
        ),
        affects=actions.Write.LOGBOOK_DECISION,
        after=lambda outcomes: _keep_bulk_result(decision, outcomes),
    )


def _entry(user: UserSummary, queue: ApprovalQueue, can_act: bool, entry_id: int, *, prefix: str) -> None:
    """The decision panel: the whole entry, the decision, the trainee's recent decisions, review next."""
    with errors.handled():
        item, history = loaders.logbook.entry(user, entry_id)
        following = review.next_after(queue, item.id)
        card, decide = st.columns([1, 1], gap="medium")  # side by side on a wide screen, stacked on a phone
        with card:
            entry_card(item, history)
        with decide:
            if can_act and item.status == EntryStatus.PENDING:
                _decision_form(user, item, following, prefix=prefix)
            left, right = st.columns(2)
            if following is not None and following != item.id:
                left.button("Skip: next ➡️", key=f"{prefix}.next", on_click=_open, args=(following,), width="stretch")
            right.button("Close", key=f"{prefix}.close", on_click=_open, args=(None,), width="stretch")
            review.recent_decisions(loaders.logbook.entries(user, item.trainee_id, None), item.id, key=prefix)


def _decision_form(user: UserSummary, item: LogbookEntryItem, following: int | None, *, prefix: str) -> None:
    picked = decision_form(item.id, key=prefix)
    if picked is None:
        return
    decision, feedback = picked
    _decide(user, item.id, decision, feedback, following)


def _decide(user: UserSummary, entry_id: int, decision: str, feedback: str | None, following: int | None) -> None:
    # A refused decision (e.g. someone else verified it meanwhile) is shown by the seam, which also
    # clears the stale queue for a conflict; the entry stays open to add a comment.
    actions.run(
        lambda session, now: approval_service.verify_entry(
            session, user, entry_id, decision=decision, feedback=feedback, now=now
        ),
        affects=actions.Write.LOGBOOK_DECISION,
        after=lambda done: _decided(done, following),
    )


def _decided(done: LogbookEntryItem, following: int | None) -> None:
    then = f" Next: entry #{following}." if following is not None else " The queue is empty."
    review.keep_confirmation(
        f"Entry #{done.id} {done.status}; {done.trainee_name} has been notified.{then}",  # shown through plain()
        "success",
    )
    _open(following)


def _cards(user: UserSummary, queue: ApprovalQueue, can_act: bool, opened: int | None) -> None:
    """The queue on a phone: one card per entry, the opened one with its decision panel inline."""
    if not queue.items:
        widgets.empty_state("Nothing is waiting for verification here.", "Clear a filter to see more.")
    limit = st.session_state[state.APPROVALS_CARDS]
    items = queue.items[:limit]
    if opened is not None and opened not in {i.id for i in items}:
        review.confirmation()
        with st.container(border=True):
            _entry(user, queue, can_act, opened, prefix=PHONE)
    for item in items:
        if item.id == opened:
            review.confirmation()  # where the decided card was: the reader is looking here
            with st.container(border=True):
                _entry(user, queue, can_act, item.id, prefix=PHONE)
            continue
        if review.card(item, can_act=can_act, on_open=_open):
            _decide(user, item.id, "approve", None, review.next_after(queue, item.id))
    if len(queue.items) > limit:
        st.button(
            f"Show {min(review.CARDS_PAGE, len(queue.items) - limit)} more",
            key="approvals.cards_more",
            on_click=_more_cards,
            width="stretch",
        )


def _more_cards() -> None:
    st.session_state[state.APPROVALS_CARDS] += review.CARDS_PAGE


def _open(entry_id: int | None) -> None:
    widgets.set_url_params(entry=entry_id)
    _reset_selection()


def _keep_bulk_result(decision: str, outcomes: list[BulkOutcome]) -> None:
    st.session_state[state.APPROVALS_BULK_RESULT] = (decision, outcomes)
    widgets.set_url_params(entry=None)
    _reset_selection()


def _reset_selection() -> None:
    st.session_state[state.APPROVALS_EDITOR_VERSION] += 1  # a fresh table: no stale selection on other rows
    st.session_state.pop("approvals.bulk_feedback", None)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
