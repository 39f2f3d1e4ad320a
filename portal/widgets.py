"""Reusable widgets: downloads, empty states, URL-kept filters, safe text and in-portal links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import overload

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.clock import utcnow
from core.exports import to_csv_bytes, to_xlsx_bytes


def download_buttons(frame: pd.DataFrame, *, name: str, key: str, xlsx: bool = True) -> None:
    """CSV (and XLSX) downloads of a table, formula-safe."""
    columns = st.columns(2 if xlsx else 1, gap="small")
    columns[0].download_button(
        "⬇️ CSV",
        data=to_csv_bytes(frame),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}.csv",
        disabled=frame.empty,
        width="stretch",
    )
    if xlsx:
        columns[1].download_button(
            "⬇️ Excel",
            data=to_xlsx_bytes(frame, sheet_name=name),
            file_name=f"{name}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}.xlsx",
            disabled=frame.empty,
            width="stretch",
        )


_MARKDOWN_SPECIALS = frozenset("\\`*_[]<>#|~:$")  # enough to stop links, images, emphasis, HTML, colours and LaTeX


def plain(text: str | None) -> str:
    """Free text typed by a person, escaped so Markdown shows it as typed (no links, images, colours, LaTeX)."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in (text or ""))


def link_to(link: str | None, label: str, *, container: DeltaGenerator | None = None) -> bool:
    """A same-tab link to one of the portal's pages ("/approvals?entry=12"); draws nothing for any other link."""
    from portal.navigation import page_of, resolve_link  # here, not at the top: navigation imports every page

    target = resolve_link(link)
    if target is None:
        return False
    spec, params = target
    (container or st).page_link(page_of(spec), label=label, icon="➡️", query_params=params or None)
    return True


def empty_state(message: str, hint: str | None = None) -> None:
    """A friendly message instead of an empty table."""
    st.info(message + (f"\n\n{hint}" if hint else ""), icon="ℹ️")


def url_param(name: str, default: str | None = None) -> str | None:
    """A filter value kept in the URL (so views can be bookmarked and shared)."""
    value = st.query_params.get(name)
    return value if value not in (None, "") else default


def set_url_params(**values: object) -> None:
    """Write filter values to the URL; None or "" removes the parameter."""
    for name, value in values.items():
        if value in (None, "", []):
            if name in st.query_params:
                del st.query_params[name]
        else:
            text = value.isoformat() if isinstance(value, date) else str(value)
            if st.query_params.get(name) != text:
                st.query_params[name] = text


def url_date(name: str, default: date) -> date:
    """A date from the URL, falling back to `default` when missing or malformed."""
    raw = url_param(name)
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


@overload
def url_index(options: Sequence[object], name: str, default: int = 0) -> int: ...
@overload
def url_index(options: Sequence[object], name: str, default: None) -> int | None: ...
def url_index(options: Sequence[object], name: str, default: int | None = 0) -> int | None:
    """Where the URL parameter `name` sits among `options` (compared as text), for a picker's `index=`.

    `default` when the parameter is missing or names no option (a stale or tampered link).
    """
    texts = [str(option) for option in options]
    value = url_param(name)
    return texts.index(value) if value in texts else default


def seconds_since(moment: datetime) -> float:
    """Seconds from `moment` (naive UTC, as stored) to now: how long ago a heartbeat or run happened."""
    return (utcnow() - moment).total_seconds()
