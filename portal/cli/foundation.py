"""migrate, seed-demo, create-user, import-users, check."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from core.clock import utcnow
from core.config import Settings
from core.demo.seed import seed_demo
from core.dto import SYSTEM_ACTOR
from core.migrate import upgrade_to_head
from core.rules.access import ALL_ROLES
from core.services.operations.system import check_database
from core.services.users import accounts as user_service
from core.services.users import imports as user_import_service
from portal.cli.common import engine_for, session_factory_for

# Extra readiness checks registered by other capabilities (e.g. the scheduler heartbeat).
# Each returns (ok, message).
READINESS_CHECKS: list[Callable[[Engine, Settings], tuple[bool, str]]] = []


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("migrate", help="apply database migrations up to head")
    p.set_defaults(handler=cmd_migrate)

    p = subparsers.add_parser("seed-demo", help="load the demo data set (does nothing if users exist)")
    p.set_defaults(handler=cmd_seed_demo)

    p = subparsers.add_parser("create-user", help="create one user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=ALL_ROLES)
    p.add_argument("--name", help="full name (defaults to the username)")
    p.add_argument("--department", help="department name (must exist)")
    p.add_argument("--supervisor", help="supervisor's username (trainees)")
    p.add_argument("--registration-number", help="registration number (trainees)")
    p.add_argument("--email")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(handler=cmd_create_user)

    p = subparsers.add_parser(
        "import-users",
        help="create users from a CSV (all or nothing)",
        description="Columns: username,full_name,role,department,supervisor,registration_number,email. "
        "Departments named in the file are created. Users get no password (no sign-in) until one is set.",
    )
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_import_users)

    p = subparsers.add_parser("check", help="readiness: database reachable, schema at head (exit 0 when ready)")
    p.set_defaults(handler=cmd_check)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_to_head(engine_for(settings))
    print("database migrated to head")
    return 0


def cmd_seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_for(settings)
    upgrade_to_head(engine)
    with session_factory_for(settings).begin() as session:
        report = seed_demo(session, password=settings.demo_password, now=utcnow())
    if report.created:
        print(
            f"demo data loaded: users={report.users} logbook_entries={report.logbook_entries} "
            f"attendance_records={report.attendance_records}"
        )
    else:
        print("demo data already present (or the database has users): nothing done")
    return 0


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    password = None
    if args.password_stdin:
        password = (sys.stdin.readline() if not sys.stdin.isatty() else getpass.getpass("Password: ")).rstrip("\n")
    with session_factory_for(settings).begin() as session:
        user = user_service.create_user(
            session,
            SYSTEM_ACTOR,
            username=args.username,
            full_name=args.name or args.username,
            role=args.role,
            now=utcnow(),
            department=args.department,
            supervisor=args.supervisor,
            registration_number=args.registration_number,
            email=args.email,
            password=password,
        )
    print(f"created {user.username} (role={user.role}, sign-in={'yes' if password else 'no'})")
    return 0


def cmd_import_users(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        print(f"error: no such file: {args.file}", file=sys.stderr)
        return 1
    with session_factory_for(settings).begin() as session:
        report = user_import_service.import_users(session, SYSTEM_ACTOR, content=args.file.read_bytes(), now=utcnow())
    print(f"created={report.created} departments_created={report.departments_created}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    engine = engine_for(settings)
    status = check_database(engine)
    ok = status.database_ok and status.at_head
    print(("ok: " if ok else "not ready: ") + status.message)
    for check in READINESS_CHECKS:
        check_ok, message = check(engine, settings)
        print(("ok: " if check_ok else "not ready: ") + message)
        ok = ok and check_ok
    return 0 if ok else 1
