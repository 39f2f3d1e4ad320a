"""Verify a document: public check of a transcript's QR link (no sign-in needed)."""

import streamlit as st

from core.rules.access import ALL_ROLES

ROLES = ALL_ROLES


def render() -> None:
    st.title("Verify a document")
    st.info("Coming soon: scan a transcript's QR code to check that it is genuine.", icon="🚧")


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
