"""Authorisation against the database, not against what the UI chose to show."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.dto import SYSTEM_ACTOR, UserSummary
from core.errors import PermissionDeniedError
from core.models import User
from core.rules.access import can_act_as


def authorize(session: Session, actor: UserSummary, *roles: str) -> User | None:
    """Check that `actor` is active and holds one of `roles`, as stored now.

    Returns the actor's User row (None for the system actor).

    Raises:
        PermissionDeniedError: the actor is unknown, inactive, not in `roles`, or carries another role
            than the stored one (so callers may scope by `actor.role`).
    """
    if actor is SYSTEM_ACTOR or (actor.id is None and actor == SYSTEM_ACTOR):
        if can_act_as(SYSTEM_ACTOR.role, roles):
            return None
        raise PermissionDeniedError("The system account cannot do this.")
    user = session.get(User, actor.id) if actor.id is not None else None
    if user is None or not user.is_active:
        raise PermissionDeniedError("Your account is not active.")
    if not can_act_as(user.role, roles):
        raise PermissionDeniedError(f"Not allowed: this needs the role {' or '.join(roles)}; you are {user.role}.")
    if user.role != actor.role:  # services scope rows by actor.role: it must be the stored one
        raise PermissionDeniedError("Your role has changed since you signed in; reload the page.")
    return user
