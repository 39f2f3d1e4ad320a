"""Lock release (issue 14, item 7): an importer that is killed or hangs while holding the attendance
import lock loses it within 10 s, and the next import proceeds (PostgreSQL: the lock is an advisory lock)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import Engine, func, select, text

from core.db import make_session_factory
from core.repositories.attendance import IMPORT_LOCK_KEY, lock_imports

HOLDER = """
import sys, time
from core.db import make_engine, make_session_factory
from core.repositories.attendance import lock_imports
factory = make_session_factory(make_engine(sys.argv[1]))
with factory.begin() as session:
    lock_imports(session)  # what every import, undo and correction does first
    print("locked", flush=True)
    time.sleep(600)
"""


def _start_holder(engine: Engine) -> subprocess.Popen[str]:
    url = engine.url.render_as_string(hide_password=False)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url], stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _import_lock_is_free(engine: Engine) -> bool:
    with make_session_factory(engine).begin() as session:
        return bool(session.scalar(select(func.pg_try_advisory_xact_lock(IMPORT_LOCK_KEY))))


def _seconds_until_next_import_locks(engine: Engine) -> float:
    factory = make_session_factory(engine)
    started = time.monotonic()
    with factory.begin() as session:
        session.execute(text("SET LOCAL lock_timeout = '30s'"))  # without the guards: fail, do not hang
        lock_imports(session)
    return time.monotonic() - started


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["killed", "frozen"])
def test_a_dead_or_frozen_importer_loses_the_import_lock_within_ten_seconds(committed_engine: Engine, how: str) -> None:
    if committed_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no advisory locks")
    holder = _start_holder(committed_engine)
    try:
        # Checked before the signal: a SIGKILLed holder's socket closes at once, and PostgreSQL may
        # free the lock before any check after the signal could see it held.
        assert not _import_lock_is_free(committed_engine)
        # killed: SIGKILL mid-import; frozen: the process (and its socket) stays but never speaks again
        holder.send_signal(signal.SIGKILL if how == "killed" else signal.SIGSTOP)
        waited = _seconds_until_next_import_locks(committed_engine)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    print(f"{how}: the next import took the lock after {waited:.1f} s")
    assert waited < 10.5
