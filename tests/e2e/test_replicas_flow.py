"""Two web replicas on one PostgreSQL database (issue 19): a report generated through one portal
process is downloadable through the other, and the sign-in cookie one replica set is honoured by the
other (what keeps people signed in when the balancer moves them after a replica dies).

Each replica has its own REPORT_DIR, as two machines would: the file can only come from the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select

from core.models import ReportRun, StoredFile
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres
from tests.e2e.conftest import _portal_server, _warm_up, click_until, screenshot, settle, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(params=[p for p in DB_PARAMS if p.id == "postgresql"])
def two_replicas(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[tuple[str, str, str]]:
    """Two `streamlit run` processes on one scratch PostgreSQL database: (url_a, url_b, database_url)."""
    with ExitStack() as cleanup:
        database_url = create_scratch_postgres()
        cleanup.callback(drop_scratch_postgres, database_url)
        # The first start migrates and seeds; the second starts on the ready database.
        url_a = cleanup.enter_context(_portal_server(database_url, tmp_path_factory.mktemp("replica-a")))
        _warm_up(browser, url_a)
        url_b = cleanup.enter_context(_portal_server(database_url, tmp_path_factory.mktemp("replica-b")))
        _warm_up(browser, url_b)
        yield url_a, url_b, database_url


def test_a_report_generated_on_one_replica_downloads_from_the_other(
    page: Page, two_replicas: tuple[str, str, str]
) -> None:
    url_a, url_b, database_url = two_replicas
    sign_in(page, url_a, "supervisor", path="reports")
    # A click a rerun swallowed starts nothing (no progress box): click again; once the box shows, wait
    started = page.get_by_text("Generating the leadership pack").or_(page.get_by_text("ready: leadership-pack-"))
    click_until(page, page.get_by_role("button", name="Generate"), started.first)
    # The lasting message under the button, not the progress box's label (gone after the rerun)
    expect(page.get_by_text("ready: leadership-pack-")).to_be_visible(timeout=120_000)

    # Same browser, other replica: the cookie (not replica memory) signs the person in.
    page.goto(f"{url_b}/reports?reports.tab=Archive")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    download_button = page.get_by_role("button", name="Download leadership-pack-").first
    expect(download_button).to_be_visible()
    screenshot(page, "replica-b-archive")
    settle(page)
    with page.expect_download() as info:
        download_button.click()
    content = Path(info.value.path()).read_bytes()
    assert content.startswith(b"%PDF-")

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            run = conn.execute(select(ReportRun.file_name, ReportRun.checksum, ReportRun.file_id)).one()
            stored = conn.execute(select(StoredFile.sha256).where(StoredFile.id == run.file_id)).scalar_one()
    finally:
        engine.dispose()
    assert info.value.suggested_filename == run.file_name
    assert hashlib.sha256(content).hexdigest() == run.checksum == stored
