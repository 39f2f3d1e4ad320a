"""Leave end to end in Chromium: the demo trainee records medical leave, an admin approves it, and the
trainee's Eligibility page then leaves the unattended sessions in those dates out of the denominator."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ATTEMPT_MS, ATTEMPTS, programme_today, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e

FIGURES = re.compile(r"Your attendance: (\d+) of (\d+) sessions \(([\d.]+)%\) · (\d+) session\(s\) on approved leave")


def _figures(page: Page) -> tuple[int, int, int]:
    line = page.locator("p").filter(has_text="Your attendance:").first
    expect(line).to_be_visible()
    found = FIGURES.search(line.inner_text().replace("\n", " "))
    assert found, line.inner_text()
    return int(found[1]), int(found[2]), int(found[4])


def _type_date(page: Page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.click(position={"x": 14, "y": 12})  # the year segment: the digits then fill year, month and day
    box.press_sequentially(text, delay=40)
    page.keyboard.press("Escape")
    settle(page)


def test_trainee_requests_leave_admin_approves_and_eligibility_changes(
    page: Page, portal_url: str, browser: Browser
) -> None:
    today = programme_today()
    start, end = today - timedelta(days=42), today - timedelta(days=1)  # demo sessions on every weekday
    period = f"{start.isoformat()}..{end.isoformat()}"
    reason = f"E2E influenza {uuid.uuid4().hex[:6]}"

    sign_in(page, portal_url, "trainee", path=f"eligibility?period={period}")
    attended, sessions, on_leave = _figures(page)
    assert on_leave == 0 and attended < sessions  # the demo trainee missed some sessions

    page.goto(f"{portal_url}/leave")
    expect(page.get_by_role("heading", name="Leave")).to_be_visible()
    settle(page)
    _type_date(page, "From", start.strftime("%Y%m%d"))
    _type_date(page, "To (inclusive)", end.strftime("%Y%m%d"))
    page.get_by_label("Reason", exact=True).fill(reason)
    settle(page)
    for label, day in (("From", start), ("To (inclusive)", end)):
        shown = rf"{day.year}\s*/\s*{day.month:02d}\s*/\s*{day.day:02d}"
        expect(page.get_by_label(label, exact=True)).to_have_text(re.compile(shown))
    page.get_by_role("button", name="Submit leave").click()
    expect(page.get_by_text(re.compile(r"Leave #\d+ recorded: medical")).first).to_be_visible()
    screenshot(page, "leave-trainee-requested")

    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    admin = second.new_page()
    try:
        sign_in(admin, portal_url, "admin", path="leave?leave.tab=Requests")
        approve = admin.get_by_role("button", name="Approve")
        card = admin.locator("div").filter(has_text=reason).filter(has=approve).last  # the innermost: its card
        expect(card).to_be_visible()
        screenshot(admin, "leave-admin-to-decide")
        approved = admin.get_by_text(re.compile(r"Leave #\d+ approved")).first
        for _ in range(ATTEMPTS):  # a click that lands while a rerun redraws the page is lost: the card stays
            settle(admin)
            if approved.is_visible():
                break
            card.get_by_role("button", name="Approve").click()
            try:
                expect(approved.or_(card.filter(has_text="already"))).to_be_visible(timeout=ATTEMPT_MS)
                break
            except AssertionError:
                continue
        expect(approved).to_be_visible()
    finally:
        second.close()

    page.goto(f"{portal_url}/eligibility?period={period}")
    settle(page)
    attended_after, sessions_after, on_leave_after = _figures(page)
    assert on_leave_after == sessions - attended  # every unattended session of those dates was on the leave
    assert (attended_after, sessions_after) == (attended, sessions - on_leave_after)
    screenshot(page, "leave-trainee-eligibility-after")
