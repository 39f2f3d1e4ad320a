"""In a real browser: a trainee submits an entry, the supervisor opens it from the inbox and approves
it with feedback, the trainee sees the feedback (in the logbook and in the inbox)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import UI_TIMEOUT_MS, click_until, painted, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def second_page(browser: Browser) -> Iterator[Page]:
    """Another signed-out browser (its own cookies), for a second user at the same time."""
    context: BrowserContext = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(UI_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def _open_entry(page: Page, title: str) -> None:
    settle(page)
    picker = page.get_by_label("Open an entry")
    picker.click()
    picker.fill(title)
    page.get_by_role("option").filter(has_text=title).first.click()


def test_trainee_submits_supervisor_approves_with_feedback_trainee_sees_it(
    page: Page, second_page: Page, portal_url: str
) -> None:
    title = f"Lumbar puncture {uuid.uuid4().hex[:6]}"
    feedback = "Good aseptic technique; document the opening pressure next time."
    trainee, supervisor = page, second_page
    trainee.set_viewport_size({"width": 1400, "height": 1000})

    sign_in(trainee, portal_url, "trainee", path="logbook")
    case_title = trainee.get_by_label("Case title")
    click_until(trainee, trainee.get_by_role("tab", name="➕ New entry"), case_title)
    case_title.fill(title)
    trainee.get_by_label("Description").fill("Diagnostic LP for suspected meningitis; CSF sent for culture.")
    trainee.get_by_label("Reflection / learning points (optional)").fill("Positioning made the difference.")
    screenshot(trainee, "logbook-new-entry")
    trainee.get_by_role("button", name="Submit to supervisor").click()
    expect(trainee.get_by_text("Submitted to your supervisor.")).to_be_visible()
    screenshot(trainee, "logbook-after-submit")

    sign_in(supervisor, portal_url, "supervisor", path="approvals")
    expect(supervisor.get_by_role("heading", name="Approvals").first).to_be_visible()
    expect(supervisor.get_by_text("Waiting > 14 days")).to_be_visible()
    expect(supervisor.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    painted(supervisor)  # the grid is a canvas
    screenshot(supervisor, "approvals-queue")
    supervisor.goto(f"{portal_url}/inbox")  # the submission told the supervisor; Open leads to the entry
    card = supervisor.locator('[class*="st-key-inbox-item-"]').filter(has_text=f"Logbook entry to verify: {title}")
    feedback_box = supervisor.get_by_role("textbox", name="Feedback to the trainee")
    click_until(supervisor, card.get_by_role("button", name="Open"), feedback_box)  # Open again is harmless
    expect(supervisor).to_have_url(re.compile(r"/approvals\?entry=\d+"))
    expect(supervisor.get_by_text(title).first).to_be_visible()
    settle(supervisor)
    feedback_box.fill(feedback)
    screenshot(supervisor, "approvals-review-entry")
    supervisor.get_by_role("button", name="✅ Approve", exact=True).click()
    confirmation = (
        supervisor.get_by_test_id("stMainBlockContainer")
        .get_by_text(re.compile(r"Entry #\d+ approved; .* has been notified\."))
        .filter(visible=True)
    )
    expect(confirmation).to_be_visible()
    # Also as a toast, in sight wherever the page is scrolled (the panel's top may be above the button).
    toast = supervisor.locator('[data-testid="stToast"]').filter(has_text=re.compile(r"Entry #\d+ approved;"))
    expect(toast).to_be_in_viewport()
    expect(supervisor).to_have_url(re.compile(r"/approvals\?entry=\d+"))  # review next: the next entry opened
    screenshot(supervisor, "approvals-after-approve")

    trainee.goto(f"{portal_url}/logbook")
    expect(trainee.get_by_role("heading", name="My logbook")).to_be_visible()
    _open_entry(trainee, title)
    expect(trainee.get_by_text(f"Feedback: {feedback}")).to_be_visible()
    expect(trainee.get_by_text("Approved by Dr").first).to_be_visible()
    screenshot(trainee, "logbook-feedback-seen")

    trainee.goto(f"{portal_url}/inbox")
    expect(trainee.get_by_text(f"Logbook entry approved: {title}")).to_be_visible()
    expect(trainee.get_by_text(feedback).first).to_be_visible()
    screenshot(trainee, "inbox-approved")


def test_admin_bulk_approves_one_trainees_queue_and_sees_each_result(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "admin", path="approvals")
    expect(page.get_by_text("Waiting > 14 days")).to_be_visible()
    page.get_by_label("Trainee").click()
    page.get_by_role("option").nth(2).click()
    expect(page).to_have_url(re.compile(r"[?&]trainee=\d+"))
    settle(page)
    select_all = page.get_by_role("button", name=re.compile(r"Select all \d+ shown"))
    select_all.click()
    approve = page.get_by_role("button", name=re.compile(r"✅ Approve [1-9]"))
    expect(approve).to_be_visible()
    label = approve.inner_text()
    count = int(label.split()[-1])
    assert count > 0, label
    approve.click()
    expect(page.get_by_text(f"Approved {count} of {count} selected entries.")).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    painted(page)
    screenshot(page, "approvals-bulk-result")


def test_leadership_reads_the_queue_without_action_controls(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "leadership", path="approvals")
    expect(page.get_by_text("Leadership view: read-only.", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Approve|Select all"))).to_have_count(0)
    painted(page)
    screenshot(page, "approvals-leadership")
