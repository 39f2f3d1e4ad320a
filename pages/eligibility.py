"""Eligibility: exam eligibility from attendance, by period (all roles, scoped)."""

import streamlit as st

from core.rules.access import ALL_ROLES
from portal import auth

ROLES = ALL_ROLES


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Eligibility")
    st.info("Coming soon: exam eligibility by period, with snapshots.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
