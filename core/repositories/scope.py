"""Row-level scope as SQL: the one place that turns a viewer into a WHERE clause."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import QueryableAttribute

from core.dto import Scope
from core.models import User
from core.rules.values import Role


def trainee_scope_clause(
    scope: Scope, trainee_id_column: ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    """Condition on a trainee-id column: admin/leadership all, supervisor own trainees, trainee self."""
    if scope.sees_everything:
        return true()
    if scope.role == Role.SUPERVISOR and scope.user_id is not None:
        own = select(User.id).where(User.supervisor_id == scope.user_id)
        return trainee_id_column.in_(own)
    if scope.role == Role.TRAINEE and scope.user_id is not None:
        return trainee_id_column == scope.user_id
    return false()
