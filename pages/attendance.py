"""Attendance: upload attendance files and review import history (programme office, supervisors)."""

import streamlit as st

from core.rules.access import ADMIN, SUPERVISOR
from portal import auth

ROLES = (ADMIN, SUPERVISOR)


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Attendance")
    st.info("Coming soon: attendance upload with validation, preview and undo.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
