"""Results end to end in Chromium: admin publishes, a change request raised by `admin` is
approved by `admin2`, the result is frozen, a transcript is generated and its verify link opens
as valid without signing in."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ARTIFACTS, artifact_name, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e

DEMO_TRAINEE_REG = "PG2025-0001"  # the demo `trainee` login
REASON = "E2E: question 3 was added up wrongly"


def _choose(page, label: str, *texts: str) -> str:  # type: ignore[no-untyped-def]
    """Pick the first option of a selectbox whose label contains all `texts`; returns the option label."""
    box = page.get_by_label(label, exact=True)
    for attempt in range(3):
        box.click()
        try:
            page.get_by_role("option").first.wait_for(timeout=5_000)
            break
        except Exception:
            if attempt == 2:
                screenshot(page, "results-e2e-choose-failed")
                raise
            page.keyboard.press("Escape")
    box.press_sequentially(texts[-1], delay=20)  # the list is virtualised: filter it first
    option = page.get_by_role("option")
    for text in texts:
        option = option.filter(has_text=text)
    option = option.first
    try:
        chosen = option.inner_text(timeout=10_000)
    except Exception:
        screenshot(page, "results-e2e-choose-failed")
        raise
    option.click()
    _idle(page)
    return chosen


def _flash(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(text).first.wait_for()
    _idle(page)


def _idle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run has finished (the "Running…" indicator is gone)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="hidden")


def test_publish_change_request_by_two_admins_freeze_transcript_and_verify(
    page, portal_url: str, browser, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "admin", path="results")
    page.get_by_role("heading", name="Results").wait_for()
    _choose(page, "Assessment", "Year 2 written: viva")
    page.get_by_text("25 draft").first.wait_for()
    screenshot(page, "results-grid-admin-drafts")
    page.get_by_role("button", name="Publish all drafts").click()
    _flash(page, "Published 25 result(s).")

    page.get_by_role("tab", name="Change requests").click()
    settle(page)  # the tab is kept in the URL: a click on the expander during that rerun can be undone by it
    page.get_by_text("Raise a change request on a published result of Year 2 written: viva").click()
    page.get_by_label("Published result", exact=True).wait_for()
    settle(page)
    chosen = _choose(page, "Published result", "Year 2 written: viva", DEMO_TRAINEE_REG)
    current = float(chosen.rsplit("·", 1)[1])
    new_value = current - 1 if current >= 1 else current + 1
    page.get_by_label("New value").fill(f"{new_value:g}")
    page.get_by_label("Reason (required)").fill(REASON)
    page.get_by_role("button", name="Raise change request").click()
    _flash(page, "another admin must approve it")
    page.get_by_role("tab", name="Change requests").click()
    mine = page.get_by_test_id("stVerticalBlock").filter(has_text=REASON).last
    mine.get_by_text("You raised this request: another admin must decide it.").wait_for()
    assert mine.get_by_role("button", name="Approve").count() == 0

    second = browser.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    other = second.new_page()
    try:
        sign_in(other, portal_url, "admin2", path="results?results.tab=Change+requests")
        _idle(other)
        request = (
            other.get_by_test_id("stVerticalBlock")
            .filter(has_text=REASON)
            .filter(has=other.get_by_role("button", name="Approve"))
            .last
        )
        try:
            request.get_by_role("button", name="Approve").click()
        except Exception:
            screenshot(other, "results-e2e-approve-failed")
            raise
        _flash(other, "Change request approved.")
        screenshot(other, "results-change-request-approved")

        other.get_by_role("tab", name="Review grid").click()
        _choose(other, "Assessment", "Year 2 written: viva")
        other.get_by_text("25 published").first.wait_for()
        other.get_by_role("button", name="Freeze all published").click()
        _flash(other, "Froze 25 result(s).")
        other.get_by_text("25 frozen").first.wait_for()
        screenshot(other, "results-grid-frozen")
    finally:
        second.close()

    trainee_context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    trainee = trainee_context.new_page()
    try:
        sign_in(trainee, portal_url, "trainee", path="results")
        trainee.get_by_test_id("stDataFrame").wait_for()
        trainee.locator("td").filter(has_text="Year 2 written: viva").first.wait_for(state="attached")
        screenshot(trainee, "results-trainee-view")
        trainee.goto(f"{portal_url}/requests")
        trainee.get_by_role("button", name="Generate transcript (PDF)").wait_for()
        settle(trainee)
        trainee.get_by_role("button", name="Generate transcript (PDF)").click()
        trainee.get_by_text("Transcript ready").wait_for(timeout=60_000)
        with trainee.expect_download() as download:
            trainee.get_by_role("button", name="Download transcript").click()
        pdf = tmp_path / "transcript.pdf"
        download.value.save_as(pdf)
        link = trainee.locator("a[href*='/verify?token=']").first.get_attribute("href")
        screenshot(trainee, "results-transcript-generated")
    finally:
        trainee_context.close()
    assert pdf.read_bytes()[:4] == b"%PDF"
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-f",
                "1",
                "-l",
                "1",
                str(pdf),
                str(ARTIFACTS / artifact_name(portal_url, "results-transcript-pdf")),
            ],
            check=True,
        )

    assert link and "/verify?token=" in link
    token = link.split("token=", 1)[1]
    public = browser.new_context(viewport={"width": 1200, "height": 700})
    anonymous = public.new_page()
    try:
        anonymous.goto(f"{portal_url}/verify?token={token}")
        anonymous.get_by_text(re.compile(r"^valid: issued to .+ on \d{4}-\d{2}-\d{2}$")).wait_for()
        assert anonymous.get_by_role("button", name="Sign in").count() == 0
        screenshot(anonymous, "verify-valid")
        anonymous.goto(f"{portal_url}/verify?token={token[:-3]}abc")
        anonymous.get_by_text("invalid or expired").wait_for()
        screenshot(anonymous, "verify-invalid")
    finally:
        public.close()
