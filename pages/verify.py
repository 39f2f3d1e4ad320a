"""Verify a document: public check of a transcript's QR link (no sign-in needed, anyone)."""

import streamlit as st

from core.rules.access import ALL_ROLES
from portal import errors, loaders, widgets

ROLES = ALL_ROLES
INVALID = "invalid or expired"


def render() -> None:
    # Deliberately no require_role: whoever holds the printed QR code may check it.
    st.title("🔎 Verify a document")
    token = widgets.url_param("token")
    if token is None:
        st.caption("Scan the QR code on a transcript or certificate, or paste its link here.")
        pasted = st.text_input("Verification link or code", key="verify.input")
        token = pasted.rsplit("token=", 1)[-1].strip() if pasted else None
        if not token:
            return
    outcome = None
    with errors.handled():
        outcome = loaders.documents.verification(token)
    if outcome is None:  # refused (too many checks) or failed: the message is already shown
        return
    if not outcome.valid or outcome.issued_at is None:
        st.error(INVALID, icon="❌")
        return
    st.success(f"valid: issued to {widgets.plain(outcome.issued_to)} on {outcome.issued_at:%Y-%m-%d}", icon="✅")
    st.markdown(widgets.plain(outcome.summary))


if __name__ == "__main__":
    from portal.legacy import run_router

    run_router(__file__)
