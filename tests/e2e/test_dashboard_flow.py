"""In a real browser: leadership filters the dashboard, reloads with the filter kept, downloads a table."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from tests.e2e.conftest import screenshot, sign_in

pytestmark = pytest.mark.e2e


def _query(page) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return parse_qs(urlparse(page.url).query)


def test_leadership_filters_by_department_reloads_and_downloads(page, portal_url: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, portal_url, "leadership")
    page.get_by_text("Active trainees").first.wait_for()
    page.get_by_test_id("stSelectbox").filter(has_text="Department").click()
    page.get_by_role("option", name="Internal Medicine").click()
    page.wait_for_function("() => window.location.search.includes('dept=')")
    department = _query(page)["dept"]
    page.get_by_text("Active trainees").first.wait_for()
    page.wait_for_timeout(1000)
    filtered = page.get_by_test_id("stMetricValue").first.inner_text()
    assert filtered == "25"  # the demo has 25 trainees per department
    screenshot(page, "dashboard-filtered-leadership")

    page.reload()
    page.get_by_role("button", name="Sign out").wait_for()
    page.get_by_text("Active trainees").first.wait_for()
    page.wait_for_timeout(1000)
    assert _query(page)["dept"] == department
    box = page.get_by_test_id("stSelectbox").filter(has_text="Department")
    shown = box.inner_text() + " ".join(i.input_value() for i in box.locator("input").all())
    assert "Internal Medicine" in shown
    assert page.get_by_test_id("stMetricValue").first.inner_text() == filtered

    page.get_by_role("tab", name="Compliance").click()
    page.get_by_text("By supervisor").wait_for()
    with page.expect_download() as info:
        page.get_by_role("button", name="⬇️ CSV").first.click()
    download = info.value
    assert download.suggested_filename == "compliance-by-department.csv"
    content = open(download.path(), encoding="utf-8-sig").read().splitlines()  # noqa: SIM115
    assert content[0] == "Department,Submitted,Verified,Compliance %"
    assert content[1].startswith("Internal Medicine,") and content[-1].startswith("Overall (pooled),")
    assert "tab=Compliance" in page.url or "dashboard.tab=Compliance" in page.url
    screenshot(page, "dashboard-compliance-leadership")
