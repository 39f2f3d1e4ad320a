"""Inbox: the signed-in user's in-app notifications (every role)."""

import streamlit as st

from core.clock import utcnow
from core.rules.access import ALL_ROLES
from core.services import notifications as notification_service
from portal import auth, data, errors, widgets
from portal.db import session_scope

ROLES = ALL_ROLES


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🔔 Inbox")
    items = data.notifications(user)
    unread = [n for n in items if not n.read]
    st.caption(f"{len(unread)} unread of {len(items)} notifications.")
    if unread and st.button("Mark all as read", key="inbox.mark_all"):
        with errors.handled(), session_scope() as session:
            notification_service.mark_read(session, user, ids=None, now=utcnow())
        data.notifications.clear()
        data.unread_count.clear()
        st.rerun()
    if not items:
        widgets.empty_state("Nothing here yet.", "You will be told here when something needs you or changes.")
        return
    for item in items:
        with st.container(border=True):
            badge = "🔵 " if not item.read else ""
            st.markdown(f"{badge}**{item.title}**  \n{item.body or ''}")
            st.caption(item.created_at.strftime("%Y-%m-%d %H:%M") + " UTC")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
