"""Perceived speed in headless Chromium on the demo data (issue 18): what a person waits for.

    python -m bench.browser [--runs 5] [--screenshots DIR]

Starts the portal (`streamlit run streamlit_app.py`) on fresh embedded SQLite databases and measures,
as medians of `--runs`:
- first_run_s: an empty database, from the first request to a usable sign-in form (the first start
  migrates and loads the demo data meanwhile; one fresh server and database per run);
- signin_to_dashboard_s: from the click on "Sign in" to the dashboard's charts drawn (admin, fresh browser);
- page_switch_s: a warm switch between two pages from the menu (Dashboard <-> Approvals, both visited
  before), until the page is drawn and its script run is over;
- approve_to_confirmation_s: a supervisor approves the open entry; from the click to the confirmation.
Debian's Chromium (/usr/bin/chromium) is driven by Playwright. The last line printed is JSON with
those four keys (and the samples).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PASSWORD = "demo-portal-2026"
TIMEOUT_MS = 120_000
IDLE_JS = """(quiet) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const now = performance.now();
    const idle = app !== null
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && app.getAttribute('data-test-script-state') === 'notRunning';
    if (!idle) { window.__benchBusy = now; return false; }
    if (window.__benchBusy === undefined) { window.__benchBusy = now; }
    return now - window.__benchBusy >= quiet;
}"""
RUN_OVER_JS = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
    === 'notRunning'"""
# Charts drawn: at least `n` plotly figures with their plot area painted.
# A confirmation naming an entry not confirmed before: "Entry #42 approved; ... has been notified."
CONFIRMED_JS = """(seen) => [...document.body.innerText.matchAll(/Entry #(\\d+) approved/g)]
    .map(m => m[1]).find(id => !seen.includes(id)) || null"""
CHARTS_JS = """(n) => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(p => p.querySelector('.main-svg') !== null && p.getBoundingClientRect().height > 0).length >= n"""


def _log(message: str) -> None:
    print(message, flush=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def portal(workdir: Path) -> Iterator[tuple[str, Path]]:
    """A portal on a fresh (empty) SQLite database in `workdir`; yields (url, database file)."""
    port, db = _free_port(), workdir / "portal.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "PORTAL_ENV": "development",
        "DEMO_SEED": "true",
        "REPORT_DIR": str(workdir / "reports"),
        "BACKUP_DIR": str(workdir / "backups"),
    }
    command = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.fileWatcherType", "none"]
    with open(workdir / "server.log", "w") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.time() + 120
            while time.time() < deadline:
                if proc.poll() is not None:
                    raise RuntimeError(f"the portal exited; see {workdir / 'server.log'}")
                try:
                    with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.1)
            yield url, db
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def idle(page: Page, quiet_ms: int = 300) -> None:
    page.wait_for_function(IDLE_JS, arg=quiet_ms, timeout=TIMEOUT_MS, polling=50)


def first_run(browser: Browser, url: str, shots: Path | None) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    started = time.perf_counter()
    tab.goto(url + "/", wait_until="commit")
    if shots is not None:
        try:
            expect(tab.get_by_text("This happens once", exact=False)).to_be_visible(timeout=15_000)
            tab.screenshot(path=str(shots / "first-run-progress.png"))
        except AssertionError:
            pass
    expect(tab.get_by_role("button", name="Sign in")).to_be_enabled(timeout=TIMEOUT_MS)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def sign_in_ready(page: Page, url: str, path: str) -> None:
    page.goto(f"{url}/{path}")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT_MS)
    idle(page, quiet_ms=500)  # the cookie component's first rerun is over: the form is what a person uses


def signin_to_dashboard(browser: Browser, url: str) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sign_in_ready(page, url, "dashboard")
    page.get_by_role("textbox", name="Username").fill("admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    started = time.perf_counter()
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_function(CHARTS_JS, arg=2, timeout=TIMEOUT_MS, polling=20)
    elapsed = time.perf_counter() - started
    context.close()
    return elapsed


def signed_in(browser: Browser, url: str, username: str, path: str) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    sign_in_ready(page, url, path)
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=TIMEOUT_MS)
    idle(page)
    return page


