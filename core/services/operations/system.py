"""Readiness: is the database reachable and at the newest schema?"""

from __future__ import annotations

from sqlalchemy import Engine, text

from core.dto import SystemStatus
from core.migrate import current_revision, head_revision


def check_database(engine: Engine) -> SystemStatus:
    """Report reachability and migration state without changing anything."""
    url = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - readiness reports any failure as "not ready"
        return SystemStatus(False, url, None, head, f"database unreachable: {exc.__class__.__name__}: {exc}")
    if current != head:
        return SystemStatus(
            True, url, current, head, f"schema at {current or 'empty'}, head is {head}: run `python -m portal migrate`"
        )
    return SystemStatus(True, url, current, head, f"database reachable, schema at head ({head})")
