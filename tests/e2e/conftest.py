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
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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

pytestmark = pytest.mark.e2e

# host:port of each running portal -> its backend, so artifacts can be named per backend.
_BACKENDS: dict[str, str] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session", params=DB_PARAMS)
def portal_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, browser: object
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


def _warm_up(browser: object, url: str) -> None:
    # The first session migrates the database and loads the demo data (a few seconds on a
    # busy machine); doing it once here keeps every test's own timeouts meaningful.
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        tab = context.new_page()
        tab.goto(url + "/")
        tab.get_by_role("button", name="Sign in").wait_for(timeout=120_000)
    finally:
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


def sign_in(page: object, base_url: str, username: str, path: str = "dashboard", password: str = DEMO_PASSWORD) -> None:
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
        arg=quiet_ms,
        timeout=timeout_ms,
        polling=100,
    )


def artifact_name(url: str, name: str) -> str:
    """`name` for the SQLite portal, `name-postgresql` for the PostgreSQL one (no overwriting)."""
    ARTIFACTS.mkdir(exist_ok=True)
    backend = _BACKENDS.get(urlsplit(url).netloc, "sqlite")
    return name if backend == "sqlite" else f"{name}-{backend}"


def screenshot(page: object, name: str) -> Path:
    path = ARTIFACTS / f"{artifact_name(page.url, name)}.png"  # type: ignore[attr-defined]
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
