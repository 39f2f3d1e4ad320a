"""Who may do what: pure role checks, and the one row-scope decision."""

from dataclasses import dataclass
from enum import StrEnum

from core.rules.values import Role

# Aliases pages import (`from core.rules.access import ADMIN, TRAINEE`); core code writes Role.ADMIN.
ADMIN = Role.ADMIN
SUPERVISOR = Role.SUPERVISOR
LEADERSHIP = Role.LEADERSHIP
TRAINEE = Role.TRAINEE
# Every role, in the order the users.role constraint lists them.
ALL_ROLES = tuple(Role)
# Roles that see every trainee (no row scope).
PROGRAMME_WIDE_ROLES = (Role.ADMIN, Role.LEADERSHIP)


def can_act_as(role: str, allowed: tuple[str, ...]) -> bool:
    """True when `role` is one of the `allowed` roles."""
    return role in allowed


class Reach(StrEnum):
    """Which trainees a viewer's rows come from."""

    ALL = "all"  # admin, leadership
    SUPERVISED = "supervised"  # a supervisor: the trainees whose supervisor is the viewer
    SELF = "self"  # a trainee: their own rows
    NONE = "none"  # anything else sees nothing


@dataclass(frozen=True)
class TraineeScope:
    """The row-scope decision for one viewer; SQL and Python checks both translate this one value."""

    reach: Reach
    user_id: int | None = None


def compute_trainee_scope(role: str, user_id: int | None) -> TraineeScope:
    """Row-level scope: admin/leadership all, supervisor own trainees, trainee self, others nothing."""
    if role in PROGRAMME_WIDE_ROLES:
        return TraineeScope(Reach.ALL)
    if role == Role.SUPERVISOR and user_id is not None:
        return TraineeScope(Reach.SUPERVISED, user_id)
    if role == Role.TRAINEE and user_id is not None:
        return TraineeScope(Reach.SELF, user_id)
    return TraineeScope(Reach.NONE)


def can_see_trainee(
    *, viewer_role: str, viewer_id: int | None, trainee_id: int, trainee_supervisor_id: int | None
) -> bool:
    """True when the viewer's row scope includes this trainee."""
    scope = compute_trainee_scope(viewer_role, viewer_id)
    match scope.reach:
        case Reach.ALL:
            return True
        case Reach.SUPERVISED:
            return trainee_supervisor_id == scope.user_id
        case Reach.SELF:
            return trainee_id == scope.user_id
        case Reach.NONE:
            return False
