"""The closed value sets (core.rules.values): StrEnums, the check constraints built from them,
and no second spelling of a value set anywhere in the application code."""

from __future__ import annotations

import ast
import inspect
import re
from enum import StrEnum
from pathlib import Path

import pytest
from sqlalchemy import CheckConstraint

from core.models import Base
from core.models.base import check_in
from core.rules import access, values
from core.rules.values import (
    AlertLevel,
    AttendanceStatus,
    CalendarDayKind,
    ChangeRequestStatus,
    CondonationStatus,
    DocumentKind,
    DocumentStatus,
    EmailEvent,
    EntryStatus,
    LeaveStatus,
    OutboxStatus,
    ResultState,
    Role,
)

ROOT = Path(__file__).resolve().parents[2]
ENUMS = [
    member
    for _, member in inspect.getmembers(values, inspect.isclass)
    if issubclass(member, StrEnum) and member.__module__ == values.__name__
]

# (table, constraint name after the naming convention, column, enum): the migrations' check constraints.
CONSTRAINTS = [
    ("users", "ck_users_role_valid", "role", Role),
    ("logbook_entries", "ck_logbook_entries_status_valid", "status", EntryStatus),
    ("attendance_records", "ck_attendance_records_status_valid", "status", AttendanceStatus),
    ("results", "ck_results_state_valid", "state", ResultState),
    ("change_requests", "ck_change_requests_status_valid", "status", ChangeRequestStatus),
    ("document_requests", "ck_document_requests_kind_valid", "kind", DocumentKind),
    ("document_requests", "ck_document_requests_status_valid", "status", DocumentStatus),
    ("outbox_messages", "ck_outbox_messages_status_valid", "status", OutboxStatus),
    ("email_preferences", "ck_email_preferences_event_valid", "event", EmailEvent),
    ("leave_requests", "ck_leave_requests_status_valid", "status", LeaveStatus),
    ("condonations", "ck_condonations_status_valid", "status", CondonationStatus),
    ("calendar_closures", "ck_calendar_closures_kind_valid", "kind", CalendarDayKind),
    ("attendance_alert_states", "ck_attendance_alert_states_level_valid", "level", AlertLevel),
]

# Spellings of values in modules other owners are still moving to the enums, by (path, values).
# Shrink this list; never add to it: new code uses the enum members.
NOT_YET_MOVED = {
    ("core/demo/seed.py", ("approved", "returned", "rejected", "pending")),
    ("core/demo/seed.py", ("draft", "pending", "approved", "returned")),
    ("core/demo/seed.py", ("draft", "pending", "approved", "returned", "rejected")),
    ("core/demo/seed.py", ("approved", "returned", "rejected")),
    ("core/pdf/documents.py", ("bonafide", "noc", "other")),
    ("core/services/reports/exports.py", ("pending", "approved", "returned", "rejected", "draft")),
    ("core/services/reports/exports.py", ("pending", "approved", "returned", "rejected")),
    ("core/services/reports/exports.py", ("approved", "returned", "rejected")),
    ("portal/charts.py", ("present", "late", "excused", "absent")),
    ("portal/logbook_views.py", ("draft", "pending", "approved", "returned", "rejected")),
    ("portal/logbook_views.py", ("approved", "returned", "rejected")),
    ("pages/logbook.py", ("draft", "pending", "approved", "returned", "rejected")),
    ("pages/logbook.py", ("draft", "returned")),
    ("pages/logbook.py", ("admin", "supervisor")),
    ("pages/system.py", ("success", "failed", "running", "skipped")),
}


def _model_check(table: str, name: str) -> CheckConstraint:
    found = [
        c for c in Base.metadata.tables[table].constraints if isinstance(c, CheckConstraint) and str(c.name) == name
    ]
    assert len(found) == 1, f"{table} has no check constraint {name}"
    return found[0]


