"""The first start: migrate the database and load the demo data once, showing what happens (issue 18).

The first request of a fresh server starts `Startup` in a background thread (one per process, shared by
every browser session) and the router shows its progress at once, before it imports the pages: "Setting
up the portal for its first start. This happens once." Every session that arrives meanwhile sees the
same bar. When the database is ready the page carries on in the same run (the sign-in form). A start on a
database that is already set up passes straight through (migrations at head, demo data present).

This module imports only what the progress page needs; the database work imports its own modules in
the thread, so the first page is drawn while the heavy imports happen.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from core.config import Settings

log = logging.getLogger(__name__)
POLL_S = 0.2
QUIET_S = 0.4  # a start that is this quick shows nothing at all


@dataclass
class Startup:
    """One process's database start: migrate (embedded or non-production) and load the demo data."""

    settings: Settings
    step: str = "Starting"
    done_share: float = 0.0
    engine: Engine | None = None
    error: BaseException | None = None
    seeded: bool = False
    seconds: float | None = None
    _finished: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Startup:
        threading.Thread(target=self._run, name="portal-startup", daemon=True).start()
        return self

    def _tell(self, step: str, share: float) -> None:
        self.step, self.done_share = step, share

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            from core.clock import utcnow
            from core.db import make_engine, make_session_factory
            from core.demo.seed import is_seeded, seed_demo
            from core.migrate import upgrade_to_head

            settings = self.settings
            engine = make_engine(settings)
            if settings.is_sqlite or not settings.is_production:
                self._tell("Creating the database tables", 0.02)
                upgrade_to_head(engine)
            if not settings.is_production and settings.demo_seed:
                factory = make_session_factory(engine)
                with factory.begin() as session:
                    if not is_seeded(session):
                        report = seed_demo(session, password=settings.demo_password, now=utcnow(), progress=self._tell)
                        self.seeded = report.created
                        self._tell("Saving", 0.97)
                if self.seeded:
                    log.info("demo data loaded in %.1f s", time.perf_counter() - started)
            self.engine = engine
            self._tell("Ready", 1.0)
        except BaseException as exc:  # noqa: BLE001 - shown on the page; the next request tries again
            log.exception("the database could not be prepared")
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - started
            self._finished.set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)


@st.cache_resource(show_spinner=False)
def _startup() -> Startup:
    from core.config import get_settings

    return Startup(get_settings()).start()


def startup() -> Startup:
    """This process's start (begun by the first caller); a failed start is forgotten so the next one retries."""
    current = _startup()
    if current.finished and current.error is not None:
        _startup.clear()
    return current


def gate() -> None:
    """Hold this run until the database is ready, showing what happens; stop with the reason if it failed."""
    current = startup()
    if not current.wait(QUIET_S):
        shown = st.empty()
        with shown.container():
            st.title("🎓 Training Operations Portal")
            st.markdown(
                "**Setting up the portal for its first start.** This happens once: the database is created "
                "and a demo data set is loaded (150 trainees, 12 months of logbook and attendance)."
            )
            bar = st.progress(0.0, text=current.step + "…")
            while not current.wait(POLL_S):
                bar.progress(min(current.done_share, 1.0), text=current.step + "…")
        shown.empty()  # the page itself takes its place
    if current.error is not None:
        from portal.widgets import plain  # here: the progress page itself needs no pandas

        st.error("The database could not be prepared: " + plain(str(current.error)), icon="⛔")
        st.stop()


def engine() -> Engine:
    """The started engine (waits for the start); raises the start's error."""
    current = startup()
    current.wait()
    if current.error is not None or current.engine is None:
        raise RuntimeError("the database could not be prepared") from current.error
    return current.engine
