"""Many people at once: N signed-in browsers (Playwright contexts on Debian's Chromium) run a mix of
work against one portal (or nginx in front of several) for a fixed time.

    python -m bench.concurrency --db postgresql+psycopg://root@127.0.0.1:5432/bench_concurrency -n 5
    python -m bench.concurrency --url http://127.0.0.1:8600 --db <the topology's DATABASE_URL> \\
        --server-ports 8601,8602 -n 20 [--kill-replica-at 60]

Without --url it starts one `streamlit run` on --db (migrated and seeded with the demo data first).
The mix, assigned round robin (supervisor, trainee, admin, trainee, leadership, supervisor, trainee, ...):
  trainee      submit_entry    a new logbook entry through the New entry form, to the confirmation
  supervisor   approve         the open entry approved with feedback, to "Entry #N approved"
                               (the page then opens the next one in the queue)
  admin        dashboard_tab   the next dashboard tab, to the end of the rerun
               filter          the Department filter changed, to the end of the rerun
  leadership   download_pack   the newest leadership pack downloaded from the archive (a %PDF file)
Between two actions each person pauses --think seconds (uniformly 0.5-1.5x, default 10 s: reading the
entry, typing the case; real people take longer), and they arrive --arrival seconds apart (default 1 s);
`--think 0 --arrival 0` makes it a saturation test. Within an action everything waits for what the
page shows; nothing sleeps. The browsers draw without animations or transitions (reduced motion and a
style that turns them off): on this one machine they share the CPU with the server, which real
people's browsers do not. A click that starts nothing within 5 s (it met a redraw; a download that never comes) is
clicked again, as a person would; the action's time includes the wait and `clicks_repeated` counts
them (an Approve only while the same entry is still open). An action that fails (or times out after
--action-timeout s, or loses its websocket because the replica died) is an error; the browser then
waits for the page to reconnect by itself (to the other replica after a kill) and goes on signed in,
or reloads the page when it does not come back.

After the run the database is checked: every entry a trainee saw confirmed exists exactly once
(else lost or duplicated), every approval a supervisor saw confirmed is approved by them with one
status change (else lost or duplicated); `entries_unconfirmed_but_stored` counts submissions that were
committed although the browser never saw the confirmation (a click in flight when a replica died). With --kill-replica-at S, deploy/run-local.sh kills
replica a S seconds in; each browser's interruption is the time from the kill to the end of its
first successful action started after it, and `signed_out` counts browsers that had to sign in again.

The server's CPU (% of one core, summed over its processes) and memory (RSS) are sampled every
second with psutil, from the processes listening on --server-ports (default: the --url port).
The last line printed is JSON with n, p95_s (the worst action's p95), errors and lost_writes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import psutil  # type: ignore[import-untyped]
from playwright.async_api import Browser, Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # also runnable as a file

from core.db import make_engine  # noqa: E402
from core.models import LogbookEntry, LogbookStatusChange, ReportRun, User  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [  # as tests/e2e/conftest.py
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-portal-2026")
ROLES_ROUND = ("supervisor", "trainee", "admin", "trainee", "leadership")
DASHBOARD_TABS = ("Trends", "Compliance", "Attendance", "Trainees", "Overview")
SETTLE_JS = """(quiet) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const now = performance.now();
    const idle = app !== null
        && app.getAttribute('data-test-connection-state') === 'CONNECTED'
        && app.getAttribute('data-test-script-state') === 'notRunning';
    if (!idle) { window.__benchBusy = now; return false; }
    if (window.__benchBusy === undefined) { window.__benchBusy = now; }
    return now - window.__benchBusy >= quiet;
}"""
# A rerun the click started: running at least once since the mark, then idle.
MARK_JS = "() => { window.__benchRan = false; window.__benchBusy = undefined; }"
NO_MOTION_CSS = "*, *::before, *::after { animation: none !important; transition: none !important; }"
# Also: every start of a script run is seen as it happens (a MutationObserver), so a run shorter than
# the polling interval is not missed; RERUN_JS then only has to see the end.
NO_MOTION_JS = f"""document.addEventListener('DOMContentLoaded', () => {{
    const style = document.createElement('style');
    style.textContent = {json.dumps(NO_MOTION_CSS)};
    document.head.appendChild(style);
    new MutationObserver((records) => {{
        for (const record of records) {{
            if (record.target.getAttribute('data-test-script-state') !== 'notRunning') window.__benchRan = true;
        }}
    }}).observe(document.body, {{subtree: true, attributes: true, attributeFilter: ['data-test-script-state']}});
}});"""
RAN_JS = "() => window.__benchRan === true"
RERUN_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (app === null) return false;
    const state = app.getAttribute('data-test-script-state');
    if (state !== 'notRunning') { window.__benchRan = true; return false; }
    return window.__benchRan === true && app.getAttribute('data-test-connection-state') === 'CONNECTED';
}"""


