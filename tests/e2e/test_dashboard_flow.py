"""In a real browser: leadership filters the dashboard, reloads with the filter kept, downloads a table."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import click_until, programme_today, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_leadership_filters_by_department_reloads_and_downloads(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "leadership")
    expect(page.get_by_text("Active trainees").first).to_be_visible()
    page.get_by_test_id("stSelectbox").filter(has_text="Department").click()
    page.get_by_role("option", name="Internal Medicine").click()
    expect(page).to_have_url(re.compile(r"[?&]dept=\d+"))
    department = _query(page)["dept"]
    active = page.get_by_test_id("stMetricValue").first
    expect(active).to_have_text("25")  # the demo has 25 trainees per department
    settle(page)
    screenshot(page, "dashboard-filtered-leadership")

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("Active trainees").first).to_be_visible()
    expect(active).to_have_text("25")
    settle(page)
    assert _query(page)["dept"] == department
    box = page.get_by_test_id("stSelectbox").filter(has_text="Department")
    shown = box.inner_text() + " ".join(i.input_value() for i in box.locator("input").all())
    assert "Internal Medicine" in shown

    click_until(page, page.get_by_role("tab", name="Compliance"), page.get_by_text("By supervisor"))
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="⬇️ CSV").first.click()
    download = info.value
    # What, whose rows and when (the programme's today, which the portal shares with this process).
    assert download.suggested_filename == f"compliance-by-department_all-trainees_{programme_today():%Y-%m-%d}.csv"
    content = open(download.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115
    assert content[0] == "Department,Submitted,Approved,Compliance %,Decided,Reviewed %"
    assert content[1].startswith("Internal Medicine,") and content[-1].startswith("Overall (pooled),")
    assert "tab=Compliance" in page.url or "dashboard.tab=Compliance" in page.url
    screenshot(page, "dashboard-compliance-leadership")
