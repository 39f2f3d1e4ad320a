"""The per-client limit on public document checks (/verify): `verify_attempts_per_minute` (setting, 30).

Attempts are rows in `verify_attempts` (a sha256 of the client key and when), so every replica
counts the same attempts. A check over the limit is refused before the token is looked up and is not
itself counted, so a client that pauses is served again as soon as its oldest attempt is a minute old.
Two replicas counting at the same instant may each let one more check through; the limit is a brake
on guessing, not an exact quota.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.dto import VerificationOutcome
from core.errors import ConflictError
from core.models import VerifyAttempt
from core.services.documents.transcripts import verify_token
from core.services.settings import get_setting

WINDOW = timedelta(minutes=1)
TOO_MANY = "Too many checks; try again in a minute."


def count_attempt(session: Session, *, client: str, now: datetime) -> None:
    """Count one check by `client`, or refuse it when the client already made the limit in the last minute.

    Raises:
        ConflictError: over the limit ("Too many checks; try again in a minute.").
    """
    limit = int(get_setting(session, "verify_attempts_per_minute"))
    since = now - WINDOW
    session.execute(delete(VerifyAttempt).where(VerifyAttempt.attempted_at <= since))
    key = hashlib.sha256(client.encode()).hexdigest()
    made = session.scalar(
        select(func.count(VerifyAttempt.id)).where(VerifyAttempt.client_hash == key, VerifyAttempt.attempted_at > since)
    )
    if int(made or 0) >= limit:
        raise ConflictError(TOO_MANY)
    session.add(VerifyAttempt(client_hash=key, attempted_at=now))
    session.flush()


def verify_token_limited(session: Session, *, token: str | None, client: str, now: datetime) -> VerificationOutcome:
    """`verify_token`, counted against the client's per-minute limit first.

    Raises:
        ConflictError: the client is over the limit.
    """
    count_attempt(session, client=client, now=now)
    return verify_token(session, token=token, now=now)