# True once this document's websocket, having been connected, is lost (the replica died): Streamlit then
# pings the server and reconnects by itself; the click in flight is lost.
LOST_JS = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app === null ? null : app.getAttribute('data-test-connection-state');
    if (state === 'CONNECTED') { window.__benchConnected = true; return false; }
    return window.__benchConnected === true && (state === 'PINGING_SERVER' || state === 'DISCONNECTED_FOREVER');
}"""


class ConnectionLost(Exception):
    pass


@dataclass
class Sample:
    action: str
    started: float
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Worker:
    index: int
    role: str
    username: str
    samples: list[Sample] = field(default_factory=list)
    submitted: list[str] = field(default_factory=list)  # titles the trainee saw confirmed
    approved: list[int] = field(default_factory=list)  # entry ids the supervisor saw confirmed
    attempted: list[str] = field(default_factory=list)  # titles submitted whatever the outcome
    signed_out: int = 0
    repeated_clicks: int = 0
    unconfirmed: str | None = None  # the title of a submission whose confirmation never came
    repeats_refused: int = 0  # resubmissions the portal recognised as already recorded


class Stop(Exception):
    pass


def _log(message: str) -> None:
    print(message, flush=True)


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"the portal exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become healthy in {seconds:.0f} s")


def _cli(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PORTAL_ENV": "development", "DEMO_SEED": "true"}
    subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, check=True)


def _start_server(database_url: str, workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PORTAL_ENV": "development",
        "DEMO_SEED": "true",
        "BACKUP_DIR": str(workdir / "backups"),
    }
    log = open(workdir / "server.log", "w")  # noqa: SIM115 - open while the server runs
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
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
    url = f"http://127.0.0.1:{port}"
    _wait_healthy(url, 120, proc)
    return proc, url


class ServerMonitor:
    """CPU and RSS of the processes listening on the given ports (and their children), every second."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.cpu: list[float] = []
        self.rss_mb: list[float] = []
        self.client_cpu: list[float] = []  # this bench's browsers (Playwright's driver and Chromium)
        self.load: list[float] = []  # the machine's 1-minute load average (2 cores, shared)
        self.bench_cpu: list[float] = []  # this process: Playwright's Python side, driving every browser
        self._me = psutil.Process()
        self._clients: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._procs: dict[int, psutil.Process] = {}

    def _find(self) -> None:
        pids = {
            c.pid
            for c in psutil.net_connections(kind="tcp")
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port in self.ports and c.pid
        }
        for pid in pids:
            if pid not in self._procs:
                try:
                    proc = psutil.Process(pid)
                    proc.cpu_percent(None)
                    self._procs[pid] = proc
                except psutil.NoSuchProcess:
                    pass

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._find()
            cpu = rss = 0.0
            for pid, proc in list(self._procs.items()):
                try:
                    cpu += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                except psutil.NoSuchProcess:
                    self._procs.pop(pid, None)
            self.cpu.append(cpu)
            self.rss_mb.append(rss / 1024 / 1024)
            client = 0.0
            for child in psutil.Process().children(recursive=True):
                if child.pid in self._procs:  # the portal this bench started is a child too: not a browser
                    continue
                known = self._clients.setdefault(child.pid, child)
                with contextlib.suppress(psutil.Error):
                    client += known.cpu_percent(None)
            self.client_cpu.append(client)
            self.bench_cpu.append(self._me.cpu_percent(None))
            self.load.append(os.getloadavg()[0])

    def start(self) -> None:
        self._find()
        self._thread.start()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(timeout=5)
        busy = self.cpu[1:] or [0.0]
        return {
            "server_cpu_mean_pct": round(statistics.fmean(busy), 1),
            "server_cpu_max_pct": round(max(busy), 1),
            "server_rss_max_mb": round(max(self.rss_mb or [0.0]), 1),
            "browsers_cpu_mean_pct": round(statistics.fmean(self.client_cpu[1:] or [0.0]), 1),
            "bench_process_cpu_mean_pct": round(statistics.fmean(self.bench_cpu[1:] or [0.0]), 1),
            "machine_load_mean": round(statistics.fmean(self.load or [0.0]), 1),
        }


