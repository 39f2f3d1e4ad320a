"""The action seam: every user write in the portal goes through `run` (or `run_with_progress`).

One call does what every page used to re-implement:
1. read the clock once (`now`) and open one transaction;
2. call the typed action `(session, now) -> result`;
3. on a domain error, show it once through `portal.errors` (nothing is committed);
4. after the commit, clear the loader domains the write makes stale (`portal.invalidation`);
5. keep a flash message for the next run, and rerun so every widget shows the committed state.

```python
if st.button("Return for changes", key="approvals.return"):
    actions.run(
        lambda session, now: approvals.return_entry(session, user, entry_id, comment=comment, now=now),
        affects=actions.Write.LOGBOOK_DECISION,
        done=lambda r: f"Entry #{r.id} returned; {r.trainee_name} has been notified.",
    )
```
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

import streamlit as st
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.errors import ConflictError
from portal import errors, state
from portal.db import session_scope
from portal.invalidation import Write, invalidate
from portal.widgets import plain

__all__ = ["Progress", "Write", "run", "run_outside", "run_with_progress"]

T = TypeVar("T")
Progress = Callable[[float, str], None]
Message = str | Callable[[T], str | None] | None
Kind = str | Callable[[T], str]
Rerun = bool | Callable[[T], bool]


class _Failed(Exception):
    """Raised inside `_transaction` to roll back after an error was already shown."""


def _message(done: Message[T], result: T) -> str | None:
    return done(result) if callable(done) else done


def _transaction(action: Callable[[Session, datetime], T], affects: Write | Iterable[Write]) -> tuple[bool, T | None]:
    def in_session(now: datetime) -> T:
        with session_scope() as session:
            return action(session, now)

    return _attempt(in_session, affects)


def _attempt(action: Callable[[datetime], T], affects: Write | Iterable[Write]) -> tuple[bool, T | None]:
    now = utcnow()
    try:
        result = action(now)
    except ConflictError as exc:
        # Someone else changed it meanwhile: show the message and the fresh state on the next run.
        invalidate(affects)
        errors.show_error(exc)
        return False, None
    except Exception as exc:  # noqa: BLE001 - the UI edge: every failure ends as a message (and is logged)
        errors.show_error(exc)
        return False, None
    invalidate(affects)
    return True, result


def run(
    action: Callable[[Session, datetime], T],
    *,
    affects: Write | Iterable[Write],
    done: Message[T] = None,
    kind: Kind[T] = "success",
    after: Callable[[T], None] | None = None,
    rerun: Rerun[T] = True,
) -> T | None:
    """Run one user write in one transaction; None when it failed (the error is already shown).

    Args:
        action: the write, `(session, now) -> result`; it must not commit.
        affects: the kind(s) of write, which decide the caches cleared after the commit.
        done: the success message (or a function of the result; None for no message), shown after the rerun as
            plain text (`widgets.plain`): pass the words as they should read, never Markdown or escaped text.
        kind: the flash style for `done` ("success", "info", "warning" or "error"), or a function of the result.
        after: runs after the commit and before the rerun (reset form keys, set URL parameters).
        rerun: False to stay in this run and let the page show the returned result (or a function of the
            result, e.g. rerun only when the write was accepted).
    """
    ok, result = _transaction(action, affects)
    if not ok:
        return None
    return _finish(result, done=done, kind=kind, after=after, rerun=rerun)  # type: ignore[arg-type]


def run_with_progress(
    action: Callable[[Session, datetime, Progress], T],
    *,
    label: str,
    affects: Write | Iterable[Write],
    done: Message[T] = None,
    succeeded: Callable[[T], bool] = lambda _: True,
    finished: Callable[[T], str] | None = None,
    kind: Kind[T] = "success",
    after: Callable[[T], None] | None = None,
    rerun: Rerun[T] = False,
) -> T | None:
    """Like `run`, for long work: a status box with a progress bar that the action reports into.

    The box ends labelled `finished(result)` (default: the label with ": done") when the result
    `succeeded`, and "…: problems found" otherwise; it stays open when the action raised, since the
    error is shown inside it.
    """
    with st.status(label, expanded=True) as status:
        bar = st.progress(0.0, text="Starting…")

        def progress(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        ok, result = _transaction(lambda session, now: action(session, now, progress), affects)
        good = ok and succeeded(result)  # type: ignore[arg-type]
        done_label = finished(result) if good and finished is not None else label.replace("…", ": done")  # type: ignore[arg-type]
        status.update(
            label=done_label if good else label.replace("…", ": problems found"),
            state="complete" if good else "error",
            expanded=not ok,
        )
    if not ok:
        return None
    return _finish(result, done=done, kind=kind, after=after, rerun=rerun)  # type: ignore[arg-type]


def run_outside(
    action: Callable[[datetime], T],
    *,
    affects: Write | Iterable[Write],
    done: Message[T] = None,
    kind: Kind[T] = "success",
    after: Callable[[T], None] | None = None,
    rerun: Rerun[T] = True,
) -> T | None:
    """Like `run`, for work that opens and commits its own transactions (a job started from the web is
    recorded like a scheduled run): the action gets only `now`. Errors, invalidation, message and rerun
    are handled as in `run`."""
    ok, result = _attempt(action, affects)
    if not ok:
        return None
    return _finish(result, done=done, kind=kind, after=after, rerun=rerun)  # type: ignore[arg-type]


def _finish(result: T, *, done: Message[T], kind: Kind[T], after: Callable[[T], None] | None, rerun: Rerun[T]) -> T:
    if after is not None:
        after(result)
    message = _message(done, result)
    again = rerun(result) if callable(rerun) else rerun
    if message:
        style = kind(result) if callable(kind) else kind
        if again:
            state.flash(message, style)  # the router shows it through plain() after the rerun
        else:
            getattr(st, style, st.success)(plain(message))  # it may name what a person typed, or quote an error
    if again:
        st.rerun()
    return result
