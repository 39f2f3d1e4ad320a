"""On a phone (390 x 844): Approvals is a list of cards a supervisor approves and returns from without
scrolling sideways, the dashboard's cards go two per row, and the decision panel opens in place."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import painted, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
CARDS = '[class*="st-key-approvals_card_"]'


def _on_phone(page: Page) -> None:
    # Signed in at desktop width (on a phone the sidebar with Sign out starts collapsed), then the window
    # narrows: the layout follows the viewport (CSS), as on a phone.
    page.set_viewport_size(PHONE)
    settle(page)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a {PHONE['width']} px phone"


def _in_sight(page: Page, verb: str) -> None:
    # The confirmation is in the list where the decided card was, and a toast shows it in the viewport
    # wherever the page is scrolled.
    toast = page.locator('[data-testid="stToast"]').filter(has_text=re.compile(rf"Entry #\d+ {verb};"))
    expect(toast).to_be_in_viewport()


def test_supervisor_approves_one_entry_and_returns_one_on_a_phone(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "supervisor", path="approvals")
    _on_phone(page)
    cards = page.locator(CARDS)
    expect(cards.first).to_be_visible()
    expect(page.locator('[data-testid="stDataFrame"]').first).to_be_hidden()  # the table is for wide screens
    _no_sideways_scroll(page)
    first = cards.first
    expect(first.get_by_text(re.compile(r"waiting \d+ d"))).to_be_visible()
    screenshot(page, "phone-approvals-cards")

    first.get_by_role("button", name="✅ Approve").click()
    approved = (
        page.get_by_test_id("stMainBlockContainer")
        .get_by_text(re.compile(r"Entry #\d+ approved; .* has been notified\."))
        .filter(visible=True)
    )
    expect(approved).to_be_visible()
    _in_sight(page, "approved")
    settle(page)
    screenshot(page, "phone-approvals-after-approve")

    # The next entry opened in place of its card (review next): return it with a comment.
    feedback = page.get_by_role("textbox", name="Feedback to the trainee")
    expect(feedback).to_be_visible()
    _no_sideways_scroll(page)
    screenshot(page, "phone-approvals-decision-panel")
    feedback.fill("Please add the indication and the plan.")
    page.get_by_role("button", name="↩️ Return for changes").click()
    returned = (
        page.get_by_test_id("stMainBlockContainer")
        .get_by_text(re.compile(r"Entry #\d+ returned; .* has been notified\."))
        .filter(visible=True)
    )
    expect(returned).to_be_visible()
    _in_sight(page, "returned")
    _no_sideways_scroll(page)


def test_dashboard_cards_go_two_per_row_on_a_phone(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "leadership", path="dashboard")
    _on_phone(page)
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics.nth(3)).to_be_visible()
    painted(page)
    boxes = [metrics.nth(i).bounding_box() for i in range(4)]
    assert all(b is not None for b in boxes)
    a, b, c, d = boxes  # type: ignore[misc]
    assert abs(a["y"] - b["y"]) < 2 and abs(c["y"] - d["y"]) < 2, boxes  # two per row
    assert c["y"] > a["y"] + a["height"] - 1, boxes  # the next pair below
    assert a["width"] < PHONE["width"] / 2, boxes
    _no_sideways_scroll(page)
    screenshot(page, "phone-dashboard")
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box  # fits the width
