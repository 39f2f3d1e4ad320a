"""Dashboard: KPIs, trends, compliance and attendance, scoped to the viewer."""

import streamlit as st

from core.rules.access import ALL_ROLES
from portal import auth

ROLES = ALL_ROLES


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Dashboard")
    st.info("Coming soon: KPIs, trends, compliance and attendance.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
