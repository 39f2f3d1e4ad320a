"""In a real browser: upload a file with errors, see them, fix it, import it, undo it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e
TRAINEE = "PG2025-0001"  # the demo login `trainee`


def _last_weekend() -> tuple[date, date]:
    # Demo attendance covers weekdays only, so weekend sessions are new rows.
    today = date.today()
    saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
    return saturday, saturday + timedelta(days=1)  # Sunday is at latest today


def _upload(page, name: str, text: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("input[type=file]").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )


def test_upload_with_errors_then_fix_import_and_undo(portal_url: str, page) -> None:  # type: ignore[no-untyped-def]
    saturday, sunday = _last_weekend()
    sign_in(page, portal_url, "admin", path="attendance")
    page.get_by_text("Attendance file: CSV or Excel").wait_for()

    bad = (
        f"trainee_id,session_date,session,status\n{TRAINEE},{saturday},Grand round,P\n"
        f"NOBODY-1,{saturday},Grand round,P\n{TRAINEE},{saturday},grand round,late\n"
    )
    _upload(page, "weekend.csv", bad)
    page.get_by_text("2 problem(s) in 3 rows").wait_for()
    table = page.locator("[data-testid='stTable']")
    table.get_by_text("unknown trainee_id 'NOBODY-1'").wait_for()
    table.get_by_text("duplicate of row 2").wait_for()
    assert [c.strip() for c in table.locator("tbody tr td:first-child, tbody tr th:first-child").all_inner_texts()] == [
        "3",
        "4",
    ]
    assert page.get_by_role("button", name="Import", exact=True).count() == 0
    screenshot(page, "attendance-1-errors")

    good = (
        f"trainee_id,session_date,session,status\n{TRAINEE},{saturday},Grand round,P\n"
        f"{TRAINEE},{sunday},Grand round,late\n"
    )
    _upload(page, "weekend-fixed.csv", good)
    page.get_by_text("All 2 rows are valid.").wait_for()
    screenshot(page, "attendance-2-preview")
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported batch #").wait_for()
    message = page.get_by_text("Imported batch #").inner_text()
    assert "inserted 2, updated 0, unchanged 0" in message
    batch = message.split("#", 1)[1].split(" ", 1)[0]
    screenshot(page, "attendance-3-imported")

    page.get_by_role("tab", name="Import history").click()
    page.get_by_text("Undo a batch").wait_for()
    page.get_by_role("combobox", name="Batch").click()
    page.get_by_role("option", name=f"batch #{batch} (weekend-fixed.csv").click()
    page.get_by_role("button", name=f"Undo batch #{batch}").click()
    page.get_by_text(f"Undid batch #{batch}: removed 2 rows, restored 0.").wait_for()
    expect(page.get_by_role("button", name=f"Undo batch #{batch}")).to_have_count(0)
    screenshot(page, "attendance-4-undone")

    # The demo's first grand-round batch was corrected by a later batch: its undo is refused, naming it.
    page.get_by_role("combobox", name="Batch").click()
    page.get_by_role("option", name="grand-round-2026").click()
    page.get_by_role("button", name="Undo batch #1").click()
    page.get_by_text("a later import changed the same rows: batch #2 (grand-round-corrections.csv").wait_for()
    screenshot(page, "attendance-5-undo-refused")


def test_supervisor_sees_their_trainees_and_a_calendar(portal_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 2000})  # the whole page in one screenshot
    sign_in(page, portal_url, "supervisor", path="eligibility")
    page.get_by_text("At risk (below threshold)").wait_for()
    page.get_by_text("Sessions calendar").wait_for()
    page.get_by_role("combobox", name="Trainee").click()
    page.get_by_role("option").first.click()
    page.locator(".js-plotly-plot").first.wait_for()
    screenshot(page, "eligibility-supervisor")


def test_trainee_sees_their_own_eligibility_and_calendar(portal_url: str, page) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 1400, "height": 1600})
    sign_in(page, portal_url, "trainee", path="eligibility?period=" + date.today().strftime("%Y-%m"))
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.get_by_role("combobox", name="Department").count() == 0, "a trainee has no filters"
    screenshot(page, "eligibility-trainee")
