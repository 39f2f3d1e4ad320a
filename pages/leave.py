"""Leave: trainees (or admins for them) record leave, admins decide it; condonations (all roles, scoped)."""

from datetime import date

import pandas as pd
import streamlit as st

from core import clock
from core.dto import CondonationItem, LeaveItem, UserSummary
from core.rules.access import ADMIN, ALL_ROLES, TRAINEE
from core.rules.values import CondonationStatus, LeavePolicy, LeaveStatus
from core.services.attendance import condonations as condonation_service
from core.services.attendance import leave as leave_service
from portal import actions, auth, errors, loaders, tables, widgets

ROLES = ALL_ROLES
POLICY_WORDS: dict[str, str] = {
    LeavePolicy.EXCLUDED: "left out of the sessions counted",
    LeavePolicy.EXCUSED: "counted as excused",
}


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🌴 Leave")
    types = loaders.leave.leave_types(user)
    policy = "; ".join(f"{name}: {POLICY_WORDS.get(kind, kind)}" for name, kind in types.items())
    st.caption(
        widgets.plain(
            f"Approved leave applies to every session in its dates. {policy}. "
            "Sessions attended during leave still count as attended."
        )
    )
    items = loaders.leave.leave_requests(user)
    labels = (["Request leave"] if user.role in (TRAINEE, ADMIN) else []) + ["Requests", "Condonations"]
    tabs = dict(zip(labels, st.tabs(labels, key="leave.tab", bind="query-params"), strict=True))
    if "Request leave" in tabs:
        with tabs["Request leave"]:
            _section_request(user, types)
    with tabs["Requests"]:
        if user.role == ADMIN:
            _section_decide(user, [i for i in items if i.status == LeaveStatus.PENDING])
        _section_list(user, items)
    with tabs["Condonations"]:
        _section_condonations(user)


def _section_request(user: UserSummary, types: dict[str, str]) -> None:
    trainee_id = user.id
    if user.role == ADMIN:
        trainees = {
            u.id: f"{u.full_name} ({u.registration_number})" for u in loaders.users.users(user) if u.role == TRAINEE
        }
        trainee_id = st.selectbox(
            "Trainee", list(trainees), format_func=lambda i: trainees[i], index=None, key="leave.new.trainee"
        )
    today = clock.today()
    with st.form("leave.new", clear_on_submit=True):
        kind = st.selectbox("Type", list(types), key="leave.new.type")
        left, right = st.columns(2)
        start = left.date_input("From", value=today, key="leave.new.start")
        end = right.date_input("To (inclusive)", value=today, key="leave.new.end")
        reason = st.text_area("Reason", key="leave.new.reason")
        limit = int(str(loaders.settings.runtime_settings().get("leave_attachment_max_mb", 5)))
        upload = st.file_uploader(
            f"Supporting document (optional): PDF or image, up to {limit} MB",
            type=["pdf", "png", "jpg", "jpeg"],
            key="leave.new.file",
            max_upload_size=limit,
        )
        if st.form_submit_button("Submit leave", type="primary"):
            if trainee_id is None:
                st.error("Choose the trainee first.")
                return
            document = (upload.name, upload.getvalue()) if upload is not None else None
            actions.run(
                lambda session, now: leave_service.request_leave(
                    session,
                    user,
                    trainee_id=int(trainee_id),
                    leave_type=str(kind),
                    start=_day(start),
                    end=_day(end),
                    reason=reason,
                    attachment=document,
                    now=now,
                ),
                affects=actions.Write.LEAVE,
                done=lambda item: (
                    f"Leave #{item.id} recorded: {item.leave_type}, {item.start:%d %b} – {item.end:%d %b %Y} "
                    f"({item.days} days). An admin will decide it."
                ),
            )


def _day(value: object) -> date:
    return value if isinstance(value, date) else clock.today()


def _section_decide(user: UserSummary, pending: list[LeaveItem]) -> None:
    st.subheader(f"To decide ({len(pending)})")
    if not pending:
        widgets.empty_state("No leave waiting for a decision.")
    for item in pending:
        with st.container(border=True):
            st.markdown(
                f"**#{item.id:d} {widgets.plain(item.trainee_name)}** ({widgets.plain(item.registration)}) · "
                f"{widgets.plain(item.leave_type)} ({widgets.plain(POLICY_WORDS.get(item.policy, 'type no longer listed'))})"
                f" · {item.start:%d %b} – {item.end:%d %b %Y}, {item.days:d} day(s)  \n"
                f"Reason: {widgets.plain(item.reason)}"
            )
            if item.attachment_name:
                _document(user, item)
            comment = st.text_input("Comment (required to reject)", key=f"leave.comment.{item.id}")
            left, right = st.columns(2)
            if left.button("Approve", key=f"leave.approve.{item.id}", type="primary"):
                _decide(user, item, True, comment)
            if right.button("Reject", key=f"leave.reject.{item.id}"):
                _decide(user, item, False, comment)


