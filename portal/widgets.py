"""Reusable widgets: downloads, empty states, URL-kept filters, safe text and in-portal links."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import overload

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.clock import today, utcnow
from core.dto import UserSummary
from core.exports import (
    ExportAbout,
    export_file_name,
    export_scope,
    human_header,
    present_frame,
    to_csv_bytes,
    to_xlsx_bytes,
)
from core.services import audit as audit_service


def download_buttons(
    frame: pd.DataFrame,
    *,
    name: str,
    key: str,
    xlsx: bool = True,
    period: str | None = None,
    scope: str | None = None,
    filters: dict[str, str] | None = None,
    title: str | None = None,
) -> None:
    """CSV (and XLSX) downloads of a table, formula-safe, built only when the user clicks.

    Both are presented as the page shows the table (core.exports.present_frame): words for headers and
    codes, no None or NaN, times to the minute in the programme's timezone.

    File names say what, which period, whose rows and when (`eligibility_2026-03_all-trainees_2026-04-02.csv`);
    the workbook's About sheet says the same, plus the filters, who made it and a content checksum.
    """
    from portal.auth import signed_in_user  # here: auth imports the session machinery the widgets need not

    user = signed_in_user()
    scope = scope or (export_scope(user.role, user.full_name) if user is not None else None)
    now = utcnow()
    about = ExportAbout(
        title=title or human_header(name.replace("-", "_")),
        generated_by=user.username if user is not None else "portal",
        generated_at=now,
        period=period or "—",
        scope=scope or "—",
        filters=filters or {},
    )
    day = today()
    columns = st.columns(2 if xlsx else 1, gap="small")
    # A callable is run only when the button is clicked (Streamlit 1.67 deferred downloads), so a
    # 100k-row workbook is not rebuilt on every rerun of the page.
    csv_name = export_file_name(name, "csv", day=day, period=period, scope=scope)
    xlsx_name = export_file_name(name, "xlsx", day=day, period=period, scope=scope)
    columns[0].download_button(
        "⬇️ CSV",
        data=audited_export(user, name, csv_name, len(frame), lambda: to_csv_bytes(present_frame(frame))),
        file_name=csv_name,
        mime="text/csv",
        key=f"{key}.csv",
        disabled=frame.empty,
        width="stretch",
        on_click="ignore",
    )
    if xlsx:
        columns[1].download_button(
            "⬇️ Excel",
            data=audited_export(
                user,
                name,
                xlsx_name,
                len(frame),
                lambda: to_xlsx_bytes(present_frame(frame, for_workbook=True), sheet_name=name, about=about),
            ),
            file_name=xlsx_name,
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"{key}.xlsx",
            disabled=frame.empty,
            width="stretch",
            on_click="ignore",
        )


def full_csv_download(build: Callable[[], pd.DataFrame], *, name: str, rows: int, key: str) -> None:
    """The CSV of every row of a capped list: read and built only when clicked, and audited like any export."""
    from portal.auth import signed_in_user

    user = signed_in_user()
    scope = export_scope(user.role, user.full_name) if user is not None else None
    file_name = export_file_name(name, "csv", day=today(), scope=scope)
    st.download_button(
        f"⬇️ All {rows:,} (CSV)",
        data=audited_export(user, name, file_name, rows, lambda: to_csv_bytes(present_frame(build()))),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
    )


def audited_export(
    user: UserSummary | None, table: str, file_name: str, rows: int, build: Callable[[], bytes]
) -> Callable[[], bytes]:
    """A download's content, built when clicked, and the export audited then (`table_exported`): who took which
    table, as which file, how many rows. Shown buttons audit nothing; a download by nobody signed in neither."""

    def content() -> bytes:
        data = build()
        if user is not None:
            from portal.db import session_scope  # here: the widgets need no database until a download

            with session_scope() as session:
                audit_service.record_export(session, user, table=table, file_name=file_name, rows=rows, now=utcnow())
        return data

    return content


# Every ASCII punctuation mark Markdown could act on: links, images, emphasis, HTML, colours, LaTeX, lists,
# headings, and the auto-links GFM makes of bare URLs ("www.", "https:") and e-mail addresses ("@", ".").
_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~:$@&=%")
_NO_LINK = "\u2060"  # WORD JOINER: zero width, not shown


def _starts_auto_link(text: str, i: int) -> bool:
    """True where GFM's auto-linker would start a link: "a@b" (e-mail), "x://" (a scheme), "www." (a host)."""
    ch = text[i]
    if ch == "@":
        return i > 0 and not text[i - 1].isspace()
    if ch == ":":
        return text.startswith("//", i + 1)
    if ch == ".":
        return text[max(0, i - 3) : i].lower() == "www"
    return False


def plain(text: str | None) -> str:
    """User-typed or imported text as plain text: THE one way such text reaches Markdown (st.markdown, st.write,
    captions, alerts, toasts, labels, the flash message). Each special character is backslash-escaped, so it shows
    as typed, and line breaks stay line breaks; nothing becomes a link, an image, HTML or a formatted span."""
    # GFM auto-links bare URLs and e-mail addresses after escapes are resolved, so escaping alone cannot stop
    # them: an invisible word joiner breaks "https://", "www." and "a@b" for the linker, and only there, so
    # ordinary sentences copy and search as typed.
    source = text or ""
    escaped = "".join(
        (_NO_LINK if _starts_auto_link(source, i) else "") + ("\\" + ch if ch in _MARKDOWN_SPECIALS else ch)
        for i, ch in enumerate(source)
    )
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def card_grid(count: int) -> list[DeltaGenerator]:
    """`count` cells for metric cards: all in one row on a wide screen, two per row on a phone.

    Streamlit stacks columns one under another at 640 px or less; pairs of cards are kept side by
    side there (inner columns with wrap=False) while the pairs stack.
    """
    sizes = [2] * (count // 2) + [1] * (count % 2)
    cells: list[DeltaGenerator] = []
    for outer, size in zip(st.columns(sizes) if sizes else [], sizes, strict=True):
        with outer:
            cells.extend(st.columns(size, wrap=False))
    return cells


def definitions(items: Sequence[tuple[str, str]], *, label: str = "ℹ️ What these figures mean") -> None:
    """Each figure's definition, shown on a tap or click (never only as a hover tooltip, which a phone lacks)."""
    with st.expander(label):
        for name, text in items:
            st.markdown(f"- **{plain(name)}**: {plain(text)}")


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
