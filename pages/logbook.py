"""Logbook: trainees record cases and procedures; supervisors, admins and leadership read entries in scope."""

import streamlit as st

from core import clock
from core.dto import LogbookEntryItem, UserSummary
from core.rules.access import ALL_ROLES
from core.rules.values import EntryStatus, Role
from core.services.logbook import entries as logbook_service
from portal import actions, auth, errors, loaders, tables, widgets
from portal.logbook_views import STATUS_LABELS, entries_frame, entry_card, entry_form, entry_label, reset_entry_form
from portal.progress_views import progress_bars

ROLES = ALL_ROLES
METRICS = {
    EntryStatus.DRAFT: "📝 Drafts",
    EntryStatus.PENDING: "⏳ Pending",
    EntryStatus.APPROVED: "✅ Approved",
    EntryStatus.RETURNED: "↩️ Returned",
    EntryStatus.REJECTED: "⛔ Rejected",
}
READER_STATUSES = ["", *(s for s in EntryStatus if s != EntryStatus.DRAFT)]  # drafts stay private
EDITABLE = (EntryStatus.DRAFT, EntryStatus.RETURNED)


def render() -> None:
    user = auth.require_role(*ROLES)
    if user.role == Role.TRAINEE:
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
        st.caption(
            f"Submitted entries go to your supervisor, **{widgets.plain(user.supervisor_name)}**, for verification."
        )
    entries = loaders.logbook.entries(user, None, None)
    cols = st.columns(5)
    for col, (status, label) in zip(cols, METRICS.items(), strict=True):
        col.metric(label, sum(1 for e in entries if e.status == status))
    progress = loaders.training.my_progress(user, clock.today())
    with st.expander("📈 My progress against this training year's targets", expanded=progress.behind):
        progress_bars(progress, heading=None)
    tab_list, tab_new = st.tabs(["My entries", "➕ New entry"])
    with tab_new:
        _entry_form(user, None, key="logbook.new")
    with tab_list:
        if not entries:
            widgets.empty_state("No entries yet.", "Open the “New entry” tab to record your first case.")
            return
        frame = entries_frame(entries, with_trainee=False)
        tables.show(frame, hide_index=True, width="stretch")
        widgets.download_buttons(frame, name="my-logbook", key="logbook.download")
        _open_entry(user, entries, with_trainee=False)


def _reader_view(user: UserSummary) -> None:
    st.title("📓 Logbook entries")
    scope = "your trainees" if user.role == Role.SUPERVISOR else "all trainees"
    st.caption(f"Submitted logbook entries of {scope} (drafts stay private). Filters are kept in the URL.")
    trainees = dict(loaders.logbook.queue_trainees(user))
    col1, col2 = st.columns(2)
    options = [0, *trainees]
    trainee_id = col1.selectbox(
        "Trainee",
        options,
        format_func=lambda i: trainees.get(i, "All trainees"),
        key="logbook.trainee",
        index=widgets.url_index(options, "trainee"),
    )
    status = col2.selectbox(
        "Status",
        READER_STATUSES,
        format_func=lambda s: STATUS_LABELS.get(s, "Any status"),
        index=widgets.url_index(READER_STATUSES, "status"),
        key="logbook.status",
    )
    widgets.set_url_params(trainee=trainee_id or None, status=status or None)
    entries = loaders.logbook.entries(user, trainee_id or None, status or None)
    if not entries:
        widgets.empty_state("No submitted entries match these filters.")
        return
    total = loaders.logbook.entries_total(user, trainee_id or None, status or None)
    if total > len(entries):
        st.caption(
            f"Showing the newest {len(entries):,} of {total:,} entries (newest case first); "
            f"the download of all {total:,} has every one."
        )
    else:
        st.caption(f"{len(entries):,} entries, newest case first.")
    frame = entries_frame(entries, with_trainee=True)
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="logbook-entries", key="logbook.download")
    if total > len(entries):
        widgets.full_csv_download(
            lambda: entries_frame(
                loaders.logbook.all_entries(user, trainee_id or None, status or None), with_trainee=True
            ),
            name="logbook-entries-all",
            rows=total,
            key="logbook.download.all",
        )
    _open_entry(user, entries, with_trainee=True)


def _open_entry(user: UserSummary, entries: list[LogbookEntryItem], *, with_trainee: bool) -> None:
    by_id = {e.id: e for e in entries}
    chosen = st.selectbox(
        "Open an entry",
        list(by_id),
        index=widgets.url_index(list(by_id), "entry", None),
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
        if user.role == Role.TRAINEE and item.status in EDITABLE:
            _entry_form(user, item, key=f"logbook.edit.{item.id}")
        elif item.status == EntryStatus.PENDING and user.role in (Role.ADMIN, Role.SUPERVISOR):
            widgets.link_to(f"/approvals?entry={item.id}", "Verify it in Approvals")


def _entry_form(user: UserSummary, item: LogbookEntryItem | None, *, key: str) -> None:
    configured = loaders.settings.runtime_settings().get("logbook_categories")
    categories = [str(c) for c in configured] if isinstance(configured, list) else []
    fields = entry_form(item, categories, key=key, today=clock.today())
    if item is not None and item.status == EntryStatus.DRAFT and st.button("🗑️ Delete this draft", key=f"{key}.delete"):
        actions.run(
            lambda session, now: logbook_service.delete_draft(session, user, item.id, now=now),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Draft deleted.",
            after=lambda _: _close_entry(key),
        )
    if fields is None:
        return
    if item is None:
        actions.run(
            lambda session, now: logbook_service.create_entry(session, user, **fields, now=now),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Submitted to your supervisor." if fields["submit"] else "Draft saved.",
            after=lambda _: reset_entry_form(key),
        )
    else:
        actions.run(
            lambda session, now: logbook_service.update_entry(session, user, item.id, **fields, now=now),
            affects=actions.Write.LOGBOOK_ENTRY,
            done="Resubmitted to your supervisor." if fields["submit"] else "Changes saved.",
            after=lambda _: reset_entry_form(key),
        )


def _close_entry(key: str) -> None:
    reset_entry_form(key)
    st.session_state.pop("logbook.open", None)
    widgets.set_url_params(entry=None)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
