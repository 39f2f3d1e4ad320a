"""User and department queries."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from core.models import Department, User
from core.rules.values import Role


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User)
        .options(joinedload(User.department), joinedload(User.supervisor))
        .where(func.lower(User.username) == username.strip().lower())
    ).first()


def add_failed_login(session: Session, user_id: int) -> int:
    """Count one more failed sign-in in the database itself (no lost updates between racing attempts)."""
    count = session.scalar(
        update(User)
        .where(User.id == user_id)
        .values(failed_login_count=func.coalesce(User.failed_login_count, 0) + 1)
        .returning(User.failed_login_count)
        .execution_options(synchronize_session=False)
    )
    return int(count or 0)


def lock_user_if_due(session: Session, user_id: int, *, threshold: int, until: datetime) -> bool:
    """Lock the account once the failed count reaches `threshold`; True only for the attempt that locked it."""
    locked = session.execute(
        update(User)
        .where(User.id == user_id, User.failed_login_count >= threshold)
        .values(locked_until=until, failed_login_count=0)
        .execution_options(synchronize_session=False)
    )
    return bool(locked.rowcount)  # type: ignore[attr-defined]


def lock_user_unless_locked(session: Session, user_id: int, *, now: datetime, until: datetime) -> bool:
    """Lock the account until `until` unless it is locked already; True only for the attempt that locked it."""
    locked = session.execute(
        update(User)
        .where(User.id == user_id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(locked_until=until, failed_login_count=0)
        .execution_options(synchronize_session=False)
    )
    return bool(locked.rowcount)  # type: ignore[attr-defined]


def get_user_by_registration(session: Session, registration_number: str) -> User | None:
    return session.scalars(select(User).where(User.registration_number == registration_number.strip())).first()


def list_users(session: Session, *, role: str | None = None, active_only: bool = False) -> Sequence[User]:
    stmt = select(User).options(joinedload(User.department), joinedload(User.supervisor))
    if role:
        stmt = stmt.where(User.role == role)
    if active_only:
        stmt = stmt.where(User.is_active.is_(True))
    return session.scalars(stmt.order_by(User.role, User.username)).all()


def list_sign_in_users(session: Session) -> list[tuple[str, str, str | None, str]]:
    """(username, full_name, email, password_hash) of active users who have a password."""
    rows = session.execute(
        select(User.username, User.full_name, User.email, User.password_hash).where(
            User.is_active.is_(True), User.password_hash.is_not(None)
        )
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows if r[3] is not None]


def names_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: full name} for the given ids (for naming people in lists such as the audit log)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.full_name).where(User.id.in_(wanted))).all()
    return {int(user_id): str(name) for user_id, name in rows}


def names_by_username(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """{username: full name} for the given usernames (records that keep a username, such as job runs)."""
    wanted = sorted(set(usernames))
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.full_name).where(User.username.in_(wanted))).all()
    return {str(username): str(name) for username, name in rows}


def get_department(session: Session, department_id: int) -> Department | None:
    return session.get(Department, department_id)


def get_department_by_name(session: Session, name: str) -> Department | None:
    return session.scalars(select(Department).where(func.lower(Department.name) == name.strip().lower())).first()


def list_departments(session: Session) -> Sequence[Department]:
    return session.scalars(select(Department).order_by(Department.name)).all()


def add_department(session: Session, name: str) -> Department:
    department = Department(name=name.strip())
    session.add(department)
    session.flush()
    return department


def list_supervisor_options(session: Session) -> list[tuple[int, str, str]]:
    """(id, username, full_name) of active supervisors."""
    rows = session.execute(
        select(User.id, User.username, User.full_name)
        .where(User.role == Role.SUPERVISOR, User.is_active.is_(True))
        .order_by(User.full_name)
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def user_alias() -> type[User]:
    return aliased(User)
