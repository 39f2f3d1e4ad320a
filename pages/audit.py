"""Audit log: every recorded action, filterable and downloadable (admins)."""

from datetime import timedelta

import streamlit as st

from core import clock
from core.rules.access import ADMIN
from core.services.audit import SHOWN_EVENTS
from portal import auth, loaders, tables, widgets

ROLES = (ADMIN,)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🕵️ Audit log")
    st.caption("Append-only record of sign-ins, changes and decisions. Filters are kept in the URL.")
    today = clock.today()
    actions = [""] + loaders.audit.actions(user)
    users = [""] + sorted(u.username for u in loaders.users.users(user))
    col1, col2, col3 = st.columns([2, 2, 3])
    current_action = widgets.url_param("action", "")
    current_actor = widgets.url_param("actor", "")
    action = col1.selectbox(
        "Action",
        actions,
        index=actions.index(current_action) if current_action in actions else 0,
        key="audit.action",
        format_func=lambda a: a or "All actions",
    )
    actor = col2.selectbox(
        "Actor",
        users,
        index=users.index(current_actor) if current_actor in users else 0,
        key="audit.actor",
        format_func=lambda a: a or "Everyone",
    )
    period = col3.date_input(
        "Date range",
        value=(widgets.url_date("from", today - timedelta(days=30)), widgets.url_date("to", today)),
        key="audit.range",
    )
    start, end = (period[0], period[1]) if isinstance(period, tuple) and len(period) == 2 else (None, None)
    widgets.set_url_params(action=action, actor=actor, **{"from": start, "to": end})
    frame = loaders.audit.events(user, actor or None, action or None, start, end)
    if frame.empty:
        widgets.empty_state("No audit events match these filters.", "Widen the date range or clear a filter.")
        return
    if len(frame) >= SHOWN_EVENTS:
        st.caption(f"The newest {SHOWN_EVENTS:,} matching events are shown; the CSV below has every one.")
    else:
        st.caption(f"{len(frame):,} events, newest first.")
    tables.show(frame.rename(columns={"actor": "username"}), hide_index=True, width="stretch")
    st.download_button(
        "⬇️ CSV of every matching event",
        data=loaders.audit.events_csv(user, actor or None, action or None, start, end),
        file_name="audit-log.csv",
        mime="text/csv",
        key="audit.download.csv",
    )
    st.caption("The CSV has all events that match the filters, not only those shown; it opens safely in a spreadsheet.")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
