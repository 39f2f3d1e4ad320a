"""Sign-in: failures in a sliding window (settings), and the same bcrypt cost for every kind of refusal."""

from datetime import timedelta

import bcrypt
from sqlalchemy.orm import Session

from core.config import get_settings
from core.services import auth
from core.services.settings import update_setting
from tests.factories import NOW, PASSWORD, actor, make_user


def _fail(session: Session, username: str, minutes: float) -> None:
    assert not auth.check_sign_in(
        session, username=username, password="wrong-pass-1", now=NOW + timedelta(minutes=minutes)
    )


def test_failures_count_in_a_sliding_window_so_old_ones_decay(session: Session) -> None:
    user = make_user(session, "trainee")
    for minute in (0, 1, 2, 3):
        _fail(session, user.username, minute)
    _fail(session, user.username, 16)  # 4 failures, then one 13+ minutes after the last but 16 after the first
    session.refresh(user)
    assert user.locked_until is None
    assert auth.check_sign_in(session, username=user.username, password=PASSWORD, now=NOW + timedelta(minutes=17))


def test_five_failures_inside_the_window_lock_with_the_generic_message(session: Session) -> None:
    user = make_user(session, "trainee")
    for minute in (0, 5, 10, 13, 14):
        _fail(session, user.username, minute)
    session.refresh(user)
    assert user.locked_until == NOW + timedelta(minutes=14 + 15)
    assert not auth.check_sign_in(session, username=user.username, password=PASSWORD, now=NOW + timedelta(minutes=20))
    assert "locked" in auth.GENERIC_FAILURE and "username or password" in auth.GENERIC_FAILURE


def test_the_window_and_the_limit_are_settings(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    update_setting(session, admin, key="signin_max_failures", value=3, now=NOW)
    update_setting(session, admin, key="signin_window_minutes", value=60, now=NOW)
    user = make_user(session, "trainee")
    for minute in (0, 30, 59):
        _fail(session, user.username, minute)
    session.refresh(user)
    assert user.locked_until == NOW + timedelta(minutes=59 + 60)


def test_the_dummy_hash_costs_the_configured_rounds() -> None:
    rounds = get_settings().bcrypt_rounds
    dummy = auth._dummy_hash(rounds)
    assert int(dummy.split(b"$")[2]) == rounds
    assert bcrypt.checkpw(b"not-a-real-password", dummy)
