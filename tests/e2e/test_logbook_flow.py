"""In a real browser: a trainee submits an entry, the supervisor opens it from the inbox and approves
it with feedback, the trainee sees the feedback (in the logbook and in the inbox)."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.e2e.conftest import screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


def _open_entry(page, title: str) -> None:  # type: ignore[no-untyped-def]
    picker = page.get_by_label("Open an entry")
    picker.click()
    picker.fill(title)
    page.get_by_role("option").filter(has_text=title).first.click()


def test_trainee_submits_supervisor_approves_with_feedback_trainee_sees_it(browser, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    title = f"Lumbar puncture {uuid.uuid4().hex[:6]}"
    feedback = "Good aseptic technique; document the opening pressure next time."
    contexts = []

    def new_page():  # type: ignore[no-untyped-def]
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(30_000)
        contexts.append(context)
        return context.new_page()

    try:
        trainee = new_page()
        sign_in(trainee, portal_url, "trainee", path="logbook")
        trainee.get_by_role("tab", name="➕ New entry").click()
        trainee.get_by_label("Case title").fill(title)
        trainee.get_by_label("Description").fill("Diagnostic LP for suspected meningitis; CSF sent for culture.")
        trainee.get_by_label("Reflection / learning points (optional)").fill("Positioning made the difference.")
        screenshot(trainee, "logbook-new-entry")
        trainee.get_by_role("button", name="Submit to supervisor").click()
        trainee.get_by_text("Submitted to your supervisor.").wait_for()
        screenshot(trainee, "logbook-after-submit")

        supervisor = new_page()
        sign_in(supervisor, portal_url, "supervisor", path="approvals")
        supervisor.get_by_role("heading", name="Approvals").first.wait_for()
        supervisor.get_by_text("Waiting > 14 days").wait_for()
        supervisor.locator('[data-testid="stDataFrame"]').first.wait_for()
        supervisor.wait_for_timeout(800)  # the grid is a canvas: let it paint before the screenshot
        screenshot(supervisor, "approvals-queue")
        supervisor.goto(f"{portal_url}/inbox")  # the submission told the supervisor; Open leads to the entry
        settle(supervisor)  # a click during a fresh page's start-up reruns can be swallowed
        card = supervisor.locator('[class*="st-key-inbox-item-"]').filter(has_text=f"Logbook entry to verify: {title}")
        card.get_by_role("button", name="Open").click()
        supervisor.wait_for_url(re.compile(r"/approvals\?entry=\d+"))
        supervisor.get_by_role("textbox", name="Feedback to the trainee").fill(feedback)
        screenshot(supervisor, "approvals-review-entry")
        supervisor.get_by_role("button", name="✅ Approve").click()
        supervisor.get_by_text("approved;").first.wait_for()
        supervisor.get_by_placeholder("Choose a pending entry…").wait_for()  # the decided entry is closed
        screenshot(supervisor, "approvals-after-approve")

        trainee.goto(f"{portal_url}/logbook")
        trainee.get_by_role("heading", name="My logbook").wait_for()
        settle(trainee)
        _open_entry(trainee, title)
        trainee.get_by_text(f"Feedback: {feedback}").wait_for()
        assert trainee.get_by_text("Approved by Dr").count() >= 1
        screenshot(trainee, "logbook-feedback-seen")

        trainee.goto(f"{portal_url}/inbox")
        trainee.get_by_text(f"Logbook entry approved: {title}").wait_for()
        assert trainee.get_by_text(feedback, exact=False).count() >= 1
        screenshot(trainee, "inbox-approved")
    finally:
        for context in contexts:
            context.close()


def test_admin_bulk_approves_one_trainees_queue_and_sees_each_result(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "admin", path="approvals")
    page.get_by_text("Waiting > 14 days").wait_for()
    page.get_by_label("Trainee").click()
    page.get_by_role("option").nth(2).click()
    page.wait_for_url("**trainee=*")
    page.get_by_text("Select all").click()
    approve = page.get_by_role("button", name=re.compile(r"Approve selected \([1-9]"))
    approve.wait_for()
    label = approve.inner_text()
    count = int(label.split("(")[1].rstrip(")"))
    assert count > 0, label
    approve.click()
    page.get_by_text(f"Approved {count} of {count} selected entries.").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.wait_for_timeout(800)
    screenshot(page, "approvals-bulk-result")


def test_leadership_reads_the_queue_without_action_controls(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "leadership", path="approvals")
    page.get_by_text("Leadership view: read-only.", exact=False).wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert page.get_by_role("button", name="Approve selected").count() == 0
    page.wait_for_timeout(800)
    screenshot(page, "approvals-leadership")
