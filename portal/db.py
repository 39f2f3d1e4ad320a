"""The web app's engine and session factory (the first start itself: portal.startup)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_session_factory
from portal import startup


def get_engine() -> Engine:
    """The process's engine, once the first start (migrations, demo data: portal.startup) is done."""
    return startup.engine()


@st.cache_resource(show_spinner=False)  # the router's startup gate has shown the first start's progress
def get_session_factory() -> sessionmaker[Session]:
    return make_session_factory(get_engine())


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    with get_session_factory().begin() as session:
        yield session
