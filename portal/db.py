"""The web app's engine, session factory and first-start bootstrap."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.clock import utcnow
from core.config import Settings, get_settings
from core.db import make_engine, make_session_factory
from core.demo.seed import seed_demo
from core.migrate import upgrade_to_head

log = logging.getLogger(__name__)


def bootstrap(engine: Engine, settings: Settings) -> None:
    """Migrate an embedded database and load the demo data outside production."""
    if settings.is_sqlite or not settings.is_production:
        upgrade_to_head(engine)
    if not settings.is_production and settings.demo_seed:
        factory = make_session_factory(engine)
        with factory.begin() as session:
            report = seed_demo(session, password=settings.demo_password, now=utcnow())
        if report.created:
            log.info("demo data loaded: %s", report)


@st.cache_resource(show_spinner="Preparing the database…")
def get_engine() -> Engine:
    settings = get_settings()
    engine = make_engine(settings)
    bootstrap(engine, settings)
    return engine


@st.cache_resource(show_spinner="Preparing the database…")  # the first call waits for get_engine()
def get_session_factory() -> sessionmaker[Session]:
    return make_session_factory(get_engine())


@contextmanager
def session_scope() -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any exception."""
    with get_session_factory().begin() as session:
        yield session
