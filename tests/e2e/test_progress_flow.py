"""Training progress end to end in Chromium (issue 17): a supervisor's progress view with who is behind,
the admins' Training years page, and a trainee downloading their annual-review portfolio, whose text is
extracted and checked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tests.e2e.conftest import screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


def test_a_supervisor_sees_their_trainees_progress_and_who_is_behind(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "supervisor", path="progress")
    expect(page.get_by_role("heading", name="Training progress")).to_be_visible()
    expect(page.get_by_text("Trainees (behind first)")).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="Behind")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()  # stale copies linger during a rerun
    settle(page)
    screenshot(page, "progress-supervisor")


def test_the_admin_training_years_page_lists_the_targets(page: Page, portal_url: str) -> None:
    sign_in(page, portal_url, "admin", path="training")
    expect(page.get_by_role("heading", name="Training years")).to_be_visible()
    expect(page.get_by_text("Add a requirement")).to_be_visible()
    settle(page)
    screenshot(page, "progress-admin-requirements")


def test_a_trainee_downloads_their_portfolio(page: Page, portal_url: str, tmp_path: Path) -> None:
    sign_in(page, portal_url, "trainee", path="progress")
    expect(page.get_by_text("Logbook progress this training year")).to_be_visible()
    expect(page.get_by_text("approved (").first).to_be_visible()  # a progress bar: "N of M approved (...)"
    generate = page.get_by_role("button", name="Generate portfolio (PDF)")
    expect(generate).to_be_visible()
    settle(page)
    generate.click()
    expect(page.get_by_text("Portfolio ready")).to_be_visible(timeout=120_000)
    screenshot(page, "progress-trainee-portfolio")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download portfolio").click()
    pdf = tmp_path / "portfolio.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes()[:4] == b"%PDF"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "Annual review portfolio: training year" in text
    assert "PG2025-0001" in text  # the demo trainee
    assert "Logbook against the targets" in text and "Attendance by term" in text and "Results" in text
    assert "Summary:" in text and "/verify?token=" in text.replace("\n", "")
