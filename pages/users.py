"""Users: create, edit, deactivate and reset passwords; departments (admins)."""

import pandas as pd
import streamlit as st

from core.dto import UserSummary
from core.rules.access import ADMIN, ALL_ROLES, TRAINEE
from core.services.users import accounts as user_service
from core.services.users import departments as department_service
from portal import actions, auth, loaders, tables, widgets

ROLES = (ADMIN,)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("👥 Users")
    people = loaders.users.users(user)
    tab_list, tab_edit, tab_new, tab_dept = st.tabs(["All users", "Edit a user", "New user", "Departments"])
    with tab_list:
        _section_list(people)
    with tab_edit:
        _section_edit(user, people)
    with tab_new:
        _section_create(user)
    with tab_dept:
        _section_departments(user)


def _frame(people: list[UserSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "username": p.username,
                "name": p.full_name,
                "role": p.role,
                "department": p.department_name or "",
                "supervisor": p.supervisor_name or "",
                "registration_number": p.registration_number or "",
                "email": p.email or "",
                "active": p.is_active,
                "can_sign_in": p.has_password,
            }
            for p in people
        ]
    )


def _section_list(people: list[UserSummary]) -> None:
    role = st.segmented_control("Role", ["all", *ALL_ROLES], default="all", key="users.role_filter")
    query = st.text_input("Search name or username", key="users.search")
    frame = _frame(people)
    if role and role != "all":
        frame = frame[frame["role"] == role]
    if query:
        mask = frame["username"].str.contains(query, case=False) | frame["name"].str.contains(query, case=False)
        frame = frame[mask]
    st.caption(f"{len(frame)} users")
    tables.show(frame, hide_index=True, width="stretch")
    widgets.download_buttons(frame, name="users", key="users.download")


def _section_edit(actor: UserSummary, people: list[UserSummary]) -> None:
    by_name = {f"{p.full_name} ({p.username})": p for p in people}
    choice = st.selectbox("User", list(by_name), index=None, placeholder="Choose a user…", key="users.selected")
    if choice is None:
        st.caption("Pick a user to change their role, department or supervisor, deactivate them or reset a password.")
        return
    target = by_name[choice]
    target_id = target.id
    assert target_id is not None  # listed users are stored rows; only the system actor has no id
    departments = dict(loaders.users.departments())
    supervisors = {sid: f"{name} ({uname})" for sid, uname, name in loaders.users.supervisors()}
    with st.form("users.edit"):
        role = st.selectbox("Role", ALL_ROLES, index=ALL_ROLES.index(target.role), key="users.edit.role")
        dept_ids = list(departments)
        department = st.selectbox(
            "Department",
            dept_ids,
            format_func=lambda i: departments[i],
            index=dept_ids.index(target.department_id) if target.department_id in dept_ids else None,
            key="users.edit.department",
        )
        sup_ids = [0, *supervisors]
        supervisor = st.selectbox(
            "Supervisor (trainees only)",
            sup_ids,
            format_func=lambda i: "— none —" if i == 0 else supervisors[i],
            index=sup_ids.index(target.supervisor_id) if target.supervisor_id in sup_ids else 0,
            key="users.edit.supervisor",
        )
        if st.form_submit_button("Save changes", type="primary"):
            actions.run(
                lambda session, now: user_service.update_user(
                    session,
                    actor,
                    target_id,
                    now=now,
                    role=role,
                    department_id=department,
                    supervisor_id=supervisor or None,
                    clear_supervisor=supervisor == 0,
                ),
                affects=actions.Write.USERS,
                done=f"Saved {target.username}.",
            )
    col1, col2 = st.columns(2)
    with col1, st.form("users.reset", clear_on_submit=True):
        new_password = st.text_input("New password", type="password", key="users.reset.password")
        if st.form_submit_button("Reset password"):
            actions.run(
                lambda session, now: user_service.reset_password(
                    session, actor, target_id, new_password=new_password, now=now
                ),
                affects=actions.Write.USERS,
                done=f"Password reset for {target.username}; any lockout is cleared.",
            )
    with col2:
        label = "Deactivate" if target.is_active else "Reactivate"
        st.write(f"Status: **{'active' if target.is_active else 'deactivated'}**")
        if st.button(label, key="users.toggle_active"):
            actions.run(
                lambda session, now: user_service.set_user_active(
                    session, actor, target_id, active=not target.is_active, now=now
                ),
                affects=actions.Write.USERS,
            )


def _section_create(actor: UserSummary) -> None:
    departments = [name for _, name in loaders.users.departments()]
    supervisors = {uname: f"{name} ({uname})" for _, uname, name in loaders.users.supervisors()}
    with st.form("users.create", clear_on_submit=False):
        username = st.text_input("Username", key="users.new.username")
        full_name = st.text_input("Full name", key="users.new.full_name")
        role = st.selectbox("Role", ALL_ROLES, index=ALL_ROLES.index(TRAINEE), key="users.new.role")
        department = st.selectbox("Department", departments, index=None, key="users.new.department")
        supervisor = st.selectbox(
            "Supervisor (trainees)",
            list(supervisors),
            format_func=lambda u: supervisors[u],
            index=None,
            key="users.new.supervisor",
        )
        registration = st.text_input("Registration number (trainees)", key="users.new.registration")
        email = st.text_input("E-mail", key="users.new.email")
        password = st.text_input("Password (leave empty for no sign-in yet)", type="password", key="users.new.password")
        if st.form_submit_button("Create user", type="primary"):
            actions.run(
                lambda session, now: user_service.create_user(
                    session,
                    actor,
                    username=username,
                    full_name=full_name,
                    role=role,
                    now=now,
                    department=department,
                    supervisor=supervisor,
                    registration_number=registration,
                    email=email,
                    password=password or None,
                ),
                affects=actions.Write.USERS,
                done=lambda created: f"Created {created.username} ({created.role}).",
            )


def _section_departments(actor: UserSummary) -> None:
    tables.show(pd.DataFrame(loaders.users.departments(), columns=["id", "name"]), hide_index=True)
    with st.form("users.department", clear_on_submit=True):
        name = st.text_input("New department name", key="users.department.name")
        if st.form_submit_button("Add department"):
            actions.run(
                lambda session, now: department_service.create_department(session, actor, name=name, now=now),
                affects=actions.Write.USERS,
                done=f"Added {name}.",
            )


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
