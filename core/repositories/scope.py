"""Row-level scope as SQL: the one place that turns a viewer into a WHERE clause."""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import QueryableAttribute

from core.dto import Scope
from core.models import User
from core.rules.access import Reach, compute_trainee_scope


def trainee_scope_clause(
    scope: Scope, trainee_id_column: ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    """Condition on a trainee-id column, from the one row-scope rule (core.rules.access)."""
    decision = compute_trainee_scope(scope.role, scope.user_id)
    match decision.reach:
        case Reach.ALL:
            return true()
        case Reach.SUPERVISED:
            return trainee_id_column.in_(select(User.id).where(User.supervisor_id == decision.user_id))
        case Reach.SELF:
            return trainee_id_column == decision.user_id
        case Reach.NONE:
            return false()


def trainee_row_clause(scope: Scope) -> ColumnElement[bool]:
    """Condition on `User` rows (the trainee joined in), from the same rule: no subquery needed."""
    decision = compute_trainee_scope(scope.role, scope.user_id)
    match decision.reach:
        case Reach.ALL:
            return true()
        case Reach.SUPERVISED:
            return User.supervisor_id == decision.user_id
        case Reach.SELF:
            return User.id == decision.user_id
        case Reach.NONE:
            return false()
