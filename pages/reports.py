"""Reports: leadership packs and the report archive."""

import streamlit as st

from core.rules.access import ADMIN, LEADERSHIP, SUPERVISOR
from portal import auth

ROLES = (ADMIN, LEADERSHIP, SUPERVISOR)


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Reports")
    st.info("Coming soon: the leadership pack and the report archive.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
