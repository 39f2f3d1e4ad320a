"""A real portal server (demo data on a fresh database) and headless Chromium, shared per session.

Every e2e test runs once per backend: on SQLite, and on a scratch PostgreSQL database when
TEST_DATABASE_URL is set (ids `[sqlite]`/`[postgresql]`, the PostgreSQL half marked `postgres`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from core import clock
from core.config import get_settings
from tests.conftest import DB_PARAMS, create_scratch_postgres, drop_scratch_postgres

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo-portal-2026"
ARTIFACTS = ROOT / "test-artifacts"
# Generous: the machine may be running PostgreSQL, two portals and other test runs at once. Every
# wait is for something the page shows, so a long timeout only costs time when a test fails.
UI_TIMEOUT_MS = 60_000
# A click that a concurrent rerun swallowed is retried after this long (see click_until).
ATTEMPT_MS = 20_000
ATTEMPTS = 3
expect.set_options(timeout=UI_TIMEOUT_MS)

pytestmark = pytest.mark.e2e

# host:port of each running portal -> its backend, so artifacts can be named per backend.
_BACKENDS: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session", params=DB_PARAMS)
def portal_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[str]:
    """A running portal on a fresh demo database, one per backend.

    The fixture is parametrized at session scope, so pytest runs all tests of one backend, stops
    that server, then starts the next: a PostgreSQL server (and its scratch database) costs
    nothing unless a `[postgresql]` test actually runs.
    """
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    backend: str = request.param
    workdir = tmp_path_factory.mktemp(f"e2e-{backend}")
    with ExitStack() as cleanup:  # unwinds in reverse: server stopped, then its database dropped
        if backend == "sqlite":
            database_url = f"sqlite:///{workdir / 'portal.db'}"
        else:
            database_url = create_scratch_postgres()  # empty: the app's first start migrates and seeds it
            cleanup.callback(drop_scratch_postgres, database_url)
        url = cleanup.enter_context(_portal_server(database_url, workdir))
        _BACKENDS[urlsplit(url).netloc] = backend
        cleanup.callback(_BACKENDS.pop, urlsplit(url).netloc, None)
        _warm_up(browser, url)
        yield url


@contextmanager
def _portal_server(database_url: str, workdir: Path) -> Iterator[str]:
    """Run `streamlit run streamlit_app.py` on a free port until the block ends; yield its URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_ENV": "development",
        "DEMO_SEED": "true",
        "REPORT_DIR": str(workdir / "reports"),
        "BACKUP_DIR": str(workdir / "backups"),
    }
    log_path = workdir / "server.log"
    url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "streamlit_app.py",
                "--server.port",
                str(port),
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_until_healthy(proc, url, log_path)
            yield url
        finally:
            _stop(proc)


