"""Sign-in with streamlit-authenticator, backed by the users table, core lockout rules and server-side sessions.

The library keeps its form and its signed cookie (a JWT, HS256 with SECRET_KEY). The cookie also carries a
random session id (`sid`) naming a row of user_sessions; only a live row signs anyone in, so sign-out, a
password reset, deactivation or a role change end a copied cookie too. A cookie that does not decode (malformed,
another algorithm, tampered, missing claims) counts as no cookie: the sign-in form, never an error page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import jwt
import streamlit as st
import streamlit_authenticator as stauth
from streamlit.delta_generator import DeltaGenerator
from streamlit_authenticator.utilities.exceptions import LoginError

from core.clock import utcnow
from core.config import get_settings
from core.dto import UserSummary
from core.services import auth as auth_service
from core.services import sessions as sessions_service
from core.services.sessions import SessionItem
from portal import state
from portal.db import session_scope

log = logging.getLogger(__name__)


def _client() -> str | None:
    try:
        return st.context.headers.get("User-Agent")
    except Exception:  # noqa: BLE001 - outside a browser (AppTest) there are no headers
        return None


def _check_credentials(username: str, password: str) -> bool:
    # Replaces the widget's own check so lockout, deactivation, auditing and the session record live in core.
    with session_scope() as session:
        session_id = auth_service.sign_in(session, username=username, password=password, now=utcnow(), client=_client())
    st.session_state[state.AUTH_SESSION_ID] = session_id
    return session_id is not None


def _decode_cookie(token: Any, key: str) -> dict[str, Any] | bool:
    """The cookie's claims when it is ours and well formed; False for anything else."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return False
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"])
    except (jwt.PyJWTError, ValueError, TypeError):
        return False
    if not isinstance(claims, dict):
        return False
    exp = claims.get("exp_date")
    well_formed = (
        isinstance(claims.get("username"), str)
        and isinstance(claims.get("sid"), str)
        and isinstance(exp, int | float)
        and not isinstance(exp, bool)
        and exp == exp  # not NaN
    )
    return claims if well_formed else False


def _harden_cookie(authenticator: stauth.Authenticate) -> None:
    """Put the session id into the library's cookie and refuse every cookie that is not exactly ours."""
    model = authenticator.cookie_controller.cookie_model
    key = str(model.cookie_key)

    def encode() -> str:
        claims = {
            "username": st.session_state[state.AUTH_USERNAME],
            "exp_date": model.exp_date,
            "sid": st.session_state.get(state.AUTH_SESSION_ID) or "",
        }
        return jwt.encode(claims, key, algorithm="HS256")

    model._token_encode = encode
    model._token_decode = lambda: _decode_cookie(model.token, key)


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
    _harden_cookie(authenticator)
    return authenticator


def authenticator() -> stauth.Authenticate:
    """This script run's authenticator (built by `current_user`)."""
    if state.AUTHENTICATOR not in st.session_state:
        st.session_state[state.AUTHENTICATOR] = _build_authenticator()
    return st.session_state[state.AUTHENTICATOR]


def current_session_id() -> str | None:
    """This browser's server-side session id (None when signed out)."""
    value = st.session_state.get(state.AUTH_SESSION_ID)
    return value if isinstance(value, str) and value else None


def active_sessions(user: UserSummary) -> list[SessionItem]:
    """The user's own live sessions (fresh on every run: not cached, a revocation shows at once)."""
    with session_scope() as session:
        return sessions_service.list_active_sessions(session, user, now=utcnow(), current=current_session_id())


def current_user() -> UserSummary | None:
    """The signed-in user, re-read from the database on every run (None when signed out).

    Also re-authenticates from the cookie, and checks on every run that the session is still live.
    Call once per run, from the router.
    """
    # Rebuilt every run so new users, password changes and deactivations apply at once.
    st.session_state[state.AUTHENTICATOR] = _build_authenticator()
    try:
        authenticator().login(location="unrendered")
    except Exception:  # noqa: BLE001 - LoginError or a cookie the library chokes on: signed out, never an error page
        log.info("cookie sign-in refused", exc_info=True)
        _sign_out_silently()
        return None
    username = st.session_state.get(state.AUTH_USERNAME)
    if not st.session_state.get(state.AUTH_STATUS) or not username:
        return None
    session_id = current_session_id()
    if session_id is None:
        # Signed in from the cookie in this run: its claims name the session.
        token = authenticator().cookie_controller.cookie_model.token
        if isinstance(token, dict) and token.get("username") == username:
            session_id = token.get("sid") or None
        st.session_state[state.AUTH_SESSION_ID] = session_id
    user = _session_user(session_id, str(username))
    if user is None:
        _sign_out_silently()
    return user


def _session_user(session_id: str | None, username: str) -> UserSummary | None:
    with session_scope() as session:
        return auth_service.get_session_user(session, session_id, username, now=utcnow())


def sign_in_here(slot: DeltaGenerator) -> UserSummary | None:
    """The sign-in form in `slot`, for the router; the user when they signed in with it in THIS run, else None.

    The page they asked for is drawn in the same run (the form is cleared), instead of stopping here
    and drawing it on the next rerun: one script run from the click to the page, deep links included.
    The router keeps `slot` on every run, so the page sits at the same place in the next run too (no stale
    copy of it while the cookie's rerun draws it again). Call `write_sign_in_cookie` once the menu is drawn.
    """
    with slot.container():
        sign_in_form()
    username = st.session_state.get(state.AUTH_USERNAME)
    if not st.session_state.get(state.AUTH_STATUS) or not username:
        return None
    user = _session_user(current_session_id(), str(username))
    if user is not None:
        slot.empty()
    return user


def write_sign_in_cookie() -> None:
    """The sign-in cookie, written by a component at the end of the menu (the library's own one went with the
    cleared form); there it moves nothing the next run draws."""
    model = authenticator().cookie_controller.cookie_model
    expires = datetime.fromtimestamp(float(model.exp_date))
    with st.sidebar:
        model.cookie_manager.set(
            model.cookie_name, model._token_encode(), key="auth.cookie.signed_in", expires_at=expires
        )


def _sign_out_silently() -> None:
    try:
        authenticator().logout(location="unrendered")
    except Exception:  # noqa: BLE001 - a broken cookie must never lock the page
        log.debug("no sign-in state to clear", exc_info=True)
    try:
        authenticator().cookie_controller.delete_cookie()
    except Exception:  # noqa: BLE001
        log.debug("no cookie to delete", exc_info=True)
    st.session_state[state.AUTH_STATUS] = None
    st.session_state[state.AUTH_USERNAME] = None
    st.session_state[state.AUTH_SESSION_ID] = None


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
        except Exception:  # noqa: BLE001 - whatever the cookie held, the form stays usable
            log.warning("sign-in widget failed", exc_info=True)
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
        # Ends this browser's server-side session, so a copied cookie no longer signs anyone in.
        with session_scope() as session:
            auth_service.record_sign_out(session, user, now=utcnow(), session_id=current_session_id())
        st.session_state[state.AUTH_SESSION_ID] = None

    authenticator().logout("Sign out", location="sidebar", key="auth.sign_out", callback=_audit)
