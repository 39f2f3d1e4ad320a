"""Shared drawing of logbook progress (issue 17): one trainee's bars, used by Progress, the trainee home and Logbook."""

from __future__ import annotations

import streamlit as st

from core.calendar import short_period
from core.dto import TraineeProgress
from portal.widgets import plain


def progress_bars(progress: TraineeProgress, *, heading: str | None = "Logbook progress this training year") -> None:
    """Progress bars per target with what is still needed, and the verdict."""
    if heading:
        st.subheader(heading)
    year = f"Training year {progress.training_year}" if progress.training_year else "No training year set"
    st.caption(
        f"{year} ({short_period(progress.window_start, progress.window_end)}, "
        f"{100 * progress.elapsed_share:.0f}% of it gone). Only approved entries count."
    )
    if progress.behind:
        st.error(f"Behind: {plain(progress.summary.removeprefix('behind: '))}", icon="⚠️")
    elif progress.targets:
        st.success("On track.", icon="✅")
    else:
        st.info(plain(progress.summary[:1].upper() + progress.summary[1:]) + ".", icon="ℹ️")
    for target in progress.targets:
        needed = "done" if target.still_needed == 0 else f"{target.still_needed} still needed"
        st.progress(
            target.share,
            text=f"{plain(target.label)}: {target.approved} of {target.minimum} approved ({needed})",
        )
