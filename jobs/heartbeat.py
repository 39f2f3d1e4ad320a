"""heartbeat: the sidecar's sign of life (every minute), read by /system and `python -m portal check`."""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from core.config import Settings, get_settings
from core.rules.values import SchedulerRole
from core.services.operations.jobs import record_heartbeat
from jobs.common import SessionFactory


def run_heartbeat(
    session_factory: SessionFactory,
    *,
    now: datetime,
    settings: Settings | None = None,
    instance: str | None = None,
    role: SchedulerRole = SchedulerRole.MANUAL,
    started_at: datetime | None = None,
    next_runs: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """Record a heartbeat; only a sidecar's own beats (role leader/standby) count for readiness."""
    settings = settings or get_settings()
    host = socket.gethostname()
    instance = instance or f"{role}:{host}:{os.getpid()}"
    with session_factory.begin() as session:
        record_heartbeat(
            session,
            instance=instance,
            host=host,
            pid=os.getpid(),
            role=role,
            started_at=started_at or now,
            now=now,
            timezone=settings.timezone,
            next_runs=next_runs,
        )
    return {"instance": instance, "role": role}
