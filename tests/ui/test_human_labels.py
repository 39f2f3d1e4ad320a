"""Human labels (issue 18): every table on every page, for every role, reads as words, names and minutes.

Walks each page a role may open (and each tab, and an entry's panel) on the demo data and fails on a
snake_case header, a raw code (`attendance_import_refused`), `None`/`nan`/`NaT`, a username where a
person's name belongs, or a time shown to the second, in any rendered table.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from core.clock import utcnow
from core.demo.seed import seed_demo
from core.exports import present_frame
from core.models import LogbookEntry, User
from core.rules.values import Role
from core.services.users.accounts import summarize
from portal.navigation import allowed_pages
from tests.ui.conftest import PageRunner, UiDatabase

SNAKE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")
CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
SECONDS = re.compile(r"\d{2}:\d{2}:\d{2}")
MISSING_TEXT = {"None", "none", "nan", "NaN", "NaT", "<NA>", "null"}
# Tabs a page keeps in the URL (only the open one is drawn).
TABS = {
    "pages.dashboard": ("dashboard.tab", ("Overview", "Trends", "Compliance", "Attendance", "Trainees")),
    "pages.system": ("system.tab", None),
    "pages.results": ("results.tab", None),
    "pages.reports": ("reports.tab", ("Generate a report", "Archive")),
}
LOGINS = {Role.ADMIN: "admin", Role.SUPERVISOR: "supervisor", Role.LEADERSHIP: "leadership", Role.TRAINEE: "trainee"}


def _headers(element: object) -> list[str]:
    """The headers a table shows: the column_config label where the page set one, else the column name."""
    frame: pd.DataFrame = element.value  # type: ignore[attr-defined]
    config = json.loads(element.proto.columns or "{}")  # type: ignore[attr-defined]
    shown = []
    for column in frame.columns:
        spec = config.get(str(column)) or config.get(f"col:{column}") or {}
        if spec.get("hidden"):
            continue
        shown.append(str(spec.get("label") or column))
    return shown


def _problems(frame: pd.DataFrame, headers: list[str], usernames: set[str]) -> list[str]:
    found = [f"header {h!r}" for h in headers if SNAKE.search(h)]
    for column, header in zip(frame.columns, headers, strict=False):
        if header.lower() in ("username", "role"):  # the Users page names accounts and roles as such
            continue
        for value in frame[column].tolist():
            if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
                found.append(f"{header}: missing value shown as None/nan")
            elif isinstance(value, str):
                if value.strip() in MISSING_TEXT:
                    found.append(f"{header}: {value!r}")
                elif CODE.match(value):
                    found.append(f"{header}: raw code {value!r}")
                elif SECONDS.search(value) and re.search(r"\d{4}-\d{2}-\d{2}", value):
                    found.append(f"{header}: time to the second {value!r}")
                elif value in usernames:
                    found.append(f"{header}: username {value!r} instead of a name")
            elif isinstance(value, datetime | pd.Timestamp) and (value.second or value.microsecond):
                found.append(f"{header}: time to the second {value}")
    return sorted(set(found))[:10]


def _variants(module: str, at_first: AppTest, entry_id: int | None) -> list[dict[str, str]]:
    if module in TABS:
        key, labels = TABS[module]
        if labels is None:
            labels = tuple(t.label for t in at_first.tabs) or ("",)
        return [{key: label} for label in labels if label]
    if module in ("pages.approvals", "pages.logbook") and entry_id is not None:
        return [{}, {"entry": str(entry_id)}]
    return [{}]


@pytest.mark.parametrize("role", list(LOGINS))
def test_every_table_on_every_page_reads_as_words_names_and_minutes(
    run_page: PageRunner, ui_db: UiDatabase, role: Role
) -> None:
    with ui_db.factory.begin() as session:
        seed_demo(session, password="demo-portal-2026", now=utcnow())
    with ui_db.factory() as session:
        viewer = summarize(session.scalars(select(User).where(User.username == LOGINS[role])).one())
        people = session.execute(select(User.username, User.full_name)).all()
        usernames = {u for u, name in people if u != name}
        own = LogbookEntry.trainee_id == viewer.id if role == Role.TRAINEE else LogbookEntry.status == "pending"
        entry_id = session.scalar(select(LogbookEntry.id).where(own).order_by(LogbookEntry.id.desc()).limit(1))
    failures: dict[str, list[str]] = {}
    tables = 0
    for spec in allowed_pages(role):
        module = spec.module.__name__
        first = run_page(module, viewer, timeout=60)
        for query in _variants(module, first, entry_id):
            at = first if not query else run_page(module, viewer, query=query, timeout=60)
            assert not at.exception, f"{module} {query}: {at.exception}"
            for element in [*at.dataframe, *at.table]:
                tables += 1
                problems = _problems(element.value, _headers(element), usernames)
                if problems:
                    failures[f"{spec.url_path} {query}"] = problems
    assert tables >= 3, "the walk saw too few tables to prove anything"
    assert not failures, json.dumps(failures, indent=1)


def test_present_frame_turns_codes_missing_values_and_instants_into_what_people_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.config import get_settings

    monkeypatch.setenv("TIMEZONE", "Asia/Kolkata")  # UTC+05:30
    get_settings.cache_clear()
    try:
        frame = pd.DataFrame(
            {
                "registration_number": ["PG-1", None],
                "old_score": [61.5, None],
                "at": [datetime(2026, 11, 30, 20, 45, 59), None],
                "action": ["attendance_import_refused", "Case title as typed"],
                "sessions": [3, 4],
            }
        )
        shown = present_frame(frame)
        workbook = present_frame(frame, for_workbook=True)
    finally:
        get_settings.cache_clear()
    # snake_case headers in words; headers already written for people are kept as they are
    assert list(shown.columns) == ["Registration number", "Old score", "at", "action", "sessions"]
    assert shown["Registration number"].tolist() == ["PG-1", ""]
    assert shown["Old score"].tolist() == ["61.50", ""]
    assert shown["at"].tolist() == ["2026-12-01 02:15", ""]  # to the minute, in the programme's timezone
    assert shown["action"].tolist() == ["Attendance import refused", "Case title as typed"]
    assert shown["sessions"].tolist() == [3, 4]
    assert workbook["at"].tolist()[0] == datetime(2026, 12, 1, 2, 15)  # a real datetime for the workbook
    assert workbook["Old score"].tolist()[0] == 61.5
