"""Every session-state key, declared once, namespaced "<page>.<name>"."""

from __future__ import annotations

from typing import Any

import streamlit as st

# Owned by streamlit-authenticator (do not write them ourselves).
AUTH_STATUS = "authentication_status"
AUTH_USERNAME = "username"

AUTHENTICATOR = "auth.authenticator"
# The random id of this browser's server-side session (core.services.sessions); also inside the signed cookie.
AUTH_SESSION_ID = "auth.session_id"
CURRENT_USER = "auth.user"
FLASH = "app.flash"
USERS_SELECTED = "users.selected"
VERIFY_CLIENT = "verify.client"  # this browser session's id for the /verify limit (no address known)

_DEFAULTS: dict[str, Any] = {FLASH: None, USERS_SELECTED: None, CURRENT_USER: None}


def init() -> None:
    """Set every declared key's default once per browser session."""
    for key, value in _DEFAULTS.items():
        st.session_state.setdefault(key, value)


def flash(message: str, kind: str = "success") -> None:
    """Keep a message to show after the next rerun, as it reads (the router shows it through plain())."""
    st.session_state[FLASH] = (kind, message)


def pop_flash() -> tuple[str, str] | None:
    value: tuple[str, str] | None = st.session_state.get(FLASH)
    st.session_state[FLASH] = None
    return value


# Logbook and approvals (issue 3).
LOGBOOK_EDITING = "logbook.editing"
APPROVALS_BULK_RESULT = "approvals.bulk_result"
APPROVALS_EDITOR_VERSION = "approvals.editor_version"
# Issue 18: the last decision's message for the panel, and how many phone cards are shown.
APPROVALS_CONFIRMATION = "approvals.confirmation"
APPROVALS_CARDS = "approvals.cards"
_DEFAULTS.update(
    {
        LOGBOOK_EDITING: None,
        APPROVALS_BULK_RESULT: None,
        APPROVALS_EDITOR_VERSION: 0,
        APPROVALS_CONFIRMATION: None,
        APPROVALS_CARDS: 20,
    }
)
# The one irreversible action whose confirmation is open (portal.confirm), by its button's key.
CONFIRM_ASKING = "app.confirm_asking"
_DEFAULTS[CONFIRM_ASKING] = None

# Attendance upload and eligibility (issue 4).
ATTENDANCE_PREVIEW = "attendance.preview"
ATTENDANCE_RESULT = "attendance.result"
ATTENDANCE_UPLOADER_VERSION = "attendance.uploader_version"
ATTENDANCE_UNDO_VERSION = "attendance.undo_version"
ELIGIBILITY_TRAINEE = "eligibility.trainee"
_DEFAULTS.update(
    {
        ATTENDANCE_PREVIEW: None,
        ATTENDANCE_RESULT: None,
        ATTENDANCE_UPLOADER_VERSION: 0,
        ATTENDANCE_UNDO_VERSION: 0,
        ELIGIBILITY_TRAINEE: None,
    }
)

# Reports and operations (issue 7).
REPORTS_LAST_RUN = "reports.last_run"
SYSTEM_LAST_JOB = "system.last_job"
_DEFAULTS.update({REPORTS_LAST_RUN: None, SYSTEM_LAST_JOB: None})
