"""Show domain errors to the user once; log anything unexpected with its traceback.

A domain message may quote what a person typed (a mistyped e-mail address, a file or column name), so it is
shown as plain text, like every other value that reaches Markdown (`portal.widgets.plain`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from core.errors import ConflictError, DomainError, InvalidInputError, NotFoundError, PermissionDeniedError
from portal.widgets import plain

log = logging.getLogger("portal")


def show_error(exc: BaseException) -> None:
    """Render an exception as a message a person can act on (never a traceback)."""
    if isinstance(exc, InvalidInputError):
        st.error(plain(exc.message))
        if exc.errors:
            with st.expander(f"Details ({len(exc.errors)})", expanded=len(exc.errors) <= 10):
                st.code("\n".join(exc.errors[:500]), language=None)
    elif isinstance(exc, ConflictError | NotFoundError):
        st.warning(plain(exc.message))
    elif isinstance(exc, PermissionDeniedError | DomainError):
        st.error(plain(exc.message))
    else:
        log.exception("unexpected error", exc_info=exc)
        st.error(
            "Something went wrong and nothing was saved. The error has been logged; please try again or contact the programme office."
        )


@contextmanager
def handled() -> Iterator[None]:
    """Wrap one user action: domain errors become messages, others are logged and shown politely."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the UI edge: every failure ends as a message
        show_error(exc)