def _wait_until_healthy(proc: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the portal exited with code {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the portal did not become healthy within 60 s; see {log_path}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop this server (by its own handle only: other test runs may have portals on this machine)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


def _warm_up(browser: Browser, url: str) -> None:
    # The first session migrates the database and loads the demo data (a few seconds on a
    # busy machine); doing it once here keeps every test's own timeouts meaningful.
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(url + "/")
        expect(tab.get_by_role("button", name="Sign in")).to_be_visible(timeout=120_000)
    finally:
        context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(UI_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Page, base_url: str, username: str, path: str = "dashboard", password: str = DEMO_PASSWORD) -> None:
    """Open `path`, sign in through the real form, and wait until the signed-in page is idle.

    The form is filled only once the fresh page's first runs are over (the cookie component
    reports and the script reruns), and the click is repeated if the form is still there
    untouched, i.e. a rerun swallowed it (signing in again is harmless).
    """
    page.goto(f"{base_url}/{path}")
    signed_in = page.get_by_role("button", name="Sign out")
    submit = page.get_by_role("button", name="Sign in")
    failed = page.get_by_text("Sign-in failed")
    expect(submit).to_be_visible()
    for _ in range(ATTEMPTS):
        settle(page)
        if signed_in.is_visible() or failed.is_visible():
            break
        page.get_by_role("textbox", name="Username").fill(username)
        page.get_by_role("textbox", name="Password").fill(password)
        submit.click()
        try:
            expect(signed_in.or_(failed)).to_be_visible(timeout=ATTEMPT_MS)
            break
        except AssertionError:
            continue
    expect(failed).to_have_count(0)
    expect(signed_in).to_be_visible()
    signed_in_cookie(page)
    settle(page)


def signed_in_cookie(page: Page) -> None:
    """Wait until the page has written the sign-in cookie.

    The click's run draws the page under the emptied form; the cookie component then writes the cookie
    and reports back, which reruns the page with everything one place higher. Until that rerun is over
    the page can show two copies of an element (the old one stale), so `sign_in` waits for the cookie
    and then for the app to be idle, however long the component takes on a busy machine.
    """
    page.wait_for_function(
        "(name) => document.cookie.split('; ').some((c) => c.startsWith(name + '='))",
        arg=get_settings().cookie_name,
        timeout=UI_TIMEOUT_MS,
        polling=100,
    )


def settle(page: Page, quiet_ms: int = 500, timeout_ms: int = UI_TIMEOUT_MS) -> None:
    """Wait until the app is connected and no script run is in progress for `quiet_ms` in a row.

    Streamlit marks its root `[data-testid=stApp]` with `data-test-script-state` (`running`,
    `rerunRequested`, `notRunning`, ...) the moment a run starts or ends; that is what is watched
    here, not the status widget (drawn later, and only while a run lasts). The quiet window is a
    minimum, not a deadline: it covers the rerun a component (the sign-in cookie) starts right
    after a fresh page's first run. Waits on outcomes should still be `expect(...)` on what the
    page shows; this only keeps a click from landing on a page that is about to be redrawn.
    """
    page.wait_for_function(
        """(quiet) => {
            const app = document.querySelector('[data-testid="stApp"]');
            const now = performance.now();
            const idle = app !== null
                && app.getAttribute('data-test-connection-state') === 'CONNECTED'
                && app.getAttribute('data-test-script-state') === 'notRunning';
            if (!idle) { window.__portalBusy = now; return false; }
            if (window.__portalBusy === undefined) { window.__portalBusy = now; }
            return now - window.__portalBusy >= quiet;
        }""",
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )


def click_until(page: Page, target: Locator, done: Locator, attempts: int = ATTEMPTS) -> None:
    """Click `target` until `done` shows: only for clicks that are harmless to repeat (a tab, a link,
    an Open button), since a rerun that is already under way can swallow a click on a busy machine."""
    for attempt in range(1, attempts + 1):
        settle(page)
        if done.is_visible():
            return
        target.click()
        try:
            expect(done).to_be_visible(timeout=ATTEMPT_MS)
            return
        except AssertionError:
            if attempt == attempts or not target.is_visible():
                break
    expect(done).to_be_visible()


def painted(page: Page) -> None:
    """Let the browser paint what is on the page (canvas grids, charts) before a screenshot:
    wait for the app to be idle, then for two animation frames."""
    settle(page)
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def programme_today() -> date:
    """The portal's today: the e2e servers inherit this environment, so PORTAL_TODAY applies to both."""
    return clock.today()


def previous_month(day: date) -> str:
    """The last complete month before `day` (`YYYY-MM`): the demo data has weekday sessions in it."""
    return (day.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


def artifact_name(url: str, name: str) -> str:
    """`name` for the SQLite portal, `name-postgresql` for the PostgreSQL one (no overwriting)."""
    ARTIFACTS.mkdir(exist_ok=True)
    backend = _BACKENDS.get(urlsplit(url).netloc, "sqlite")
    return name if backend == "sqlite" else f"{name}-{backend}"


def screenshot(page: Page, name: str) -> Path:
    path = ARTIFACTS / f"{artifact_name(page.url, name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
