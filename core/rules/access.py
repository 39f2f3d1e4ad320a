"""Who may do what: pure role checks."""

ADMIN = "admin"
SUPERVISOR = "supervisor"
LEADERSHIP = "leadership"
TRAINEE = "trainee"
ALL_ROLES = (ADMIN, SUPERVISOR, LEADERSHIP, TRAINEE)


def can_act_as(role: str, allowed: tuple[str, ...]) -> bool:
    """True when `role` is one of the `allowed` roles."""
    return role in allowed


def can_see_trainee(
    *, viewer_role: str, viewer_id: int | None, trainee_id: int, trainee_supervisor_id: int | None
) -> bool:
    """Row-level scope: admin/leadership all, supervisor own trainees, trainee self."""
    if viewer_role in (ADMIN, LEADERSHIP):
        return True
    if viewer_role == SUPERVISOR:
        return trainee_supervisor_id is not None and trainee_supervisor_id == viewer_id
    if viewer_role == TRAINEE:
        return trainee_id == viewer_id
    return False