def _listed(sqltext: str, column: str) -> list[str]:
    match = re.fullmatch(rf"{column} IN \((.*)\)", sqltext)
    assert match, f"not an IN list on {column}: {sqltext}"
    return re.findall(r"'([^']*)'", match[1])


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_each_value_set_is_a_str_enum_whose_members_are_their_stored_strings(enum: type[StrEnum]) -> None:
    for member in enum:
        assert member == member.value and f"{member}" == member.value and str(member) == member.value
        assert re.fullmatch(r"[a-z][a-z_]*", member.value), member.value
        assert member.name == member.value.upper()
    assert len({m.value for m in enum}) == len(enum)


@pytest.mark.parametrize(("table", "name", "column", "enum"), CONSTRAINTS, ids=lambda v: getattr(v, "__name__", None))
def test_each_check_constraint_lists_exactly_its_enums_values_in_order(
    table: str, name: str, column: str, enum: type[StrEnum]
) -> None:
    constraint = _model_check(table, name)
    assert _listed(str(constraint.sqltext), column) == [m.value for m in enum]
    assert constraint.info == {"column": column, "values": enum}


def test_every_value_list_constraint_of_the_models_is_built_from_an_enum() -> None:
    listed = {
        (table.name, str(c.name))
        for table in Base.metadata.tables.values()
        for c in table.constraints
        if isinstance(c, CheckConstraint) and " IN (" in str(c.sqltext)
    }
    built = {
        (table.name, str(c.name))
        for table in Base.metadata.tables.values()
        for c in table.constraints
        if isinstance(c, CheckConstraint) and "values" in c.info
    }
    assert listed == built == {(table, name) for table, name, _, _ in CONSTRAINTS}


def test_check_in_renders_the_migrations_text_and_refuses_a_value_it_cannot_quote() -> None:
    constraint = check_in("state", ResultState, name="state_valid")
    assert str(constraint.sqltext) == "state IN ('draft', 'published', 'frozen')"

    class Quoted(StrEnum):
        ODD = "o'clock"

    with pytest.raises(ValueError, match="quote"):
        check_in("x", Quoted, name="x_valid")


def test_access_keeps_the_names_pages_import_as_the_role_members() -> None:
    assert tuple(Role) == (access.ADMIN, access.SUPERVISOR, access.LEADERSHIP, access.TRAINEE)
    assert tuple(Role) == access.ALL_ROLES
    assert all(isinstance(role, Role) for role in access.ALL_ROLES)


def _spelled_value_sets(path: Path) -> set[tuple[str, ...]]:
    """Tuples, lists, sets and dict keys made only of two or more strings that are all one enum's values."""
    found: set[tuple[str, ...]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        items: list[ast.expr | None] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = list(node.elts)
        elif isinstance(node, ast.Dict):
            items = list(node.keys)
        if len(items) < 2 or not all(isinstance(i, ast.Constant) and isinstance(i.value, str) for i in items):
            continue
        strings = tuple(i.value for i in items if isinstance(i, ast.Constant))
        if any(set(strings) <= {m.value for m in enum} for enum in ENUMS):
            found.add(strings)
    return found


def test_no_value_set_is_spelled_a_second_time_in_the_application_code() -> None:
    spelled = {
        (path.relative_to(ROOT).as_posix(), strings)
        for package in ("core", "jobs", "portal", "pages")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "core" / "rules" / "values.py"
        for strings in _spelled_value_sets(path)
    }
    assert spelled - NOT_YET_MOVED == set(), "use the StrEnum members of core.rules.values instead"


def test_no_model_spells_a_constraint_value_list_by_hand() -> None:
    for path in sorted((ROOT / "core" / "models").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.match(r"\w+ IN \('", node.value), f"{path.name}: build it with check_in()"


def test_the_scan_finds_a_value_set_spelled_as_literals(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('DONE = ("approved", "rejected")\nCOLUMNS = ["approved", "title"]\n', encoding="utf-8")
    assert _spelled_value_sets(sample) == {("approved", "rejected")}
