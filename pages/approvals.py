"""Approvals: supervisors and admins verify pending logbook entries (leadership reads)."""

import streamlit as st

from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from portal import auth

ROLES = (ADMIN, SUPERVISOR, LEADERSHIP)


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Approvals")
    st.info("Coming soon: the verification queue for pending logbook entries.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
