"""User administration (admins only): create, edit, deactivate, reset password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import ConflictError, InvalidInputError, NotFoundError
from core.models import Department, User
from core.repositories import users as repo
from core.rules.access import ALL_ROLES
from core.rules.values import Role
from core.services.access import authorize
from core.services.audit import record_event
from core.services.auth import hash_password
from core.services.sessions import end_all_sessions
from core.services.users._common import UserFields, insert_user, validate_user_fields

Changes = dict[str, tuple[object, object]]


def summarize(user: User) -> UserSummary:
    """Turn a User row into the DTO the UI and services pass around."""
    return UserSummary(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        department_id=user.department_id,
        department_name=user.department.name if user.department else None,
        supervisor_id=user.supervisor_id,
        supervisor_name=user.supervisor.full_name if user.supervisor else None,
        registration_number=user.registration_number,
        email=user.email,
        is_active=user.is_active,
        has_password=user.password_hash is not None,
        locked_until=user.locked_until,
    )


def list_users(session: Session, actor: UserSummary) -> list[UserSummary]:
    """Every user, for the admin screen.

    Raises:
        PermissionDeniedError: the actor is not an admin.
    """
    authorize(session, actor, Role.ADMIN)
    return [summarize(u) for u in repo.list_users(session)]


def list_supervisors(session: Session) -> list[tuple[int, str, str]]:
    """(id, username, full name) of active supervisors."""
    return repo.list_supervisor_options(session)


def create_user(
    session: Session,
    actor: UserSummary,
    *,
    username: str,
    full_name: str,
    role: str,
    now: datetime,
    department: str | None = None,
    supervisor: str | None = None,
    registration_number: str | None = None,
    email: str | None = None,
    password: str | None = None,
) -> UserSummary:
    """Create a user; without a password the user exists but cannot sign in.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: a field is missing, unknown or already taken.
    """
    authorize(session, actor, Role.ADMIN)
    fields = UserFields(
        username, full_name, role, department or None, supervisor or None, registration_number or None, email or None
    )
    problems = validate_user_fields(session, fields)
    if problems:
        raise InvalidInputError("Cannot create the user: " + "; ".join(problems) + ".", problems)
    password_hash = hash_password(password) if password else None
    user = insert_user(session, fields, password_hash, created_by_id=actor.id)
    record_event(
        session,
        actor=actor,
        action="user_created",
        now=now,
        entity_type="user",
        entity_id=user.id,
        details={
            "username": user.username,
            "role": role,
            "department": department,
            "supervisor": supervisor,
            "created_by": actor.username,
        },
    )
    session.refresh(user)
    return summarize(user)


def update_user(
    session: Session,
    actor: UserSummary,
    user_id: int,
    *,
    now: datetime,
    role: str | None = None,
    department_id: int | None = None,
    supervisor_id: int | None = None,
    full_name: str | None = None,
    email: str | None = None,
    clear_supervisor: bool = False,
) -> UserSummary:
    """Change role, department, supervisor, name or e-mail, auditing old and new values.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        NotFoundError: no such user / department / supervisor.
        InvalidInputError: an invalid combination (e.g. a supervisor for a non-trainee).
    """
    authorize(session, actor, Role.ADMIN)
    user = _get_user(session, user_id)
    changes = _change_placement(
        session,
        actor,
        user,
        role=role,
        department_id=department_id,
        supervisor_id=supervisor_id,
        clear_supervisor=clear_supervisor,
    )
    changes.update(_change_contact(user, full_name=full_name, email=email))
    if changes:
        record_event(
            session,
            actor=actor,
            action="user_updated",
            now=now,
            entity_type="user",
            entity_id=user.id,
            details={k: {"old": o, "new": n} for k, (o, n) in changes.items()},
        )
    if "role" in changes:
        # What the old role could open is no longer allowed: the user signs in again.
        end_all_sessions(session, user.id, reason="role_changed", now=now, actor=actor)
    session.flush()
    session.refresh(user)
    return summarize(user)


def _change_placement(
    session: Session,
    actor: UserSummary,
    user: User,
    *,
    role: str | None,
    department_id: int | None,
    supervisor_id: int | None,
    clear_supervisor: bool,
) -> Changes:
    """Apply a new role, department or supervisor to `user`; return the old and new values."""
    changes: Changes = {}
    if role is not None and role != user.role:
        if role not in ALL_ROLES:
            raise InvalidInputError(f"Unknown role '{role}'.")
        if user.id == actor.id and user.role == Role.ADMIN:
            raise ConflictError("You cannot change your own admin role.")
        changes["role"] = (user.role, role)
        user.role = role
    if department_id is not None and department_id != user.department_id:
        if session.get(Department, department_id) is None:
            raise NotFoundError("No such department.")
        changes["department_id"] = (user.department_id, department_id)
        user.department_id = department_id
    if clear_supervisor and user.supervisor_id is not None:
        changes["supervisor_id"] = (user.supervisor_id, None)
        user.supervisor_id = None
    elif supervisor_id is not None and supervisor_id != user.supervisor_id:
        sup = session.get(User, supervisor_id)
        if sup is None or sup.role != Role.SUPERVISOR or not sup.is_active:
            raise NotFoundError("No such active supervisor.")
        changes["supervisor_id"] = (user.supervisor_id, supervisor_id)
        user.supervisor_id = supervisor_id
    if user.role != Role.TRAINEE and user.supervisor_id is not None:
        raise InvalidInputError("Only trainees have a supervisor: clear the supervisor first.")
    return changes


def _change_contact(user: User, *, full_name: str | None, email: str | None) -> Changes:
    """Apply a new name or e-mail to `user`; return the old and new values."""
    changes: Changes = {}
    if full_name is not None and full_name.strip() and full_name.strip() != user.full_name:
        changes["full_name"] = (user.full_name, full_name.strip())
        user.full_name = full_name.strip()
    if email is not None and (email.strip() or None) != user.email:
        if email.strip() and "@" not in email:
            raise InvalidInputError(f"'{email}' is not an e-mail address.")
        changes["email"] = (user.email, email.strip() or None)
        user.email = email.strip() or None
    return changes


def set_user_active(session: Session, actor: UserSummary, user_id: int, *, active: bool, now: datetime) -> UserSummary:
    """Deactivate (or reactivate) a user; a deactivated user cannot sign in.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        ConflictError: an admin deactivating themselves.
    """
    authorize(session, actor, Role.ADMIN)
    user = _get_user(session, user_id)
    if user.id == actor.id and not active:
        raise ConflictError("You cannot deactivate your own account.")
    if user.is_active != active:
        user.is_active = active
        if active:
            user.failed_login_count = 0
            user.locked_until = None
            user.reactivated_by_id = actor.id  # the two-person rule remembers who brought the account back
        record_event(
            session,
            actor=actor,
            action="user_reactivated" if active else "user_deactivated",
            now=now,
            entity_type="user",
            entity_id=user.id,
            details={"username": user.username, **({"reactivated_by": actor.username} if active else {})},
        )
        if not active:
            end_all_sessions(session, user.id, reason="deactivated", now=now, actor=actor)
    session.flush()
    return summarize(user)


def reset_password(session: Session, actor: UserSummary, user_id: int, *, new_password: str, now: datetime) -> None:
    """Set a new password for a user and clear their lockout.

    Raises:
        PermissionDeniedError: the actor is not an admin.
        InvalidInputError: the password breaks the policy.
    """
    authorize(session, actor, Role.ADMIN)
    user = _get_user(session, user_id)
    user.password_hash = hash_password(new_password)
    user.failed_login_count = 0
    user.locked_until = None
    record_event(
        session,
        actor=actor,
        action="password_reset",
        now=now,
        entity_type="user",
        entity_id=user.id,
        details={"username": user.username},
    )
    # A copied cookie must not outlive the old password.
    end_all_sessions(session, user.id, reason="password_reset", now=now, actor=actor)
    session.flush()


def _get_user(session: Session, user_id: int) -> User:
    user = repo.get_user(session, user_id)
    if user is None:
        raise NotFoundError("No such user.")
    return user
