"""Results: assessments, scores, publishing, freezing and change requests."""

import streamlit as st

from core.rules.access import ALL_ROLES
from portal import auth

ROLES = ALL_ROLES


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Results")
    st.info("Coming soon: assessments and results review.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
