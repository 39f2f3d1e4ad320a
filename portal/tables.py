"""Every table a page shows goes through `show`: people read words, names and minutes, never codes (issue 18).

`show` is `st.dataframe` with the frame passed through `core.exports.present_frame` first: snake_case
headers become words ("registration_number" -> "Registration number"), codes become words
("attendance_import_refused" -> "Attendance import refused"), a missing value is an empty cell (never
`None`, `nan` or `NaT`), and times are shown to the minute in the programme's timezone. Headers a page
already wrote for people ("case date", "Attendance %") are kept. A `column_config` keyed by the page's own
column names still applies. The downloads (portal.widgets.download_buttons) present the frame the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from core.exports import present_frame, shown_header


def presented(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as `show` draws it."""
    return present_frame(frame)


def _rekeyed(frame: pd.DataFrame, config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A column_config keyed by the page's column names, re-keyed by the headers `show` draws."""
    if not config:
        return None
    names = {str(c): shown_header(c) for c in frame.columns}
    return {names.get(str(k), str(k)): v for k, v in config.items()}


def show(frame: pd.DataFrame | Styler, *, column_config: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """`st.dataframe(frame, ...)` for people (see the module's docstring); returns what st.dataframe returns.

    A Styler is drawn with its data presented (its styles are computed when it is drawn, from those values).
    """
    kwargs.setdefault("hide_index", True)
    if isinstance(frame, Styler):
        data: pd.DataFrame = frame.data  # type: ignore[attr-defined]  # pandas-stubs leave out Styler.data
        config = _rekeyed(data, column_config)
        frame.data = presented(data)  # type: ignore[attr-defined]
        return st.dataframe(frame, column_config=config, **kwargs)
    config = _rekeyed(frame, column_config)
    return st.dataframe(presented(frame), column_config=config, **kwargs)