def page_switches(browser: Browser, url: str, runs: int) -> list[float]:
    page = signed_in(browser, url, "admin", "dashboard")
    page.wait_for_function(CHARTS_JS, arg=2, timeout=TIMEOUT_MS)
    menu = page.get_by_test_id("stSidebar")
    samples: list[float] = []
    for i in range(runs + 1):  # the first round trip warms both pages' caches; it is not counted
        for link, heading in (("Approvals", "Approvals"), ("Dashboard", "Dashboard")):
            idle(page)
            started = time.perf_counter()
            menu.get_by_role("link", name=re.compile(rf"{link}$")).click()
            expect(page.get_by_role("heading", name=re.compile(heading))).to_be_visible(timeout=TIMEOUT_MS)
            if link == "Dashboard":
                page.wait_for_function(CHARTS_JS, arg=2, timeout=TIMEOUT_MS, polling=20)
            # Drawn and its script run over. (Waiting for a run to *start* here timed out after 2 s
            # whenever the run had ended before the charts were painted, adding 2 s to every
            # switch to the Dashboard.)
            page.wait_for_function(RUN_OVER_JS, timeout=TIMEOUT_MS, polling=20)
            if i:
                samples.append(time.perf_counter() - started)
            idle(page)  # settled before the next click (not counted)
    page.context.close()
    return samples


def _pending_entries(db: Path, supervisor: str, count: int) -> list[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT e.id FROM logbook_entries e JOIN users t ON t.id = e.trainee_id "
            "JOIN users s ON s.id = t.supervisor_id WHERE s.username = ? AND e.status = 'pending' "
            "ORDER BY e.submitted_at LIMIT ?",
            (supervisor, count),
        ).fetchall()
    return [int(r[0]) for r in rows]


def approvals(browser: Browser, url: str, db: Path, runs: int, shots: Path | None) -> list[float]:
    """Approve `runs` entries one after another: each decision opens the next entry of the queue."""
    first = _pending_entries(db, "supervisor", 1)[0]
    page = signed_in(browser, url, "supervisor", f"approvals?entry={first}")
    samples: list[float] = []
    seen: list[str] = []
    for index in range(runs):
        approve = page.locator('[data-testid="stFormSubmitButton"] button', has_text="Approve").first
        expect(approve).to_be_visible(timeout=TIMEOUT_MS)
        approve.scroll_into_view_if_needed()
        idle(page)
        if shots is not None and index == 0:
            page.screenshot(path=str(shots / "approvals-panel.png"), full_page=False)
        started = time.perf_counter()
        approve.click()
        confirmed = page.wait_for_function(CONFIRMED_JS, arg=seen, timeout=TIMEOUT_MS, polling=20)
        samples.append(time.perf_counter() - started)
        seen.append(str(confirmed.json_value()))
        if shots is not None and index == 0:
            idle(page)
            page.screenshot(path=str(shots / "approvals-confirmation.png"), full_page=False)
    page.context.close()
    return samples


def screenshots(browser: Browser, url: str, shots: Path) -> None:
    for width, height, suffix in ((1400, 1000, "desktop"), (390, 844, "phone")):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in_ready(page, url, "dashboard")
        page.get_by_role("textbox", name="Username").fill("admin")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_function(CHARTS_JS, arg=2, timeout=TIMEOUT_MS)
        idle(page, quiet_ms=800)
        page.screenshot(path=str(shots / f"dashboard-{suffix}.png"), full_page=True)
        context.close()


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="samples per figure (medians are reported)")
    parser.add_argument("--screenshots", type=Path, help="also save screenshots here (first run, dashboard, approvals)")
    args = parser.parse_args(argv)
    shots: Path | None = args.screenshots
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {}
    with sync_playwright() as playwright, tempfile.TemporaryDirectory(prefix="bench-browser-") as tmp:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        firsts: list[float] = []
        for run in range(args.runs):
            workdir = Path(tmp) / f"run{run}"
            workdir.mkdir()
            with portal(workdir) as (url, db):
                firsts.append(first_run(browser, url, shots if run == 0 else None))
                _log(f"first run {run + 1}: {firsts[-1]:.2f} s from the first request to the sign-in form")
                if run < args.runs - 1:
                    continue
                signins = [signin_to_dashboard(browser, url) for _ in range(args.runs)]
                _log(f"sign-in click -> dashboard charts drawn: {[round(s, 2) for s in signins]}")
                switches = page_switches(browser, url, args.runs)
                _log(f"warm page switch: {[round(s, 2) for s in switches]}")
                decisions = approvals(browser, url, db, args.runs, shots)
                _log(f"approve -> confirmation: {[round(s, 2) for s in decisions]}")
                if shots is not None:
                    screenshots(browser, url, shots)
        browser.close()
    result = {
        "signin_to_dashboard_s": _median(signins),
        "page_switch_s": _median(switches),
        "approve_to_confirmation_s": _median(decisions),
        "first_run_s": _median(firsts),
        "samples": {
            "signin_to_dashboard_s": [round(s, 2) for s in signins],
            "page_switch_s": [round(s, 2) for s in switches],
            "approve_to_confirmation_s": [round(s, 2) for s in decisions],
            "first_run_s": [round(s, 2) for s in firsts],
        },
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
