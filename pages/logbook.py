"""Logbook: trainees record cases and procedures; supervisors, admins and leadership read entries in scope."""

import streamlit as st

from core import clock
from core.dto import LogbookEntryItem, UserSummary
from core.rules.access import ALL_ROLES, TRAINEE
from core.services.logbook import entries as logbook_service
from portal import actions, auth, errors, loaders, widgets
from portal.logbook_views import STATUS_LABELS, entries_frame, entry_card, entry_label

ROLES = ALL_ROLES
METRICS = {
    "draft": "📝 Drafts",
    "pending": "⏳ Pending",
    "approved": "✅ Approved",
    "returned": "↩️ Returned",
    "rejected": "⛔ Rejected",
}
FORM_KEYS = ("title", "case_date", "category", "description", "reflection")


def render() -> None:
    user = auth.require_role(*ROLES)
    if user.role == TRAINEE:
        _trainee_view(user)
    else:
        _reader_view(user)


def _trainee_view(user: UserSummary) -> None:
    st.title("📓 My logbook")
    if user.supervisor_id is None:
        st.warning(
            "You have no assigned supervisor yet. You can save drafts; submitting needs a supervisor, "
            "so ask the programme office to assign one.",
            icon="⚠️",
        )
    else:
        st.caption(f"Submitted entries go to your supervisor, **{user.supervisor_name}**, for verification.")
    entries = loaders.logbook.entries(user, None, None)
    cols = st.columns(5)
    for col, (status, label) in zip(cols, METRICS.items(), strict=True):
        col.metric(label, sum(1 for e in entries if e.status == status))
    tab_list, tab_new = st.tabs(["My entries", "➕ New entry"])
    with tab_new:
        _entry_form(user, None, key="logbook.new")
    with tab_list:
        if not entries:
            widgets.empty_state("No entries yet.", "Open the “New entry” tab to record your first case.")
            return
        frame = entries_frame(entries, with_trainee=False)
        st.dataframe(frame, hide_index=True, width="stretch")
        widgets.download_buttons(frame, name="my-logbook", key="logbook.download")
        _open_entry(user, entries, with_trainee=False)


def _reader_view(user: UserSummary) -> None:
    st.title("📓 Logbook entries")
    scope = "your trainees" if user.role == "supervisor" else "all trainees"
    st.caption(f"Submitted logbook entries of {scope} (drafts stay private). Filters are kept in the URL.")
    trainees = dict(loaders.logbook.queue_trainees(user))
    col1, col2 = st.columns(2)
    wanted = widgets.url_param("trainee")
    options = [0, *trainees]
    trainee_id = col1.selectbox(
        "Trainee",
        options,
        format_func=lambda i: trainees.get(i, "All trainees"),
        key="logbook.trainee",
        index=options.index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in trainees else 0,
    )
    statuses = ["", "pending", "approved", "returned", "rejected"]
    wanted_status = widgets.url_param("status", "")
    status = col2.selectbox(
        "Status",
        statuses,
        format_func=lambda s: STATUS_LABELS.get(s, "Any status"),
        index=statuses.index(wanted_status) if wanted_status in statuses else 0,
        key="logbook.status",
    )
    widgets.set_url_params(trainee=trainee_id or None, status=status or None)
    entries = loaders.logbook.entries(user, trainee_id or None, status or None)
    if not entries:
        widgets.empty_state("No submitted entries match these filters.")
        return
    st.caption(f"{len(entries):,} entries (newest case first; at most 2,000 shown).")
    frame = entries_frame(entries, with_trainee=True)
    st.dataframe(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="logbook-entries", key="logbook.download")
    _open_entry(user, entries, with_trainee=True)


def _open_entry(user: UserSummary, entries: list[LogbookEntryItem], *, with_trainee: bool) -> None:
    by_id = {e.id: e for e in entries}
    wanted = widgets.url_param("entry")
    index = list(by_id).index(int(wanted)) if wanted and wanted.isdigit() and int(wanted) in by_id else None
    chosen = st.selectbox(
        "Open an entry",
        list(by_id),
        index=index,
        placeholder="Choose an entry…",
        format_func=lambda i: entry_label(by_id[i], with_trainee=with_trainee),
        key="logbook.open",
    )
    widgets.set_url_params(entry=chosen)
    if chosen is None:
        return
    with errors.handled():
        item, history = loaders.logbook.entry(user, chosen)
        entry_card(item, history)
        if user.role == TRAINEE and item.status in ("draft", "returned"):
            _entry_form(user, item, key=f"logbook.edit.{item.id}")
        elif item.status == "pending" and user.role in ("admin", "supervisor"):
            widgets.link_to(f"/approvals?entry={item.id}", "Verify it in Approvals")


def _entry_form(user: UserSummary, item: LogbookEntryItem | None, *, key: str) -> None:
    configured = loaders.settings.runtime_settings().get("logbook_categories")
    categories = [str(c) for c in configured] if isinstance(configured, list) else []
    if item is not None and item.category not in categories:
        categories.append(item.category)
    heading = "Edit and resubmit" if item and item.status == "returned" else "Edit draft" if item else None
    with st.form(key, clear_on_submit=False):
        if heading:
            st.markdown(f"**{heading}**")
        title = st.text_input("Case title", value=item.title if item else "", max_chars=200, key=f"{key}.title")
        today = clock.today()  # the service's "not in the future"
        case_date = st.date_input(
            "Case date", value=item.case_date if item else today, max_value=today, key=f"{key}.case_date"
        )
        category = st.selectbox(
            "Category", categories, key=f"{key}.category", index=categories.index(item.category) if item else 0
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
        submit_label = "Resubmit to supervisor" if item and item.status == "returned" else "Submit to supervisor"
        submitted = left.form_submit_button(submit_label, type="primary", width="stretch")
        saved = right.form_submit_button("Save changes" if item else "Save draft", width="stretch")
    if item is not None and item.status == "draft" and st.button("🗑️ Delete this draft", key=f"{key}.delete"):
        actions.run(
            lambda session, now: logbook_service.delete_draft(session, user, item.id, now=now),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Draft deleted.",
            after=lambda _: _reset_form(key, drop_entry=True),
        )
    if not (submitted or saved):
        return
    if item is None:
        actions.run(
            lambda session, now: logbook_service.create_entry(
                session,
                user,
                title=title,
                case_date=case_date,
                category=category,
                description=description,
                reflection=reflection,
                submit=submitted,
                now=now,
            ),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Submitted to your supervisor." if submitted else "Draft saved.",
            after=lambda _: _reset_form(key),
        )
    else:
        actions.run(
            lambda session, now: logbook_service.update_entry(
                session,
                user,
                item.id,
                title=title,
                case_date=case_date,
                category=category,
                description=description,
                reflection=reflection,
                submit=submitted,
                now=now,
            ),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Resubmitted to your supervisor." if submitted else "Changes saved.",
            after=lambda _: _reset_form(key),
        )


def _reset_form(key: str, *, drop_entry: bool = False) -> None:
    """After a committed write: an empty form for the next case (and no open entry once deleted)."""
    for name in FORM_KEYS:
        st.session_state.pop(f"{key}.{name}", None)
    if drop_entry:
        st.session_state.pop("logbook.open", None)
        widgets.set_url_params(entry=None)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
