"""Demo data for the dashboards: back-date the demo people so the trend charts have a history."""

from __future__ import annotations

import random
from datetime import date, datetime, time

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.models import User


def seed_dashboards_demo(session: Session, rng: random.Random, now: datetime) -> None:
    """Demo data: the demo people joined when the demo history starts, not at seeding time."""
    del rng
    joined = datetime.combine(date(now.year - 1, now.month, 1), time(9))
    session.execute(update(User).where(User.created_at > joined).values(created_at=joined))