def _document(user: UserSummary, item: LeaveItem) -> None:
    with errors.handled():
        name, mime, content = loaders.leave.leave_document(user, item.id)
        st.download_button(
            f"⬇️ {widgets.plain(name)}",
            data=content,
            file_name=name,
            mime=mime,
            key=f"leave.doc.{item.id}",
            on_click="ignore",
        )


def _decide(user: UserSummary, item: LeaveItem, approve: bool, comment: str) -> None:
    actions.run(
        lambda session, now: leave_service.decide_leave(
            session, user, leave_id=item.id, approve=approve, comment=comment, now=now
        ),
        affects=actions.Write.LEAVE,
        done=lambda done: f"Leave #{done.id} {done.status}; {done.trainee_name} has been notified.",
    )


def _section_list(user: UserSummary, items: list[LeaveItem]) -> None:
    st.subheader("All leave" if user.role != TRAINEE else "My leave")
    if not items:
        widgets.empty_state("No leave recorded yet.")
        return
    frame = pd.DataFrame(
        {
            "ID": [i.id for i in items],
            "Trainee": [i.trainee_name for i in items],
            "Registration number": [i.registration for i in items],
            "Type": [i.leave_type for i in items],
            "Policy": [i.policy for i in items],
            "From": [i.start for i in items],
            "To": [i.end for i in items],
            "Days": [i.days for i in items],
            "Reason": [i.reason for i in items],
            "Status": [i.status for i in items],
            "Requested by": [i.requested_by for i in items],
            "Decided by": [i.decided_by for i in items],
            "Comment": [i.decision_comment for i in items],
            "Document": [i.attachment_name for i in items],
        }
    )
    if user.role == TRAINEE:
        frame = frame.drop(columns=["Trainee", "Registration number"])
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="leave", key="leave.download", title="Leave")


def _section_condonations(user: UserSummary) -> None:
    st.caption(
        "A condonation exempts a trainee from the attendance threshold for a period: eligible, flagged "
        "'condoned' with its reason, for that period and every period inside it. One admin asks, a second decides."
    )
    items = loaders.leave.condonations(user)
    if user.role == ADMIN:
        _condonation_form(user)
        for item in (i for i in items if i.status == CondonationStatus.PENDING):
            _condonation_decision(user, item)
    if not items:
        widgets.empty_state("No condonations yet.")
        return
    frame = pd.DataFrame(
        {
            "ID": [i.id for i in items],
            "Trainee": [i.trainee_name for i in items],
            "Registration number": [i.registration for i in items],
            "Period": [i.period for i in items],
            "Reason": [i.reason for i in items],
            "Status": [i.status for i in items],
            "Requested by": [i.requested_by for i in items],
            "Decided by": [i.decided_by for i in items],
            "Comment": [i.decision_comment for i in items],
        }
    )
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="condonations", key="leave.condonations.download", title="Condonations")


def _condonation_form(user: UserSummary) -> None:
    trainees = {
        u.id: f"{u.full_name} ({u.registration_number})" for u in loaders.users.users(user) if u.role == TRAINEE
    }
    with st.form("leave.condone", clear_on_submit=True):
        st.markdown("**Ask for a condonation**")
        trainee = st.selectbox(
            "Trainee", list(trainees), format_func=lambda i: trainees[i], index=None, key="leave.condone.trainee"
        )
        period = st.text_input("Period (YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD..YYYY-MM-DD)", key="leave.condone.period")
        reason = st.text_area("Reason", key="leave.condone.reason")
        if st.form_submit_button("Ask a second admin"):
            if trainee is None:
                st.error("Choose the trainee first.")
                return
            actions.run(
                lambda session, now: condonation_service.request_condonation(
                    session, user, trainee_id=int(trainee), period=period, reason=reason, now=now
                ),
                affects=actions.Write.LEAVE,
                done=lambda item: (
                    f"Condonation #{item.id} for {item.trainee_name}, {item.period}: another admin must decide."
                ),
            )


def _condonation_decision(user: UserSummary, item: CondonationItem) -> None:
    with st.container(border=True):
        st.markdown(
            f"**Condonation #{item.id:d}: {widgets.plain(item.trainee_name)}**, {widgets.plain(item.period)} · "
            f"asked by {widgets.plain(item.requested_by)}  \nReason: {widgets.plain(item.reason)}"
        )
        if item.requested_by_id == user.id:
            st.caption("You asked for it: another admin decides.")
            return
        comment = st.text_input("Comment (required to reject)", key=f"leave.condone.comment.{item.id}")
        left, right = st.columns(2)
        if left.button("Approve", key=f"leave.condone.approve.{item.id}", type="primary"):
            _decide_condonation(user, item, True, comment)
        if right.button("Reject", key=f"leave.condone.reject.{item.id}"):
            _decide_condonation(user, item, False, comment)


def _decide_condonation(user: UserSummary, item: CondonationItem, approve: bool, comment: str) -> None:
    actions.run(
        lambda session, now: condonation_service.decide_condonation(
            session, user, condonation_id=item.id, approve=approve, comment=comment, now=now
        ),
        affects=actions.Write.LEAVE,
        done=lambda done: f"Condonation #{done.id} {done.status}.",
    )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
