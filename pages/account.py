"""My account: profile and change password (every signed-in role)."""

import streamlit as st

from core.rules.access import ALL_ROLES
from core.rules.passwords import MIN_LENGTH
from core.services import auth as auth_service
from portal import actions, auth

ROLES = ALL_ROLES


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("🔑 My account")
    st.markdown(
        f"**{user.full_name}** (`{user.username}`) · {user.role}"
        + (f" · {user.department_name}" if user.department_name else "")
        + (f"  \nSupervisor: {user.supervisor_name}" if user.supervisor_name else "")
        + (f"  \nRegistration number: {user.registration_number}" if user.registration_number else "")
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


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
