"""Server-side sessions: sign-in starts one; sign-out, reset, deactivation, role change and expiry end it."""

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import get_settings
from core.models import AuditEvent, UserSession
from core.services import sessions
from core.services.auth import get_session_user, record_sign_out, sign_in
from core.services.operations.retention import purge_expired
from core.services.users.accounts import reset_password, set_user_active, update_user
from tests.factories import NOW, PASSWORD, actor, make_user


def _signed_in(session: Session, username: str) -> str:
    session_id = sign_in(session, username=username, password=PASSWORD, now=NOW, client="pytest")
    assert session_id is not None
    return session_id


def test_sign_in_starts_a_session_that_names_its_user_only(session: Session) -> None:
    user = make_user(session, "trainee")
    other = make_user(session, "trainee")
    session_id = _signed_in(session, user.username)
    assert get_session_user(session, session_id, user.username, now=NOW).id == user.id  # type: ignore[union-attr]
    # The id is not stored as such, and it does not sign in anyone else or a made-up id.
    assert session.scalar(select(func.count()).where(UserSession.token_hash == session_id)) == 0
    assert get_session_user(session, session_id, other.username, now=NOW) is None
    assert get_session_user(session, "made-up", user.username, now=NOW) is None
    assert sign_in(session, username=user.username, password="wrong-password", now=NOW) is None


def test_sign_out_ends_only_that_session_and_is_audited(session: Session) -> None:
    user = make_user(session, "supervisor")
    first, second = _signed_in(session, user.username), _signed_in(session, user.username)
    record_sign_out(session, actor(session, user), now=NOW, session_id=first)
    assert get_session_user(session, first, user.username, now=NOW) is None
    assert get_session_user(session, second, user.username, now=NOW) is not None
    assert "sign_out" in session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()


def test_password_reset_deactivation_and_role_change_end_every_session(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    for change in ("reset", "deactivate", "role"):
        user = make_user(session, "trainee")
        ids = [_signed_in(session, user.username) for _ in range(2)]
        if change == "reset":
            reset_password(session, admin, user.id, new_password="a-new-password-1", now=NOW)
        elif change == "deactivate":
            set_user_active(session, admin, user.id, active=False, now=NOW)
            set_user_active(session, admin, user.id, active=True, now=NOW)  # reactivation revives nothing
        else:
            update_user(session, admin, user.id, role="leadership", now=NOW)
        assert [get_session_user(session, i, user.username, now=NOW) for i in ids] == [None, None], change
        revoked = session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == "sessions_revoked", AuditEvent.entity_id == str(user.id)
            )
        ).all()
        assert revoked and revoked[0]["sessions"] == 2, change  # type: ignore[index]


def test_sessions_expire_list_and_end_everywhere_and_cleanup_deletes_them(session: Session) -> None:
    user = make_user(session, "leadership")
    me = actor(session, user)
    current, other = _signed_in(session, user.username), _signed_in(session, user.username)
    listed = sessions.list_active_sessions(session, me, now=NOW, current=current)
    assert [i.current for i in listed].count(True) == 1 and len(listed) == 2
    lifetime = timedelta(days=get_settings().cookie_expiry_days)
    assert listed[0].expires_at == NOW + lifetime
    assert get_session_user(session, current, user.username, now=NOW + lifetime) is None  # expired
    assert sessions.sign_out_everywhere(session, me, now=NOW) == 2
    assert get_session_user(session, other, user.username, now=NOW) is None
    assert sessions.list_active_sessions(session, me, now=NOW) == []
    kept = _signed_in(session, user.username)
    deleted = purge_expired(session, now=NOW + timedelta(minutes=1)).counts["user_sessions"]
    assert deleted >= 2
    assert get_session_user(session, kept, user.username, now=NOW + timedelta(minutes=1)) is not None
