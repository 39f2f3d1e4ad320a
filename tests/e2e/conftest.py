"""A real portal server (demo data, fresh SQLite) and headless Chromium, shared per session."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
DEMO_PASSWORD = "demo-portal-2026"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def portal_url(tmp_path_factory: pytest.TempPathFactory, browser: object) -> Iterator[str]:
    """Start `streamlit run streamlit_app.py` on a free port with its own demo database."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    workdir = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'portal.db'}",
        "PORTAL_ENV": "development",
        "DEMO_SEED": "true",
        "REPORT_DIR": str(workdir / "reports"),
        "BACKUP_DIR": str(workdir / "backups"),
    }
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - closed after the server stops
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        pytest.fail("the portal did not become healthy within 60 s; see " + str(workdir / "server.log"))
    _warm_up(browser, url)
    yield url
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def _warm_up(browser: object, url: str) -> None:
    # The first session migrates the database and loads the demo data (a few seconds on a
    # busy machine); doing it once here keeps every test's own timeouts meaningful.
    context = browser.new_context()  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.goto(url + "/")
    tab.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    context.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    context.set_default_timeout(30_000)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: object, base_url: str, username: str, path: str = "dashboard",
            password: str = DEMO_PASSWORD) -> None:
    """Open `path`, sign in through the real form, and wait until the menu shows."""
    page.goto(f"{base_url}/{path}")  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Username").fill(username)  # type: ignore[attr-defined]
    page.get_by_role("textbox", name="Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign out").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    settle(page)


def settle(page: object, quiet_ms: int = 600, timeout_ms: int = 60_000) -> None:
    """Wait until no script run is in progress (Streamlit's status widget) for `quiet_ms`.

    A click that lands while the first runs of a fresh page are still going (the cookie
    component reports, the script reruns) can be swallowed on a busy machine.
    """
    page.wait_for_function(  # type: ignore[attr-defined]
        """(quiet) => {
            const running = document.querySelector('[data-testid="stStatusWidget"]');
            const now = performance.now();
            if (running) { window.__portalBusy = now; return false; }
            return now - (window.__portalBusy || 0) > quiet;
        }""",
        arg=quiet_ms, timeout=timeout_ms, polling=100,
    )


def screenshot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
