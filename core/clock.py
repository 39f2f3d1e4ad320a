"""The one place the edges read the wall clock (naive UTC, as stored)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Current time as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
