"""Logbook: trainees record cases and procedures; others read entries in scope."""

import streamlit as st

from core.rules.access import ALL_ROLES
from portal import auth

ROLES = ALL_ROLES


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Logbook")
    st.info("Coming soon: record your cases and procedures and submit them for verification.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router()
