"""Sign-in with streamlit-authenticator, backed by the users table and core lockout rules."""

from __future__ import annotations

import logging

import streamlit as st
import streamlit_authenticator as stauth
from streamlit_authenticator.utilities.exceptions import LoginError

from core.clock import utcnow
from core.config import get_settings
from core.dto import UserSummary
from core.services import auth as auth_service
from portal import state
from portal.db import session_scope

log = logging.getLogger(__name__)


def _check_credentials(username: str, password: str) -> bool:
    # Replaces the widget's own check so lockout, deactivation and auditing live in core.
    with session_scope() as session:
        return auth_service.check_sign_in(session, username=username, password=password, now=utcnow())


def _build_authenticator() -> stauth.Authenticate:
    settings = get_settings()
    with session_scope() as session:
        credentials = auth_service.list_sign_in_credentials(session)
    authenticator = stauth.Authenticate(
        {"usernames": credentials},
        cookie_name=settings.cookie_name,
        cookie_key=settings.secret_key,
        cookie_expiry_days=settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )
    authenticator.authentication_controller.authentication_model.check_credentials = _check_credentials
    return authenticator


def authenticator() -> stauth.Authenticate:
    """This script run's authenticator (built by `current_user`)."""
    if state.AUTHENTICATOR not in st.session_state:
        st.session_state[state.AUTHENTICATOR] = _build_authenticator()
    return st.session_state[state.AUTHENTICATOR]


def current_user() -> UserSummary | None:
    """The signed-in user, re-read from the database on every run (None when signed out).

    Also re-authenticates from the cookie. Call once per run, from the router.
    """
    # Rebuilt every run so new users, password changes and deactivations apply at once.
    st.session_state[state.AUTHENTICATOR] = _build_authenticator()
    try:
        authenticator().login(location="unrendered")
    except LoginError:
        _sign_out_silently()
        return None
    username = st.session_state.get(state.AUTH_USERNAME)
    if not st.session_state.get(state.AUTH_STATUS) or not username:
        return None
    with session_scope() as session:
        user = auth_service.get_signed_in_user(session, username)
    if user is None:
        _sign_out_silently()
    return user


def _sign_out_silently() -> None:
    try:
        authenticator().logout(location="unrendered")
    except Exception:  # noqa: BLE001 - a broken cookie must never lock the page
        log.exception("could not clear the sign-in state")
    st.session_state[state.AUTH_STATUS] = None
    st.session_state[state.AUTH_USERNAME] = None


def sign_in_form() -> None:
    """The sign-in form, the generic failure message and (outside production) demo logins."""
    settings = get_settings()
    st.title("🎓 Training Operations Portal")
    st.caption(settings.programme_name)
    left, right = st.columns([3, 2], gap="large")
    with left:
        try:
            authenticator().login(
                location="main",
                key="auth.sign_in",
                fields={"Form name": "Sign in", "Username": "Username", "Password": "Password", "Login": "Sign in"},
            )
        except LoginError:
            st.error(auth_service.GENERIC_FAILURE)
        status = st.session_state.get(state.AUTH_STATUS)
        if status is False:
            st.error(auth_service.GENERIC_FAILURE)
        elif status:
            st.success("Signed in. Loading your page…")
    with right:
        if not settings.is_production and settings.demo_seed:
            st.markdown("#### Demo logins")
            st.markdown(
                "| Role | Username |\n|---|---|\n| Administrator | `admin` |\n| Supervisor | `supervisor` |\n"
                "| Leadership | `leadership` |\n| Trainee | `trainee` |"
            )
            st.markdown(f"Password for all: `{settings.demo_password}`")
            st.caption("Demo data only. Set PORTAL_ENV=production to start without it.")


def require_role(*roles: str) -> UserSummary:
    """Return the signed-in user if their role is allowed; otherwise show why and stop the page."""
    user = signed_in_user()
    if user is None:
        sign_in_form()
        st.stop()
    if user.role not in roles:
        st.error(
            f"Not allowed: this page is for {', '.join(roles)}; you are signed in as {user.role}. "
            "Use the menu on the left to open the pages you can use.",
            icon="🚫",
        )
        st.stop()
    return user


def signed_in_user() -> UserSummary | None:
    """The user the router resolved for this run."""
    return st.session_state.get(state.CURRENT_USER)


def sign_out_button(user: UserSummary) -> None:
    """Sidebar sign-out; audits the sign-out."""

    def _audit(_: object) -> None:
        with session_scope() as session:
            auth_service.record_sign_out(session, user, now=utcnow())

    authenticator().logout("Sign out", location="sidebar", key="auth.sign_out", callback=_audit)
