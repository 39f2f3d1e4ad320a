"""Who may do what: pure role checks."""

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


def can_see_trainee(
    *, viewer_role: str, viewer_id: int | None, trainee_id: int, trainee_supervisor_id: int | None
) -> bool:
    """Row-level scope: admin/leadership all, supervisor own trainees, trainee self."""
    if viewer_role in PROGRAMME_WIDE_ROLES:
        return True
    if viewer_role == Role.SUPERVISOR:
        return trainee_supervisor_id is not None and trainee_supervisor_id == viewer_id
    if viewer_role == Role.TRAINEE:
        return trainee_id == viewer_id
    return False
