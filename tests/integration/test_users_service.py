"""User administration: admin-only, audited, all-or-nothing imports."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.errors import ConflictError, InvalidInputError, PermissionDeniedError
from core.models import AuditEvent, Department, User
from core.services import audit as audit_service
from core.services import settings as settings_service
from core.services.auth import check_sign_in
from core.services.users import accounts as user_service
from core.services.users import departments as department_service
from core.services.users import imports as user_import_service
from tests.factories import NOW, actor, make_department, make_user

HEADER = "username,full_name,role,department,supervisor,registration_number,email\n"

AdminCall = Callable[[Session, UserSummary, User], Any]
ADMIN_ONLY: dict[str, AdminCall] = {
    "list_users": lambda s, a, t: user_service.list_users(s, a),
    "create_user": lambda s, a, t: user_service.create_user(
        s, a, username="newbie", full_name="N", role="leadership", now=NOW
    ),
    "update_user": lambda s, a, t: user_service.update_user(s, a, t.id, role="admin", now=NOW),
    "set_user_active": lambda s, a, t: user_service.set_user_active(s, a, t.id, active=False, now=NOW),
    "reset_password": lambda s, a, t: user_service.reset_password(s, a, t.id, new_password="brand-new-pass", now=NOW),
    "import_users": lambda s, a, t: user_import_service.import_users(
        s, a, content=(HEADER + "x1,X,leadership,,,,\n").encode(), now=NOW
    ),
    "create_department": lambda s, a, t: department_service.create_department(s, a, name="Oncology", now=NOW),
    "list_audit_events": lambda s, a, t: audit_service.list_audit_events(s, a),
    "update_setting": lambda s, a, t: settings_service.update_setting(
        s, a, key="attendance_threshold", value=80, now=NOW
    ),
}


@pytest.mark.parametrize("role", ["supervisor", "leadership", "trainee"])
@pytest.mark.parametrize("action", list(ADMIN_ONLY))
def test_admin_only_services_refuse_other_roles_and_write_nothing(session: Session, role: str, action: str) -> None:
    caller = actor(session, make_user(session, role))
    target = make_user(session, "leadership")
    before = session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(PermissionDeniedError):
        ADMIN_ONLY[action](session, caller, target)
    assert session.scalar(select(func.count(AuditEvent.id))) == before
    assert target.is_active and target.role == "leadership"


def _user_named(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


# What each admin-only call does for an admin: (audit action it writes or None, check of its outcome).
AdminOutcome = Callable[[Session, UserSummary, User, Any], bool]
ADMIN_OUTCOMES: dict[str, tuple[str | None, AdminOutcome]] = {
    "list_users": (None, lambda s, a, t, r: {a.username, t.username} <= {u.username for u in r}),
    "create_user": ("user_created", lambda s, a, t, r: getattr(_user_named(s, "newbie"), "role", None) == "leadership"),
    "update_user": ("user_updated", lambda s, a, t, r: r.role == "admin" and t.role == "admin"),
    "set_user_active": ("user_deactivated", lambda s, a, t, r: not r.is_active and not t.is_active),
    "reset_password": (
        "password_reset",
        lambda s, a, t, r: check_sign_in(s, username=t.username, password="brand-new-pass", now=NOW),
    ),
    "import_users": ("users_imported", lambda s, a, t, r: r.created == 1 and _user_named(s, "x1") is not None),
    "create_department": (
        "department_created",
        lambda s, a, t, r: r[1] == "Oncology" and s.get(Department, r[0]) is not None,
    ),
    "list_audit_events": (None, lambda s, a, t, r: len(r) == s.scalar(select(func.count(AuditEvent.id)))),
    "update_setting": (
        "setting_updated",
        lambda s, a, t, r: settings_service.get_setting(s, "attendance_threshold") == 80,
    ),
}


def test_every_admin_only_call_has_its_outcome_checked() -> None:
    assert set(ADMIN_OUTCOMES) == set(ADMIN_ONLY)


@pytest.mark.parametrize("action", list(ADMIN_ONLY))
def test_admin_only_services_work_for_an_admin(session: Session, action: str) -> None:
    admin = actor(session, make_user(session, "admin"))
    target = make_user(session, "leadership")
    audit_action, outcome = ADMIN_OUTCOMES[action]
    result = ADMIN_ONLY[action](session, admin, target)
    session.refresh(target)
    assert outcome(session, admin, target, result), result
    audited = session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == admin.id)).all()
    assert audited == ([audit_action] if audit_action else [])


def test_a_deactivated_admin_is_refused_even_with_an_old_session(session: Session) -> None:
    admin_user = make_user(session, "admin")
    stale = actor(session, admin_user)
    admin_user.is_active = False
    session.flush()
    with pytest.raises(PermissionDeniedError):
        user_service.list_users(session, stale)


def test_create_user_validates_and_audits(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    dept = make_department(session)
    sup = make_user(session, "supervisor", department=dept)
    created = user_service.create_user(
        session,
        admin,
        username="Dr.New",
        full_name="Dr New",
        role="trainee",
        now=NOW,
        department=dept.name,
        supervisor=sup.username,
        registration_number="PG-1",
        password="a-good-password",
    )
    assert created.username == "dr.new" and created.supervisor_id == sup.id and created.department_id == dept.id
    assert check_sign_in(session, username="dr.new", password="a-good-password", now=NOW)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_created")).one()
    assert event.actor_id == admin.id and event.entity_id == str(created.id)
    with pytest.raises(InvalidInputError, match="already exists"):
        user_service.create_user(session, admin, username="dr.new", full_name="X", role="leadership", now=NOW)
    with pytest.raises(InvalidInputError, match="registration_number"):
        user_service.create_user(session, admin, username="t2", full_name="X", role="trainee", now=NOW)


def test_update_user_records_old_and_new_values(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    sup_a, sup_b = make_user(session, "supervisor"), make_user(session, "supervisor")
    trainee = make_user(session, "trainee", supervisor=sup_a)
    user_service.update_user(session, admin, trainee.id, supervisor_id=sup_b.id, now=NOW)
    assert trainee.supervisor_id == sup_b.id
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_updated")).one()
    assert event.details == {"supervisor_id": {"old": sup_a.id, "new": sup_b.id}}


def test_admin_cannot_deactivate_themselves(session: Session) -> None:
    admin_user = make_user(session, "admin")
    with pytest.raises(ConflictError):
        user_service.set_user_active(session, actor(session, admin_user), admin_user.id, active=False, now=NOW)


def test_reset_password_clears_lockout(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    user = make_user(session, "trainee")
    user.failed_login_count, user.locked_until = 3, NOW
    user_service.reset_password(session, admin, user.id, new_password="fresh-password", now=NOW)
    assert user.failed_login_count == 0 and user.locked_until is None


def test_import_users_creates_departments_and_trainees_without_sign_in(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    csv = (
        HEADER
        + "sup.imp,Dr Imp,supervisor,Imported Dept,,,imp@x.org\ntr.imp,Tr Imp,trainee,Imported Dept,sup.imp,PG-IMP-1,\n"
    )
    report = user_import_service.import_users(session, admin, content=csv.encode(), now=NOW)
    assert (report.created, report.departments_created) == (2, 1)
    trainee = session.scalars(select(User).where(User.username == "tr.imp")).one()
    assert trainee.password_hash is None
    assert trainee.supervisor.username == "sup.imp"
    assert session.scalars(select(Department).where(Department.name == "Imported Dept")).one()


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("x.bad,X,wizard,D,,,", "row 3: unknown role 'wizard'"),
        ("x.bad,X,trainee,D,nobody,PG-9,", "row 3: unknown supervisor 'nobody'"),
        ("ok.one,X,leadership,D,,,", "row 3: duplicate username 'ok.one' (also row 2)"),
    ],
)
def test_import_users_with_one_bad_row_writes_nothing_and_names_the_row(
    session: Session, bad_row: str, message: str
) -> None:
    admin = actor(session, make_user(session, "admin"))
    users_before = session.scalar(select(func.count(User.id)))
    csv = HEADER + "ok.one,Ok One,leadership,D,,,\n" + bad_row + "\n"
    with pytest.raises(InvalidInputError) as caught:
        user_import_service.import_users(session, admin, content=csv.encode(), now=NOW)
    assert any(line.startswith(message) for line in caught.value.errors), caught.value.errors
    assert session.scalar(select(func.count(User.id))) == users_before
    assert session.scalars(select(Department).where(Department.name == "D")).first() is None


def test_import_users_refuses_a_username_that_already_exists(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    existing = make_user(session, "leadership")
    csv = HEADER + f"{existing.username},Again,leadership,,,,\n"
    with pytest.raises(InvalidInputError) as caught:
        user_import_service.import_users(session, admin, content=csv.encode(), now=NOW)
    assert caught.value.errors == [f"row 2: username '{existing.username}' already exists"]


def test_import_users_refuses_non_utf8_and_missing_columns(session: Session) -> None:
    admin = actor(session, make_user(session, "admin"))
    with pytest.raises(InvalidInputError, match="UTF-8"):
        user_import_service.import_users(
            session, admin, content=(HEADER + "é,X,admin,,,,\n").encode("latin-1"), now=NOW
        )
    with pytest.raises(InvalidInputError, match="Missing columns: role"):
        user_import_service.import_users(session, admin, content=b"username,full_name\na,b\n", now=NOW)
