"""Helpers shared by the training services (not part of the package's public API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.rules.progress import compute_training_year_window
from core.services.settings import get_setting


@dataclass(frozen=True)
class ProgressSettings:
    last_year: int
    start_month: int
    checkpoint: float  # fraction of the year
    behind_share: float  # fraction of a target

    def window(self, today: date) -> tuple[date, date]:
        """The programme's training year containing `today`."""
        return compute_training_year_window(today, self.start_month)


def progress_settings(session: Session) -> ProgressSettings:
    """The training-year and 'behind' settings, read once."""
    keys = (
        "training_years",
        "training_year_start_month",
        "progress_checkpoint_percent",
        "progress_behind_share_percent",
    )
    values = {key: get_setting(session, key) for key in keys}
    return ProgressSettings(
        last_year=int(values["training_years"]),
        start_month=int(values["training_year_start_month"]),
        checkpoint=float(values["progress_checkpoint_percent"]) / 100,
        behind_share=float(values["progress_behind_share_percent"]) / 100,
    )


def clean_cohort(cohort: str | None) -> str | None:
    """A cohort label as stored: trimmed, inner spaces collapsed, None when empty."""
    text = " ".join((cohort or "").split())
    return text or None
