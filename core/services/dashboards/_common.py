"""Helpers shared by the dashboard read services of this package (not part of its public API)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.dto import DashboardFilters, Scope, UserSummary
from core.repositories import analytics as repo
from core.rules.access import ALL_ROLES
from core.rules.values import Role
from core.services.access import authorize
from core.services.settings import get_setting

NO_DEPARTMENT = "(no department)"


NO_SUPERVISOR = "(no supervisor)"


def ratio(part: int | float, whole: int | float) -> float | None:
    """100 × part / whole, to 2 decimals, or None when there is nothing to divide by."""
    return round(100 * float(part) / float(whole), 2) if whole else None


def scoped_view(
    session: Session, actor: UserSummary, filters: DashboardFilters | None
) -> tuple[Scope, repo.Conditions]:
    """The viewer's scope (re-authorized) and the SQL conditions for what they may see, narrowed by `filters`."""
    user = authorize(session, actor, *ALL_ROLES)
    scope = Scope(role=Role.ADMIN, user_id=None) if user is None else Scope(role=user.role, user_id=user.id)
    return scope, repo.view_conditions(scope, filters)


def attendance_threshold(session: Session) -> tuple[float, int]:
    """The attendance threshold setting, as a percentage and in whole hundredths of a percent (for SQL)."""
    threshold = float(get_setting(session, "attendance_threshold"))
    return threshold, round(threshold * 100)
