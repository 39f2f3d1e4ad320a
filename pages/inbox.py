"""Inbox: the signed-in user's in-app notifications (every role)."""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core import clock
from core.dto import NotificationItem, UserSummary
from core.rules.access import ALL_ROLES
from core.services import notifications as notification_service
from portal import actions, auth, loaders, widgets

ROLES = ALL_ROLES


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🔔 Inbox")
    items = loaders.notifications.notifications(user)
    unread = [n for n in items if not n.read]
    st.caption(f"{len(unread)} unread of {len(items)} notifications.")
    if unread and st.button("Mark all as read", key="inbox.mark_all"):
        actions.run(
            lambda session, now: notification_service.mark_read(session, user, ids=None, now=now),
            affects=actions.Write.NOTIFICATIONS_READ,
        )
    if not items:
        widgets.empty_state("Nothing here yet.", "You will be told here when something needs you or changes.")
        return
    for item in items:
        with st.container(border=True, key=f"inbox-item-{item.id}"):
            badge = "🔵 " if not item.read else ""
            st.markdown(f"{badge}**{widgets.plain(item.title)}**  \n{widgets.plain(item.body)}")
            when, action = st.columns([3, 1], vertical_alignment="center")
            _open_button(user, item, when, action)


def _open_button(user: UserSummary, item: NotificationItem, when: DeltaGenerator, column: DeltaGenerator) -> None:
    """Open what the notification is about, in this tab, marking it read on the way.

    Where Open goes is written beside the time, not in a tooltip: a phone has no hover (issue 18)."""
    from portal.navigation import page_of, resolve_link  # here, not at the top: navigation imports every page

    target = resolve_link(item.link)
    sent = f"{clock.programme_time(item.created_at):%Y-%m-%d %H:%M}"  # the programme's time zone, to the minute
    when.caption(sent if target is None else f"{sent} · Open goes to {target[0].title}")
    if target is None or not column.button("➡️ Open", key=f"inbox.open.{item.id}"):
        return
    if not item.read:
        actions.run(
            lambda session, now: notification_service.mark_read(session, user, ids=[item.id], now=now),
            affects=actions.Write.NOTIFICATIONS_READ,
            rerun=False,  # the page switch below is the rerun
        )
    spec, params = target
    st.switch_page(page_of(spec), query_params=params or None)


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
