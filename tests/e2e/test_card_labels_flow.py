"""Dashboard cards show their whole label and comparison (issue 11): nothing is cut off with an ellipsis."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import painted, screenshot, sign_in

# Every box inside a card's label or comparison whose text is wider than the box (clipped), by its text.
CLIPPED_JS = """() => Array.from(document.querySelectorAll(
        '[data-testid="stMetricLabel"] *, [data-testid="stMetricDeltaDescription"] *'))
    .filter(e => e.textContent.trim() && e.scrollWidth > e.clientWidth + 1)
    .map(e => e.textContent.trim())"""


def test_every_card_label_and_comparison_is_shown_whole(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "admin", path="dashboard")
    expect(page.get_by_text("Compliance ·").first).to_be_visible()
    painted(page)
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert any("submitted" in label for label in labels), labels  # a label with its base, the long kind
    assert page.evaluate(CLIPPED_JS) == []
    screenshot(page, "dashboard-card-labels")
