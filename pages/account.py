"""My account: profile, password, sign-in sessions and e-mail choices (every signed-in role)."""

import pandas as pd
import streamlit as st

from core.dto import UserSummary
from core.rules.access import ALL_ROLES
from core.rules.passwords import MIN_LENGTH
from core.services import auth as auth_service
from core.services import outbox as outbox_service
from core.services import sessions as sessions_service
from core.services.outbox import EVENT_LABELS
from portal import actions, auth, loaders, tables, widgets

ROLES = ALL_ROLES


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🔑 My account")
    st.markdown(
        f"**{widgets.plain(user.full_name)}** ({widgets.plain(user.username)}) · {user.role}"
        + (f" · {widgets.plain(user.department_name)}" if user.department_name else "")
        + (f"  \nSupervisor: {widgets.plain(user.supervisor_name)}" if user.supervisor_name else "")
        + (f"  \nRegistration number: {widgets.plain(user.registration_number)}" if user.registration_number else "")
    )
    with st.form("account.password", clear_on_submit=True):
        st.subheader("Change password")
        current = st.text_input("Current password", type="password", key="account.current")
        new = st.text_input(
            f"New password (at least {MIN_LENGTH} characters, no spaces)", type="password", key="account.new"
        )
        repeat = st.text_input("Repeat the new password", type="password", key="account.repeat")
        if st.form_submit_button("Change password", type="primary"):
            if new != repeat:
                st.error("The two new passwords do not match. Nothing was changed.")
            else:
                actions.run(
                    lambda session, now: auth_service.change_password(session, user, current=current, new=new, now=now),
                    affects=actions.Write.ACCOUNT,
                    done="Password changed. Use the new one next time you sign in.",
                )
    _sessions(user)
    _email_preferences(user)


def _email_preferences(user: UserSummary) -> None:
    st.subheader("E-mail me about")
    choices = loaders.notifications.email_preferences(user)
    if not user.email:
        st.info(
            "You have no e-mail address on file: everything reaches you in the inbox only. Ask an administrator to add one."
        )
    with st.form("account.email"):
        picked = {
            event: st.checkbox(EVENT_LABELS[event], value=on, key=f"account.email.{event}")
            for event, on in choices.items()
        }
        st.caption("Everything also stays in your inbox. Each e-mail links to its page in the portal.")
        if st.form_submit_button("Save e-mail choices"):
            actions.run(
                lambda session, now: outbox_service.set_email_preferences(session, user, picked, now=now),
                affects=actions.Write.ACCOUNT,
                done=lambda saved: f"E-mail choices saved: {sum(saved.values())} of {len(saved)} on.",
            )


def _sessions(user: UserSummary) -> None:
    st.subheader("Where you are signed in")
    items = auth.active_sessions(user)
    frame = pd.DataFrame(
        {
            "Signed in (UTC)": [i.started_at.strftime("%Y-%m-%d %H:%M") for i in items],
            "Last seen (UTC)": [i.last_seen_at.strftime("%Y-%m-%d %H:%M") for i in items],
            "Expires (UTC)": [i.expires_at.strftime("%Y-%m-%d %H:%M") for i in items],
            "Browser": [i.client or "unknown" for i in items],
            "This browser": ["yes" if i.current else "" for i in items],
        }
    )
    tables.show(frame, hide_index=True, width="stretch")
    st.caption("Signing out everywhere ends every session listed, this one too; copied cookies stop working.")
    if st.button("Sign out everywhere", key="account.sign_out_everywhere", disabled=not items):
        actions.run(
            lambda session, now: sessions_service.sign_out_everywhere(session, user, now=now),
            affects=actions.Write.ACCOUNT,
            done=lambda count: f"Signed out of {count} session(s). Sign in again to continue.",
        )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
