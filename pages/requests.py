"""Documents: document requests and transcripts (trainees request, admins decide)."""

import streamlit as st

from core.rules.access import ADMIN, TRAINEE
from portal import auth

ROLES = (ADMIN, TRAINEE)


def render() -> None:
    auth.require_role(*ROLES)
    st.title("Documents")
    st.info("Coming soon: document requests and transcripts.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