# --- the browser side ---------------------------------------------------------------------------


async def settle(page: Page, quiet_ms: int = 300, timeout_s: float = 60) -> None:
    await page.wait_for_function(SETTLE_JS, arg=quiet_ms, timeout=timeout_s * 1000, polling=50)


async def rerun_done(page: Page, timeout_s: float) -> None:
    await page.wait_for_function(RERUN_JS, timeout=timeout_s * 1000, polling=50)


async def click_until_it_runs(page: Page, button: Any, worker: Worker, timeout_s: float, *, still: Any = None) -> None:
    """Click; when no script run starts within 5 s (the click met a redraw and was lost: the button is
    still there, nothing happened), click again, as a person would; `still()` (if given) must hold for
    a second click. Each repeat is counted (`clicks_repeated`)."""
    for _ in range(max(1, int(timeout_s // 5))):
        await page.evaluate(MARK_JS)
        await button.click()
        try:
            await page.wait_for_function(RAN_JS, timeout=5000, polling=50)
            return
        except PlaywrightTimeout:
            if still is not None and not await still():
                return
            worker.repeated_clicks += 1
            await settle(page, 300, timeout_s)
    raise TimeoutError("no script run after repeated clicks")


async def sign_in(page: Page, base: str, worker: Worker, path: str, timeout_s: float) -> None:
    await page.goto(f"{base}/{path}")
    signed_in = page.get_by_role("button", name="Sign out")
    submit = page.get_by_role("button", name="Sign in")
    await expect(signed_in.or_(submit)).to_be_visible(timeout=timeout_s * 1000)
    for _ in range(3):
        await settle(page, 500, timeout_s)
        if await signed_in.is_visible():
            return
        await page.get_by_role("textbox", name="Username").fill(worker.username)
        await page.get_by_role("textbox", name="Password").fill(PASSWORD)
        await submit.click()
        try:  # a click a rerun swallowed is repeated (signing in again is harmless)
            await expect(signed_in).to_be_visible(timeout=min(timeout_s, 20) * 1000)
            await settle(page, 300, timeout_s)
            return
        except AssertionError:
            continue
    raise RuntimeError(f"{worker.username} could not sign in")


async def reopen(page: Page, base: str, worker: Worker, path: str, timeout_s: float) -> None:
    """After an error: load the page again; the sign-in cookie should keep the person signed in."""
    await page.goto(f"{base}/{path}")
    signed_in = page.get_by_role("button", name="Sign out")
    submit = page.get_by_role("button", name="Sign in")
    await expect(signed_in.or_(submit)).to_be_visible(timeout=timeout_s * 1000)
    # The form shows until the cookie component has reported (a rerun later; many seconds on a busy
    # machine): only a form still there after the action timeout counts as signed out.
    with contextlib.suppress(AssertionError):
        await expect(signed_in).to_be_visible(timeout=timeout_s * 1000)
    await settle(page, 300, timeout_s)
    if not await signed_in.is_visible():
        worker.signed_out += 1
        await sign_in(page, base, worker, path, timeout_s)


class Mix:
    def __init__(
        self, base: str, deadline: float, timeout_s: float, pending: dict[str, list[int]], engine: Any
    ) -> None:
        self.base = base
        self.engine = engine
        self.deadline = deadline
        self.timeout_s = timeout_s
        self.started = time.monotonic()
        self.screens: Path | None = None
        self.pending = pending  # supervisor username -> entry ids pending in their queue at the start
        self.think_s = 0.0

    async def _watched(self, page: Page, body: Any) -> None:
        """Run the action; give up at once when the page loses its server (no waiting for a timeout)."""
        task = asyncio.ensure_future(body())
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=0.5)
                if not task.done():
                    lost = False
                    with contextlib.suppress(Exception):  # a page between documents cannot answer
                        lost = bool(await page.evaluate(LOST_JS))
                    if lost:
                        raise ConnectionLost("the page lost its server")
            task.result()
        finally:
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task

    async def recover(self, page: Page, worker: Worker, home: str) -> None:
        """After an error: wait for the page to reconnect by itself (to the other replica after a kill) and
        go on signed in; reload the page only if it does not come back or shows the sign-in form."""
        try:
            await page.wait_for_function(
                "() => document.querySelector('[data-testid=\"stApp\"]')"
                "?.getAttribute('data-test-connection-state') === 'CONNECTED'",
                timeout=self.timeout_s * 1000,
                polling=200,
            )
            await settle(page, 300, self.timeout_s)
            signed_in = page.get_by_role("button", name="Sign out")
            with contextlib.suppress(AssertionError):
                await expect(signed_in).to_be_visible(timeout=self.timeout_s * 1000)
            if await signed_in.is_visible():
                return
        except Exception:  # noqa: BLE001 - fall back to loading the page again
            pass
        await reopen(page, self.base, worker, home, self.timeout_s)

    async def timed(self, worker: Worker, action: str, body: Any, page: Page) -> bool:
        if time.monotonic() >= self.deadline:
            raise Stop
        started = time.monotonic()
        try:
            await asyncio.wait_for(self._watched(page, body), timeout=self.timeout_s)
        except (Exception, TimeoutError) as exc:  # noqa: BLE001 - every failure is a counted error
            worker.samples.append(Sample(action, started, time.monotonic() - started, False, type(exc).__name__))
            if self.screens is not None:  # --screens: what the browser showed when the action failed
                with contextlib.suppress(Exception):
                    shot = self.screens / f"error-{worker.index}-{action}-{len(worker.samples)}.png"
                    await page.screenshot(path=str(shot))
                    _log(f"{worker.username} {action}: {type(exc).__name__}: {str(exc)[:300]} ({shot})")
            return False
        worker.samples.append(Sample(action, started, time.monotonic() - started, True))
        return True

    def home(self, worker: Worker) -> str:
        if worker.role == "supervisor" and self.pending.get(worker.username):
            return f"approvals?entry={self.pending[worker.username][0]}"
        return {
            "trainee": "logbook",
            "supervisor": "approvals",
            "admin": "dashboard",
            "leadership": "reports?reports.tab=Archive",
        }[worker.role]

    async def sign_in(self, page: Page, worker: Worker) -> None:
        started = time.monotonic()
        try:
            await sign_in(page, self.base, worker, self.home(worker), self.timeout_s)
        except Exception as exc:  # noqa: BLE001 - counted; the worker tries again in its loop
            worker.samples.append(Sample("sign_in", started, time.monotonic() - started, False, type(exc).__name__))
            return
        worker.samples.append(Sample("sign_in", started, time.monotonic() - started, True))

    async def run(self, page: Page, worker: Worker) -> None:
        home = self.home(worker)
        step = 0
        try:
            while True:
                # The person reads and types before each click, the first one too: 20 people who have
                # just signed in do not all click in the same second.
                if self.think_s > 0:
                    pause = self.think_s * random.Random(worker.index * 100_003 + step).uniform(0.5, 1.5)
                    await asyncio.sleep(min(pause, max(0.0, self.deadline - time.monotonic())))
                ok = await getattr(self, worker.role)(page, worker, step)
                step += 1
                if not ok:
                    if time.monotonic() >= self.deadline:
                        raise Stop
                    try:
                        await self.recover(page, worker, home)
                    except Exception:  # noqa: BLE001 - keep trying until the deadline
                        await asyncio.sleep(1)
        except Stop:
            return

    async def trainee(self, page: Page, worker: Worker, step: int) -> bool:
        # After a failed submission the person sends the same case again (the portal refuses a repeat
        # within 10 minutes and says where the first one is): a new title only after a confirmation.
        title = worker.unconfirmed or f"bench-{worker.index}-{step}-{uuid.uuid4().hex[:6]}"
        worker.unconfirmed = title

        async def body() -> None:
            # After a submission the page shows My entries again: open the New entry tab when it is not.
            new_tab = page.get_by_role("tab", name="➕ New entry").filter(visible=True).first
            case_title = page.get_by_label("Case title").filter(visible=True).first
            if await new_tab.get_attribute("aria-selected") != "true" or not await case_title.is_visible():
                await settle(page, 200, self.timeout_s)
                await new_tab.click()
                await expect(case_title).to_be_visible(timeout=self.timeout_s * 1000)
            await case_title.fill(title)
            await page.get_by_label("Description").filter(visible=True).first.fill("Bench case: concurrency run.")
            await settle(page, 200, self.timeout_s)
            worker.attempted.append(title)
            # The confirmation of the previous entry may still be on screen: only the one drawn by the
            # rerun this click starts counts.
            submit = page.get_by_role("button", name="Submit to supervisor").filter(visible=True).first
            await click_until_it_runs(page, submit, worker, self.timeout_s)
            await rerun_done(page, self.timeout_s)
            submitted = page.get_by_text("Submitted to your supervisor.")
            repeat = page.get_by_text("This entry is already recorded")
            # drawn by the run after the write (a flash message): under load that can take a while
            await expect(submitted.or_(repeat).first).to_be_visible(timeout=self.timeout_s * 1000)
            if await repeat.count():
                worker.repeats_refused += 1
            worker.submitted.append(title)
            worker.unconfirmed = None

        return await self.timed(worker, "submit_entry", body, page)

    async def supervisor(self, page: Page, worker: Worker, step: int) -> bool:
        async def body() -> None:
            entry = parse_qs(urlsplit(page.url).query).get("entry", [""])[0]
            feedback = page.get_by_role("textbox", name="Feedback to the trainee")
            if not entry.isdigit() or not await feedback.is_visible():
                queue = self.pending.setdefault(worker.username, [])
                while queue and queue[0] in worker.approved:
                    queue.pop(0)
                if not queue:  # what the trainees submitted meanwhile
                    fresh = await asyncio.to_thread(_pending, self.engine, [worker.username])
                    queue.extend(e for e in fresh[worker.username] if e not in worker.approved)
                if not queue:
                    raise RuntimeError("nothing left to approve in this supervisor's queue")
                await reopen(page, self.base, worker, f"approvals?entry={queue[0]}", self.timeout_s)
                await expect(feedback).to_be_visible(timeout=self.timeout_s * 1000)
                entry = str(queue[0])
            await settle(page, 100, self.timeout_s)
            await feedback.fill("Bench feedback.")
            opened = page.url

            async def same_entry() -> bool:  # never a second click on the next entry's Approve
                return page.url == opened and await feedback.input_value() == "Bench feedback."

            approve = page.get_by_role("button", name="✅ Approve", exact=True)
            await click_until_it_runs(page, approve, worker, self.timeout_s, still=same_entry)
            await expect(page.get_by_text(re.compile(rf"Entry #{entry} approved")).first).to_be_visible(
                timeout=self.timeout_s * 1000
            )
            worker.approved.append(int(entry))
            await settle(page, 100, self.timeout_s)

        return await self.timed(worker, "approve", body, page)

    async def admin(self, page: Page, worker: Worker, step: int) -> bool:
        if step % 3 == 2:

            async def change_filter() -> None:
                await settle(page, 100, self.timeout_s)
                await page.evaluate(MARK_JS)
                await page.get_by_label("Department").first.click()
                options = page.get_by_role("option")
                await expect(options.first).to_be_visible(timeout=self.timeout_s * 1000)
                count = await options.count()
                # Never the option already chosen (no rerun): the departments in turn, after "All".
                await options.nth(1 + (step // 3) % max(1, count - 1)).click()
                await rerun_done(page, self.timeout_s)

            return await self.timed(worker, "filter", change_filter, page)

        tab = DASHBOARD_TABS[step % len(DASHBOARD_TABS)]

        async def change_tab() -> None:
            await settle(page, 100, self.timeout_s)
            await click_until_it_runs(page, page.get_by_role("tab", name=tab), worker, self.timeout_s)
            await expect(page.get_by_role("tab", name=tab, selected=True)).to_be_visible(timeout=self.timeout_s * 1000)
            # The tabs are bound to the URL (only the open one is drawn): every switch is a script run.
            await rerun_done(page, self.timeout_s)
            await settle(page, 100, self.timeout_s)

        return await self.timed(worker, "dashboard_tab", change_tab, page)

    async def leadership(self, page: Page, worker: Worker, step: int) -> bool:
        async def body() -> None:
            # The person stays on the archive and downloads again (no reload; after an error the
            # worker's recovery brings the page back).
            if "/reports" not in page.url:
                await reopen(page, self.base, worker, "reports?reports.tab=Archive", self.timeout_s)
            button = page.get_by_role("button", name="Download leadership-pack-").first
            await expect(button).to_be_visible(timeout=self.timeout_s * 1000)
            await settle(page, 100, self.timeout_s)
            download = None
            for _ in range(int(self.timeout_s // 5) or 1):
                try:
                    async with page.expect_download(timeout=5_000) as info:
                        await button.click()
                    download = await info.value
                    break
                except PlaywrightTimeout:  # nothing came: the person clicks again
                    worker.repeated_clicks += 1
                    await settle(page, 300, self.timeout_s)
            if download is None:
                raise TimeoutError("no download after repeated clicks")
            path = await download.path()
            if not Path(path).read_bytes().startswith(b"%PDF"):
                raise RuntimeError("the download is not a PDF")

        return await self.timed(worker, "download_pack", body, page)


# --- setup, run, check --------------------------------------------------------------------------


def _workers(engine: Any, n: int) -> list[Worker]:
    trainee = User.__table__.alias("trainee")
    with engine.connect() as conn:
        by_role = {
            role: list(
                conn.scalars(select(User.username).where(User.role == role, User.is_active.is_(True)).order_by(User.id))
            )
            for role in ("trainee", "admin", "leadership")
        }
        # Supervisors with the longest queues first, so a run does not empty one.
        by_role["supervisor"] = list(
            conn.scalars(
                select(User.username)
                .join(trainee, trainee.c.supervisor_id == User.id)
                .join(LogbookEntry, LogbookEntry.trainee_id == trainee.c.id)
                .where(User.role == "supervisor", User.is_active.is_(True), LogbookEntry.status == "pending")
                .group_by(User.id, User.username)
                .order_by(func.count().desc(), User.id)
            )
        )
    used: dict[str, int] = defaultdict(int)
    workers = []
    for index in range(n):
        role = ROLES_ROUND[index % len(ROLES_ROUND)]
        names = by_role[role]
        if not names:
            raise SystemExit(f"no active {role} in the database: seed the demo data")
        workers.append(Worker(index, role, names[used[role] % len(names)]))
        used[role] += 1
    return workers


def _pending(engine: Any, supervisors: list[str]) -> dict[str, list[int]]:
    trainee = User.__table__.alias("trainee")
    supervisor = User.__table__.alias("supervisor")
    queues: dict[str, list[int]] = {}
    with engine.connect() as conn:
        for username in supervisors:
            queues[username] = list(
                conn.scalars(
                    select(LogbookEntry.id)
                    .join(trainee, trainee.c.id == LogbookEntry.trainee_id)
                    .join(supervisor, supervisor.c.id == trainee.c.supervisor_id)
                    .where(supervisor.c.username == username, LogbookEntry.status == "pending")
                    .order_by(LogbookEntry.submitted_at, LogbookEntry.id)
                )
            )
    return queues


def _top_up(engine: Any, supervisors: list[str], needed: int) -> int:
    """Give each supervisor at least `needed` pending entries (from their trainees), so a run never empties
    a queue: bench data written before the clock starts, through plain inserts. Returns the entries added."""
    from core.clock import today, utcnow

    added = 0
    now = utcnow()
    trainee = User.__table__.alias("trainee")
    supervisor = User.__table__.alias("supervisor")
    with engine.begin() as conn:
        for username in supervisors:
            trainees = conn.execute(
                select(trainee.c.id, trainee.c.department_id)
                .join(supervisor, supervisor.c.id == trainee.c.supervisor_id)
                .where(supervisor.c.username == username, trainee.c.is_active.is_(True))
                .order_by(trainee.c.id)
            ).all()
            pending = len(_pending(engine, [username])[username])
            rows = [
                {
                    "trainee_id": trainees[i % len(trainees)].id,
                    "department_id": trainees[i % len(trainees)].department_id,
                    "title": f"bench-queue-{username}-{i}-{uuid.uuid4().hex[:6]}",
                    "case_date": today(),
                    "category": "case",
                    "description": "Queued for the concurrency bench.",
                    "status": "pending",
                    "submitted_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(max(0, needed - pending) if trainees else 0)
            ]
            if rows:
                conn.execute(LogbookEntry.__table__.insert(), rows)
                added += len(rows)
    return added


def _ensure_pack(engine: Any, database_url: str) -> None:
    with engine.connect() as conn:
        packs = conn.scalar(select(func.count()).select_from(ReportRun).where(ReportRun.kind == "leadership_pack"))
    if not packs:
        _log("generating a leadership pack for the archive (python -m portal run-job weekly_leadership_pack)")
        _cli(database_url, "run-job", "weekly_leadership_pack")


def _check_writes(engine: Any, workers: list[Worker]) -> dict[str, int]:
    titles = [t for w in workers for t in w.submitted]
    attempted = sorted({t for w in workers for t in w.attempted})
    approved = [(w.username, e) for w in workers for e in w.approved]
    lost = duplicated = 0
    with engine.connect() as conn:
        counts: dict[str, int] = defaultdict(int)
        for chunk in range(0, len(attempted), 500):
            rows = conn.execute(
                select(LogbookEntry.title, func.count())
                .where(LogbookEntry.title.in_(attempted[chunk : chunk + 500]))
                .group_by(LogbookEntry.title)
            ).all()
            counts.update({title: int(count) for title, count in rows})
        lost += sum(1 for t in titles if counts.get(t, 0) == 0)
        duplicated += sum(1 for t in attempted if counts.get(t, 0) > 1)
        ids = {user: uid for user, uid in conn.execute(select(User.username, User.id))}
        for username, entry_id in approved:
            status, decider = conn.execute(
                select(LogbookEntry.status, LogbookEntry.decided_by_id).where(LogbookEntry.id == entry_id)
            ).one()
            changes = conn.scalar(
                select(func.count())
                .select_from(LogbookStatusChange)
                .where(LogbookStatusChange.entry_id == entry_id, LogbookStatusChange.to_status == "approved")
            )
            if status != "approved" or decider != ids[username]:
                lost += 1
            elif int(changes or 0) > 1:
                duplicated += 1
    return {
        "entries_confirmed": len(titles),
        "entries_unconfirmed_but_stored": sum(1 for t in attempted if t not in set(titles) and counts.get(t, 0) == 1),
        "approvals_confirmed": len(approved),
        "lost": lost,
        "duplicated": duplicated,
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _run_browsers(
    base: str,
    workers: list[Worker],
    mix: Mix,
    duration: float,
    kill_at: float | None,
    kill: list[float],
    arrival: float,
) -> None:
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        contexts = [
            await browser.new_context(
                viewport={"width": 1400, "height": 900}, accept_downloads=True, reduced_motion="reduce"
            )
            for _ in workers
        ]
        for context in contexts:
            await context.add_init_script(NO_MOTION_JS)
        pages = [await c.new_page() for c in contexts]

        async def killer() -> None:
            assert kill_at is not None
            await asyncio.sleep(max(0.0, mix.started + kill_at - time.monotonic()))
            kill.append(time.monotonic())
            _log(f"killing replica a {kill_at:.0f} s into the work: deploy/run-local.sh kill a")
            await asyncio.to_thread(subprocess.run, [str(ROOT / "deploy" / "run-local.sh"), "kill", "a"], check=False)

        # People arrive `arrival` s apart and sign in (timed as sign_in); the fixed time of work starts
        # when all are in.
        async def arrive(page: Page, worker: Worker, delay: float) -> None:
            await asyncio.sleep(delay)
            await mix.sign_in(page, worker)

        await asyncio.gather(*(arrive(p, w, i * arrival) for i, (p, w) in enumerate(zip(pages, workers, strict=True))))
        mix.started = time.monotonic()
        mix.deadline = mix.started + duration
        tasks = [asyncio.create_task(mix.run(p, w)) for p, w in zip(pages, workers, strict=True)]
        if kill_at is not None:
            tasks.append(asyncio.create_task(killer()))
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for worker, result in zip(workers, results, strict=False):
            if isinstance(result, BaseException):
                worker.samples.append(Sample("crashed", time.monotonic(), 0.0, False, repr(result)[:200]))
        for context in contexts:
            await context.close()
        await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the portal's DATABASE_URL (checked after the run)")
    parser.add_argument("--url", help="a running portal (or nginx); default: start one on --db")
    parser.add_argument("-n", type=int, default=5, help="simultaneous signed-in browsers")
    parser.add_argument("--duration", type=float, default=120, help="seconds of work once everyone has signed in")
    parser.add_argument("--action-timeout", type=float, default=60, help="seconds before an action is an error")
    parser.add_argument("--server-ports", help="ports whose listening processes are measured (default: --url's)")
    parser.add_argument("--screens", help="save a screenshot of every failed action in this directory")
    parser.add_argument("--kill-replica-at", type=float, help="SIGKILL replica a this many seconds in")
    parser.add_argument("--think", type=float, default=10.0, help="a person's pause between actions, s (x0.5-1.5)")
    parser.add_argument("--arrival", type=float, default=1.0, help="seconds between two people signing in")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit("Debian's chromium is missing: apt-get install -y chromium")

    engine = make_engine(args.db)
    server: subprocess.Popen[bytes] | None = None
    if args.url:
        base = args.url.rstrip("/")
        _wait_healthy(base, 30)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench-concurrency-"))
        _cli(args.db, "migrate")
        _cli(args.db, "seed-demo")
        server, base = _start_server(args.db, workdir)
        _log(f"started a portal at {base} (log: {workdir / 'server.log'})")
    ports = [int(p) for p in args.server_ports.split(",")] if args.server_ports else [urlsplit(base).port or 80]
    try:
        _ensure_pack(engine, args.db)
        workers = _workers(engine, args.n)
        supervisors = sorted({w.username for w in workers if w.role == "supervisor"})
        # At most two approvals a second each, plus a margin: nobody's queue runs dry during the run.
        added = _top_up(engine, supervisors, 2 * int(args.duration) + 20)
        if added:
            _log(f"queued {added} pending entries so no supervisor's queue runs dry")
        pending = _pending(engine, supervisors)
        monitor = ServerMonitor(ports)
        monitor.start()
        mix = Mix(base, time.monotonic() + 86400, args.action_timeout, pending, engine)
        mix.think_s = args.think
        if args.screens:
            mix.screens = Path(args.screens)
            mix.screens.mkdir(parents=True, exist_ok=True)
        kill: list[float] = []
        _log(f"{args.n} browser(s) for {args.duration:.0f} s against {base}: " + ", ".join(w.role for w in workers))
        asyncio.run(_run_browsers(base, workers, mix, args.duration, args.kill_replica_at, kill, args.arrival))
        resources = monitor.stop()
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()

    writes = _check_writes(engine, workers)
    engine.dispose()
    by_action: dict[str, list[Sample]] = defaultdict(list)
    for worker in workers:
        for sample in worker.samples:
            by_action[sample.action].append(sample)
    _log(f"{'action':<15}{'ok':>6}{'errors':>8}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    report: dict[str, Any] = {}
    for action, samples in sorted(by_action.items()):
        times = [s.seconds for s in samples if s.ok]
        errors = [s for s in samples if not s.ok]
        p50, p95 = _percentile(times, 0.5), _percentile(times, 0.95)
        _log(f"{action:<15}{len(times):>6}{len(errors):>8}{p50:>9.2f}{p95:>9.2f}{max(times or [0]):>9.2f}")
        report[action] = {"ok": len(times), "errors": len(errors), "p50_s": round(p50, 2), "p95_s": round(p95, 2)}
        for kind in sorted({e.error for e in errors}):
            _log(f"    {action} error {kind}: {sum(1 for e in errors if e.error == kind)}")
    slow = sorted(
        ((s, w) for w in workers for s in w.samples if s.ok and s.action != "sign_in"), key=lambda p: -p[0].seconds
    )[:8]
    if slow:  # when in the run the slowest actions were, and whose: a pattern (all at once?) shows here
        _log(
            "slowest: "
            + ", ".join(
                f"{s.action} {s.seconds:.1f} s at +{s.started - mix.started:.0f} s ({w.username})" for s, w in slow
            )
        )
    work = {a: v for a, v in report.items() if a != "sign_in"}
    result: dict[str, Any] = {
        "n": args.n,
        "duration_s": args.duration,
        "think_s": args.think,
        "arrival_s": args.arrival,
        "actions_per_min": round(sum(v["ok"] for v in work.values()) / (args.duration / 60), 1),
        "url": base,
        "p95_s": max((v["p95_s"] for v in work.values()), default=0.0),
        "errors": sum(v["errors"] for v in report.values()),
        "lost_writes": writes["lost"],
        "duplicated_writes": writes["duplicated"],
        "actions": report,
        "writes": writes,
        **resources,
        "signed_out": sum(w.signed_out for w in workers),
        "clicks_repeated": sum(w.repeated_clicks for w in workers),
        "resubmissions_refused_as_repeats": sum(w.repeats_refused for w in workers),
    }
    if kill:
        gaps = []
        for worker in workers:
            after = [s for s in worker.samples if s.ok and s.started >= kill[0]]
            if after:
                first = min(after, key=lambda s: s.started)
                gaps.append(first.started + first.seconds - kill[0])
        affected = [w for w in workers if any(not s.ok and s.started + s.seconds >= kill[0] for s in w.samples)]
        result["kill"] = {
            "at_s": args.kill_replica_at,
            "browsers_with_an_error": len(affected),
            "interruption_max_s": round(max(gaps or [0.0]), 1),
            "interruption_p50_s": round(statistics.median(gaps) if gaps else 0.0, 1),
        }
        _log(f"replica killed: {result['kill']}")
    _log(
        f"writes: {writes}; server CPU mean {resources['server_cpu_mean_pct']}% max {resources['server_cpu_max_pct']}%"
        f" of one core, RSS max {resources['server_rss_max_mb']} MB; browsers CPU mean"
        f" {resources['browsers_cpu_mean_pct']}%, this bench's process {resources['bench_process_cpu_mean_pct']}%; load average {resources['machine_load_mean']} on"
        f" {os.cpu_count()} cores; signed out again: {result['signed_out']}; clicks repeated:"
        f" {result['clicks_repeated']}; {result['actions_per_min']} actions/min"
    )
    _log(json.dumps(result))


if __name__ == "__main__":
    main()
