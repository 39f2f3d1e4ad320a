"""In a real browser: upload a file with errors, see them, fix it, import it, undo it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from core.calendar import parse_period
from tests.e2e.conftest import (
    ATTEMPT_MS,
    ATTEMPTS,
    click_until,
    painted,
    previous_month,
    programme_today,
    screenshot,
    settle,
    sign_in,
)

pytestmark = pytest.mark.e2e
TRAINEE = "PG2025-0001"  # the demo login `trainee`


def _last_weekend() -> tuple[date, date]:
    # Demo attendance covers weekdays only, so weekend sessions are new rows (by the portal's calendar).
    today = programme_today()
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    return saturday, saturday + timedelta(days=1)  # Sunday is at latest today


def _upload(page: Page, name: str, text: str) -> None:
    upload: FilePayload = {"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}
    page.locator("input[type=file]").set_input_files(files=[upload])


def test_upload_with_errors_then_fix_import_and_undo(portal_url: str, page: Page) -> None:
    saturday, sunday = _last_weekend()
    sign_in(page, portal_url, "admin", path="attendance")
    expect(page.get_by_text("Attendance file: CSV or Excel")).to_be_visible()

    bad = (
        f"trainee_id,session_date,session,status\n{TRAINEE},{saturday},Grand round,P\n"
        f"NOBODY-1,{saturday},Grand round,P\n{TRAINEE},{saturday},grand round,late\n"
    )
    _upload(page, "weekend.csv", bad)
    expect(page.get_by_text("2 problem(s) in 3 rows")).to_be_visible()
    table = page.locator("[data-testid='stTable']")
    expect(table.get_by_text("unknown trainee_id 'NOBODY-1'")).to_be_visible()
    expect(table.get_by_text("duplicate of row 2")).to_be_visible()
    expect(table.locator("tbody tr td:first-child, tbody tr th:first-child")).to_have_text(["3", "4"])
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    screenshot(page, "attendance-1-errors")

    good = (
        f"trainee_id,session_date,session,status\n{TRAINEE},{saturday},Grand round,P\n"
        f"{TRAINEE},{sunday},Grand round,late\n"
    )
    _upload(page, "weekend-fixed.csv", good)
    expect(page.get_by_text("All 2 rows are valid.")).to_be_visible()
    screenshot(page, "attendance-2-preview")
    settle(page)
    page.get_by_role("button", name="Import", exact=True).click()
    imported = page.get_by_text("Imported batch #")
    expect(imported).to_contain_text("inserted 2, updated 0, unchanged 0")
    message = imported.inner_text()
    batch = message.split("#", 1)[1].split(" ", 1)[0]
    screenshot(page, "attendance-3-imported")

    click_until(page, page.get_by_role("tab", name="Import history"), page.get_by_text("Undo a batch"))
    _pick_batch(page, f"batch #{batch} (weekend-fixed.csv", page.get_by_role("button", name=f"Undo batch #{batch}"))
    page.get_by_role("button", name=f"Undo batch #{batch}").click()
    page.get_by_role("button", name=f"Yes, undo batch #{batch}").click()  # it asks first, with the counts
    expect(page.get_by_text(f"Undid batch #{batch}: removed 2 rows, restored 0.")).to_be_visible()
    expect(page.get_by_role("button", name=f"Undo batch #{batch}")).to_have_count(0)
    screenshot(page, "attendance-4-undone")

    # The demo's first grand-round batch was corrected by a later batch: its undo is refused, naming it.
    _pick_batch(
        page, re.compile(r"grand-round-\d{4}-\d{2}-\d{2}\.csv"), page.get_by_role("button", name="Undo batch #1")
    )
    page.get_by_role("button", name="Undo batch #1").click()
    page.get_by_role("button", name="Yes, undo batch #1").click()
    refused = "a later import changed the same rows: batch #2 (grand-round-corrections.csv"
    expect(page.get_by_text(refused)).to_be_visible()
    screenshot(page, "attendance-5-undo-refused")


def _pick_batch(page: Page, option: str | re.Pattern[str], shows: Locator) -> None:
    """Choose a batch until `shows` (its Undo button) is there: a rerun under way can swallow the choice."""
    for _ in range(ATTEMPTS):
        settle(page)
        page.get_by_role("combobox", name="Batch").click()
        page.get_by_role("option", name=option).first.click()
        settle(page)
        try:
            expect(shows).to_be_visible(timeout=ATTEMPT_MS)
            return
        except AssertionError:
            continue
    expect(shows).to_be_visible()


def _period_caption(label: str) -> str:
    """How the Eligibility page states a period's dates (its caption starts with them)."""
    period = parse_period(label)
    return f"{period.start:%d %b %Y} – {period.end:%d %b %Y} · threshold"


def test_supervisor_sees_their_trainees_and_a_calendar(portal_url: str, page: Page) -> None:
    page.set_viewport_size({"width": 1400, "height": 2000})  # the whole page in one screenshot
    month = previous_month(programme_today())  # a complete month: the demo has sessions in it
    sign_in(page, portal_url, "supervisor", path=f"eligibility?period={month}")
    expect(page.get_by_text(_period_caption(month))).to_be_visible()
    expect(page.get_by_text("At risk (below threshold)")).to_be_visible()
    expect(page.get_by_text("Sessions calendar")).to_be_visible()
    page.get_by_role("combobox", name="Trainee").click()
    page.get_by_role("option").first.click()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    painted(page)
    screenshot(page, "eligibility-supervisor")


def test_trainee_sees_their_own_eligibility_and_calendar(portal_url: str, page: Page) -> None:
    page.set_viewport_size({"width": 1400, "height": 1600})
    month = previous_month(programme_today())  # on the 1st of a month, this month has no sessions yet
    sign_in(page, portal_url, "trainee", path=f"eligibility?period={month}")
    expect(page.get_by_text(_period_caption(month))).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible()
    expect(page.get_by_text("No sessions recorded for this trainee in the period.")).to_have_count(0)
    expect(page.get_by_role("combobox", name="Department")).to_have_count(0)  # a trainee has no filters
    painted(page)
    screenshot(page, "eligibility-trainee")
