"""In a real browser: Run now on the leadership pack, the run in the history, its PDF from the archive."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import click_until, painted, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


def test_admin_runs_the_pack_now_sees_the_run_and_downloads_the_pdf(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "admin", path="system")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    screenshot(page, "system-before-run")
    row = page.locator('[data-testid="stHorizontalBlock"]').filter(has_text="weekly_leadership_pack")
    row.get_by_role("button", name="Run now").click()
    expect(page.get_by_text("weekly_leadership_pack: success")).to_be_visible(timeout=120_000)
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    expect(row).to_contain_text("✅ success")
    screenshot(page, "system-after-run")

    history = page.locator('[data-testid="stDataFrame"]').first
    click_until(page, page.get_by_role("tab", name="Job history"), history)
    painted(page)
    screenshot(page, "system-job-history")
    with page.expect_download() as history_csv:  # the grid is a canvas: read the run from its CSV download
        page.locator('[class*="history_download"]').get_by_role("button", name="CSV").click()
    runs = list(csv.DictReader(io.StringIO(Path(history_csv.value.path()).read_text(encoding="utf-8-sig"))))
    assert any(
        r["job"] == "Weekly leadership pack"  # the download reads as the page: words, people by name
        and r["status"] == "success"
        and r["trigger"] == "manual"
        and "Amara Okoye" in r["by"]
        for r in runs
    ), runs[:3]

    page.goto(f"{portal_url}/reports?reports.tab=Archive")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    download_button = page.get_by_role("button", name="Download leadership-pack-").first
    expect(download_button).to_be_visible()
    screenshot(page, "reports-archive")
    settle(page)
    with page.expect_download() as info:
        download_button.click()
    download = info.value
    assert download.suggested_filename.startswith("leadership-pack-") and download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_supervisor_generates_a_pack_with_progress(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "supervisor", path="reports")
    # A click a rerun swallowed starts nothing (no progress box): click again; once the box shows, wait
    started = page.get_by_text("Generating the leadership pack").or_(page.get_by_text("ready: leadership-pack-"))
    click_until(page, page.get_by_role("button", name="Generate"), started.first)
    expect(page.get_by_text("ready: leadership-pack-")).to_be_visible(timeout=120_000)  # lasts past a rerun
    expect(page.get_by_text("It is also in the archive")).to_be_visible()
    screenshot(page, "reports-generated-supervisor")
