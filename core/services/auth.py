"""Sign-in checks, lockout and password changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.dto import UserSummary
from core.errors import InvalidInputError, PermissionDeniedError
from core.models import AuditEvent
from core.repositories import users as users_repo
from core.rules.passwords import compute_password_problems
from core.services import sessions as sessions_service
from core.services.audit import record_event
from core.services.settings import get_setting

MAX_FAILED_ATTEMPTS = 5  # defaults of the settings signin_max_failures and signin_window_minutes
LOCKOUT = timedelta(minutes=15)
GENERIC_FAILURE = "Sign-in failed: the username or password is incorrect, or the account is locked."


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> bytes:
    # Unknown, deactivated, locked and password-less attempts check the password against this hash at the
    # configured cost, so they take as long as a wrong password and timing does not reveal which accounts exist.
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=rounds))


def hash_password(password: str, rounds: int | None = None) -> str:
    """Return a bcrypt hash for `password`.

    Raises:
        InvalidInputError: the password breaks the password policy.
    """
    problems = compute_password_problems(password)
    if problems:
        raise InvalidInputError("The password " + "; ".join(problems) + ".")
    salt = bcrypt.gensalt(rounds=rounds or get_settings().bcrypt_rounds)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


def check_password(password: str, password_hash: str | None) -> bool:
    """Constant-shape bcrypt check; False for a missing hash or an over-long password."""
    encoded = password.encode("utf-8")
    if password_hash is None or len(encoded) > 72:
        bcrypt.checkpw(encoded[:72] or b"x", _dummy_hash(get_settings().bcrypt_rounds))
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
        bcrypt.checkpw(b"x", _dummy_hash(get_settings().bcrypt_rounds))
        return False


def check_sign_in(session: Session, *, username: str, password: str, now: datetime) -> bool:
    """Verify a sign-in attempt, applying lockout and auditing the outcome."""
    name = (username or "").strip().lower()
    user = users_repo.get_user_by_username(session, name) if name else None
    if user is None:
        check_password(password, None)
        record_event(
            session,
            actor=None,
            actor_username=name[:64] or None,
            action="sign_in_failed",
            now=now,
            details={"reason": "unknown user"},
        )
        return False
    actor = _summary(user)
    if not user.is_active:
        check_password(password, None)
        record_event(session, actor=actor, action="sign_in_failed", now=now, details={"reason": "inactive"})
        return False
    if user.locked_until is not None and user.locked_until > now:
        check_password(password, None)
        record_event(
            session,
            actor=actor,
            action="sign_in_refused_locked",
            now=now,
            details={"locked_until": user.locked_until.isoformat(timespec="seconds")},
        )
        return False
    if not check_password(password, user.password_hash):
        # The UPDATE takes the user's row lock, so racing attempts queue here and each counts the others'.
        users_repo.add_failed_login(session, user.id)
        window = timedelta(minutes=int(get_setting(session, "signin_window_minutes")))
        limit = int(get_setting(session, "signin_max_failures"))
        record_event(session, actor=actor, action="sign_in_failed", now=now, details={"reason": "wrong password"})
        session.flush()
        # A sliding window: failures since the window opened, the last lock ended or the last sign-in succeeded.
        since = max(t for t in (now - window, user.locked_until, user.last_login_at) if t is not None)
        failed = int(
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.actor_id == user.id,
                    AuditEvent.action == "sign_in_failed",
                    AuditEvent.occurred_at > since,
                    AuditEvent.occurred_at <= now,
                )
            )
            or 0
        )
        until = now + window
        if failed >= limit and users_repo.lock_user_unless_locked(session, user.id, now=now, until=until):
            record_event(
                session,
                actor=actor,
                action="account_locked",
                now=now,
                details={"until": until.isoformat(timespec="seconds"), "failures": failed},
            )
        session.expire(user, ["failed_login_count", "locked_until"])
        session.flush()
        return False
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(session, actor=actor, action="sign_in", now=now)
    session.flush()
    return True


def sign_in(session: Session, *, username: str, password: str, now: datetime, client: str | None = None) -> str | None:
    """Check a sign-in attempt (`check_sign_in`) and, when it succeeds, start a server-side session.

    Returns the new session's random id (for the signed cookie), or None when the attempt failed.
    """
    if not check_sign_in(session, username=username, password=password, now=now):
        return None
    user = users_repo.get_user_by_username(session, (username or "").strip().lower())
    assert user is not None
    days = get_settings().cookie_expiry_days
    return sessions_service.start_session(
        session, user.id, now=now, lifetime=timedelta(days=days) if days > 0 else timedelta(days=1), client=client
    )


def get_session_user(session: Session, session_id: str | None, username: str, *, now: datetime) -> UserSummary | None:
    """The active user behind a live server-side session of `username`, or None (signed out, expired, revoked)."""
    name = username.strip().lower()
    if not session_id or sessions_service.resolve_session(session, session_id, name, now=now) is None:
        return None
    return get_signed_in_user(session, name)


def get_signed_in_user(session: Session, username: str) -> UserSummary | None:
    """The active user behind a sign-in session or cookie, or None."""
    user = users_repo.get_user_by_username(session, username)
    if user is None or not user.is_active:
        return None
    return _summary(user)


def change_password(session: Session, actor: UserSummary, *, current: str, new: str, now: datetime) -> None:
    """Change the actor's own password after checking the current one.

    Raises:
        PermissionDeniedError: the current password is wrong.
        InvalidInputError: the new password breaks the policy.
    """
    user = users_repo.get_user(session, actor.id) if actor.id is not None else None
    if user is None or not user.is_active or not check_password(current, user.password_hash):
        raise PermissionDeniedError("The current password is not correct.")
    if current == new:
        raise InvalidInputError("The new password must differ from the current one.")
    user.password_hash = hash_password(new)
    record_event(session, actor=actor, action="password_changed", now=now, entity_type="user", entity_id=user.id)
    session.flush()


def _summary(user: object) -> UserSummary:
    from core.services.users.accounts import summarize

    return summarize(user)  # type: ignore[arg-type]


def list_sign_in_credentials(session: Session) -> dict[str, dict[str, str | None]]:
    """Active users with a password, keyed by username (the sign-in widget's credentials)."""
    return {
        username: {"name": full_name, "email": email, "password": password_hash}
        for username, full_name, email, password_hash in users_repo.list_sign_in_users(session)
    }


def record_sign_out(session: Session, actor: UserSummary, *, now: datetime, session_id: str | None = None) -> None:
    """Sign-out: end this browser's server-side session (a replayed cookie no longer works) and audit it."""
    if session_id:
        sessions_service.end_session(session, actor, session_id, now=now)
    else:
        record_event(session, actor=actor, action="sign_out", now=now)
