"""Sign-in checks: lockout after five failures, deactivation, audit, password changes."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db import make_session_factory
from core.errors import InvalidInputError, PermissionDeniedError
from core.models import AuditEvent, User
from core.repositories import users as users_repo
from core.services.auth import change_password, check_sign_in, get_signed_in_user
from tests.factories import NOW, PASSWORD, actor, make_user


def _actions(session: Session, username: str) -> list[str]:
    return list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.actor_username == username).order_by(AuditEvent.id))
    )


def test_right_password_signs_in_and_is_audited(session: Session) -> None:
    user = make_user(session, "admin")
    assert check_sign_in(session, username=user.username.upper() + " ", password=PASSWORD, now=NOW)
    assert _actions(session, user.username) == ["sign_in"]
    assert user.last_login_at == NOW


def test_unknown_user_fails_and_is_audited_without_revealing_anything(session: Session) -> None:
    assert not check_sign_in(session, username="ghost", password=PASSWORD, now=NOW)
    assert _actions(session, "ghost") == ["sign_in_failed"]


def test_five_failures_lock_the_account_for_fifteen_minutes_even_with_the_right_password(session: Session) -> None:
    user = make_user(session, "supervisor")
    for attempt in range(5):
        assert not check_sign_in(
            session, username=user.username, password="wrong-pass-1", now=NOW + timedelta(seconds=attempt)
        )
    assert user.locked_until == NOW + timedelta(seconds=4) + timedelta(minutes=15)
    assert not check_sign_in(session, username=user.username, password=PASSWORD, now=NOW + timedelta(minutes=10))
    assert _actions(session, user.username)[-2:] == ["account_locked", "sign_in_refused_locked"]
    assert check_sign_in(session, username=user.username, password=PASSWORD, now=NOW + timedelta(minutes=20))


def test_four_failures_then_success_resets_the_counter(session: Session) -> None:
    user = make_user(session, "trainee")
    for _ in range(4):
        check_sign_in(session, username=user.username, password="wrong-pass-1", now=NOW)
    assert check_sign_in(session, username=user.username, password=PASSWORD, now=NOW)
    assert user.failed_login_count == 0 and user.locked_until is None


def test_deactivated_user_cannot_sign_in_or_resume_a_session(session: Session) -> None:
    user = make_user(session, "trainee", active=False)
    assert not check_sign_in(session, username=user.username, password=PASSWORD, now=NOW)
    assert get_signed_in_user(session, user.username) is None


def test_user_without_password_cannot_sign_in(session: Session) -> None:
    user = make_user(session, "trainee", password=None)
    assert not check_sign_in(session, username=user.username, password="", now=NOW)


def test_change_password_needs_the_current_one_and_a_valid_new_one(session: Session) -> None:
    user = make_user(session, "leadership")
    me = actor(session, user)
    with pytest.raises(PermissionDeniedError):
        change_password(session, me, current="not-it-at-all", new="another-password", now=NOW)
    with pytest.raises(InvalidInputError):
        change_password(session, me, current=PASSWORD, new="short", now=NOW)
    change_password(session, me, current=PASSWORD, new="another-password", now=NOW)
    assert check_sign_in(session, username=user.username, password="another-password", now=NOW)
    assert session.get(User, user.id).password_hash is not None


def test_wrong_passwords_racing_each_other_all_count_and_lock_the_account_once(
    committed_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = make_session_factory(committed_engine)
    with factory.begin() as session:
        username = make_user(session, "supervisor").username
    read_all = threading.Barrier(8)
    original = users_repo.get_user_by_username

    def read_then_wait(session: Session, name: str) -> User | None:
        user = original(session, name)
        # All eight have read the row unlocked before any of them checks the password and writes (the
        # old read-modify-write lost counts then). A barrier before the read instead let a late thread
        # on a busy machine read the lock the first five had committed, and be refused as locked.
        read_all.wait(timeout=30)
        return user

    monkeypatch.setattr(users_repo, "get_user_by_username", read_then_wait)

    def attempt() -> None:
        with factory.begin() as session:
            check_sign_in(session, username=username, password="wrong-pass-1", now=NOW)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.undo()
    with factory.begin() as session:
        assert _actions(session, username).count("sign_in_failed") == 8
        assert _actions(session, username).count("account_locked") == 1
        user = session.scalars(select(User).where(User.username == username)).one()
        assert user.locked_until == NOW + timedelta(minutes=15)
        assert not check_sign_in(session, username=username, password=PASSWORD, now=NOW + timedelta(minutes=1))
