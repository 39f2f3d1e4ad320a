"""Approvals: supervisors and admins verify pending logbook entries (leadership reads the queue)."""

import streamlit as st

from core.dto import ApprovalQueue, BulkOutcome, UserSummary
from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from core.rules.values import EntryStatus
from core.services.logbook import approvals as approval_service
from portal import actions, auth, errors, loaders, state, widgets
from portal.logbook_views import AGE_FILTERS, bulk_outcomes, decision_form, entry_card, entry_label, queue_frame

ROLES = (ADMIN, SUPERVISOR, LEADERSHIP)


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
    queue = loaders.logbook.approval_queue(user, trainee_id, department_id, older_than)
    _metrics(queue)
    _bulk_result()
    st.subheader("Queue")
    if queue.items:
        _queue_table(user, queue, can_act)
    else:
        widgets.empty_state("Nothing is waiting for verification here.", "Clear a filter to see more.")
    st.subheader("Review an entry")
    _review(user, queue, can_act)


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
    cols = st.columns(4)
    cols[0].metric("Pending", f"{queue.total:,}")
    cols[1].metric("Waiting > 7 days", f"{queue.over_7_days:,}")
    cols[2].metric("Waiting > 14 days", f"{queue.over_14_days:,}")
    cols[3].metric("Oldest (days)", queue.oldest_days if queue.total else "–")


def _queue_table(user: UserSummary, queue: ApprovalQueue, can_act: bool) -> None:
    frame = queue_frame(queue.items)
    listed = queue.listed if queue.listed >= 0 else queue.total
    shown = f"{len(queue.items):,} shown" + (
        f" (the oldest {len(queue.items):,} of {listed:,})" if listed > len(queue.items) else ""
    )
    if not can_act:
        st.caption(shown)
        st.dataframe(frame, hide_index=True, width="stretch")
        widgets.download_buttons(frame, name="approval-queue", key="approvals.download")
        return
    select_all = st.toggle(f"Select all ({shown})", key="approvals.select_all")
    frame.insert(0, "select", select_all)
    version = st.session_state[state.APPROVALS_EDITOR_VERSION]
    edited = st.data_editor(
        frame,
        key=f"approvals.queue.{version}",
        hide_index=True,
        width="stretch",
        disabled=[c for c in frame.columns if c != "select"],
        column_config={"select": st.column_config.CheckboxColumn("Approve?", help="Tick entries to approve together")},
    )
    selected = [int(i) for i in edited.loc[edited["select"], "id"]]
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    feedback = left.text_input("Feedback for the selected entries (optional)", key="approvals.bulk_feedback")
    if right.button(
        f"Approve selected ({len(selected)})",
        type="primary",
        disabled=not selected,
        key="approvals.bulk_approve",
        width="stretch",
    ):
        with st.spinner(f"Approving {len(selected)} entries…"):
            actions.run(
                lambda session, now: approval_service.bulk_approve(session, user, selected, feedback=feedback, now=now),
                affects=actions.Write.LOGBOOK_DECISION,
                after=_keep_bulk_result,
            )
    widgets.download_buttons(frame.drop(columns="select"), name="approval-queue", key="approvals.download")


def _bulk_result() -> None:
    outcomes = st.session_state.get(state.APPROVALS_BULK_RESULT)
    if outcomes and bulk_outcomes(outcomes, key="approvals.bulk"):
        st.session_state[state.APPROVALS_BULK_RESULT] = None
        st.rerun()


def _review(user: UserSummary, queue: ApprovalQueue, can_act: bool) -> None:
    by_id = {i.id: i for i in queue.items}
    options = list(by_id)
    wanted = widgets.url_param("entry")
    if wanted and wanted.isdigit() and int(wanted) not in by_id:
        options.insert(0, int(wanted))  # a deep link to an entry outside the current filters
    chosen = st.selectbox(
        "Open an entry",
        options,
        index=options.index(int(wanted)) if wanted and wanted.isdigit() else None,
        placeholder="Choose a pending entry…",
        key="approvals.open",
        format_func=lambda i: entry_label(by_id[i], with_trainee=True) if i in by_id else f"#{i}",
    )
    widgets.set_url_params(entry=chosen)
    if chosen is None:
        return
    with errors.handled():
        item, history = loaders.logbook.entry(user, chosen)
        entry_card(item, history)
        if can_act and item.status == EntryStatus.PENDING:
            _decision_form(user, item.id)


def _decision_form(user: UserSummary, entry_id: int) -> None:
    picked = decision_form(entry_id, key="approvals")
    if picked is None:
        return
    decision, feedback = picked
    # A refused decision (e.g. someone else verified it meanwhile) is shown by the seam, which
    # also clears the stale queue for a conflict.
    actions.run(
        lambda session, now: approval_service.verify_entry(
            session, user, entry_id, decision=decision, feedback=feedback, now=now
        ),
        affects=actions.Write.LOGBOOK_DECISION,
        done=lambda done: f"Entry #{entry_id} {done.status}; {done.trainee_name} has been notified.",
        after=lambda _: _close_entry(),
    )


def _keep_bulk_result(outcomes: list[BulkOutcome]) -> None:
    st.session_state[state.APPROVALS_BULK_RESULT] = outcomes
    _reset_selection()


def _close_entry() -> None:
    st.session_state.pop("approvals.open", None)
    widgets.set_url_params(entry=None)
    _reset_selection()


def _reset_selection() -> None:
    st.session_state[state.APPROVALS_EDITOR_VERSION] += 1  # a fresh editor: no stale ticks on other rows
    for key in ("approvals.select_all", "approvals.bulk_feedback"):
        st.session_state.pop(key, None)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
