"""Throttle /verify (issue 14, item 9): checks per client per minute, counted in the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ConflictError
from core.models import VerifyAttempt
from core.services.documents.verify_limit import TOO_MANY, count_attempt, verify_token_limited
from core.services.settings import update_setting
from tests.factories import NOW, actor, make_user


def test_thirty_checks_a_minute_pass_and_the_next_is_refused_for_that_client_only(session: Session) -> None:
    for second in range(30):  # the default: a check every two seconds, all served
        outcome = verify_token_limited(
            session, token="no-such-token", client="ip:203.0.113.7", now=NOW + timedelta(seconds=second * 2)
        )
        assert outcome.valid is False
    with pytest.raises(ConflictError) as refused:
        verify_token_limited(session, token="x", client="ip:203.0.113.7", now=NOW + timedelta(seconds=59))
    assert refused.value.message == TOO_MANY == "Too many checks; try again in a minute."
    count_attempt(session, client="ip:198.51.100.1", now=NOW + timedelta(seconds=59))  # another client is unaffected
    # a minute after its first check the client is served again; the refusal itself was not counted
    count_attempt(session, client="ip:203.0.113.7", now=NOW + timedelta(seconds=60, milliseconds=1))


def test_the_limit_is_a_setting_and_old_attempts_are_deleted(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    update_setting(session, admin, key="verify_attempts_per_minute", value=2, now=NOW)
    count_attempt(session, client="session:abc", now=NOW)
    count_attempt(session, client="session:abc", now=NOW + timedelta(seconds=1))
    with pytest.raises(ConflictError, match="Too many checks"):
        count_attempt(session, client="session:abc", now=NOW + timedelta(seconds=2))
    count_attempt(session, client="session:abc", now=NOW + timedelta(minutes=5))
    assert session.scalar(select(func.count(VerifyAttempt.id))) == 1  # the stale rows are gone
    stored = session.scalars(select(VerifyAttempt.client_hash)).one()
    assert "abc" not in stored and len(stored) == 64  # the client key is stored hashed
