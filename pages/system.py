"""System: database and migration status, runtime settings (admins)."""

import streamlit as st

from core.clock import utcnow
from core.rules.access import ADMIN
from core.rules.settings import SETTING_SPECS
from core.services import settings as settings_service
from core.services.system import check_database
from portal import auth, data, errors
from portal.db import get_engine, session_scope

ROLES = (ADMIN,)


def render() -> None:
    user = auth.require_role(*ROLES)
    st.title("⚙️ System")
    status = check_database(get_engine())
    (st.success if status.database_ok and status.at_head else st.error)(status.message)
    st.caption(f"Database: `{status.database_url}`")
    st.subheader("Settings")
    values = data.runtime_settings()
    with st.form("system.settings"):
        edited = {}
        for key, spec in SETTING_SPECS.items():
            value = values[key]
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            edited[key] = st.text_input(spec.description, value=shown, key=f"system.setting.{key}")
        if st.form_submit_button("Save settings", type="primary"):
            with errors.handled():
                changed = 0
                with session_scope() as session:
                    for key, raw in edited.items():
                        current = values[key]
                        shown = ", ".join(current) if isinstance(current, list) else str(current)
                        if raw != shown:
                            settings_service.update_setting(session, user, key=key, value=raw, now=utcnow())
                            changed += 1
                data.runtime_settings.clear()
                st.success(f"Saved {changed} setting(s).")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
