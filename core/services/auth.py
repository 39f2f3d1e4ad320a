"""Sign-in checks, lockout and password changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import bcrypt
from sqlalchemy.orm import Session

from core.config import get_settings
from core.dto import UserSummary
from core.errors import InvalidInputError, PermissionDeniedError
from core.repositories import users as users_repo
from core.rules.passwords import compute_password_problems
from core.services.audit import record_event

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
GENERIC_FAILURE = "Sign-in failed: the username or password is incorrect, or the account is locked."
# Hashing a dummy when the user does not exist keeps the response time the same, so timing
# does not reveal which usernames exist.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=4))


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
        bcrypt.checkpw(b"x", _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:
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
        # Counted and locked by conditional UPDATEs, so attempts racing each other all count.
        failed = users_repo.add_failed_login(session, user.id)
        record_event(
            session,
            actor=actor,
            action="sign_in_failed",
            now=now,
            details={"reason": "wrong password", "failed_count": failed},
        )
        until = now + LOCKOUT
        if users_repo.lock_user_if_due(session, user.id, threshold=MAX_FAILED_ATTEMPTS, until=until):
            record_event(
                session,
                actor=actor,
                action="account_locked",
                now=now,
                details={"until": until.isoformat(timespec="seconds")},
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


def record_sign_out(session: Session, actor: UserSummary, *, now: datetime) -> None:
    """Audit a sign-out."""
    record_event(session, actor=actor, action="sign_out", now=now)
