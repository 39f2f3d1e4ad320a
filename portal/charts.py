"""Plotly figures for the dashboard and the eligibility calendar (pure: DataFrame in, figure out).

Plotly reads chart text (legend entries, axis categories, hover lines) as its own small HTML: a department
named "<a href=...>" would be drawn as a live link. Every name that comes from people or files (departments,
session labels) is passed through `chart_text`, the charts' counterpart of `portal.widgets.plain`.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.dto import TurnaroundSummary

HEIGHT = 340
P = ParamSpec("P")
_KEPT = 200
_figures: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def _content_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    digest = hashlib.sha256(name.encode())
    for value in (*args, *sorted(kwargs.items())):
        if isinstance(value, pd.DataFrame):
            digest.update(repr((list(value.columns), [str(t) for t in value.dtypes])).encode())
            digest.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
        else:
            digest.update(repr(value).encode())
    return digest.hexdigest()


def _cached(build: Callable[P, go.Figure]) -> Callable[P, go.Figure]:
    """Keep the figures of the same data: building one costs 0.1-0.3 s of plotly validation on every
    rerun of the dashboard, so a warm page switch only draws them. The key is the data itself (a content
    hash), so a kept figure is never stale and needs no invalidation (these are not reads); each use gets
    its own copy."""

    @functools.wraps(build)
    def kept(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        key = _content_key(build.__name__, args, kwargs)
        with _lock:
            stored = _figures.get(key)
            if stored is not None:
                _figures.move_to_end(key)
        if stored is None:
            stored = pickle.dumps(build(*args, **kwargs))
            with _lock:
                _figures[key] = stored
                while len(_figures) > _KEPT:
                    _figures.popitem(last=False)
        figure: go.Figure = pickle.loads(stored)  # noqa: S301 - our own figures, pickled in this process
        return figure

    return kept


AGE_COLOURS = ("#4c9f70", "#e0b040", "#e07b39", "#c0392b")
# Best to worst: a day with several sessions takes the colour of its worst one. Excused ranks below
# late because it counts as a session but not as attended (DESIGN.md §4.2).
STATUS_COLOURS = {"present": "#2e9e5b", "late": "#f2a73b", "excused": "#7b93b0", "absent": "#d64541"}
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def chart_text(values: pd.Series) -> pd.Series:
    """Names as plain text for Plotly: its markup characters become entities, which it shows as typed."""
    return values.astype("string").str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")


def _plain_columns(frame: pd.DataFrame, *columns: str | None) -> pd.DataFrame:
    shown = [c for c in columns if c is not None and c in frame.columns]
    return frame.assign(**{c: chart_text(frame[c]) for c in shown}) if shown else frame


def _tidy(fig: go.Figure, *, height: int = HEIGHT, legend: bool = True, top: int = 10) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
        showlegend=legend,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "title": None},
    )
    return fig


@_cached
def entries_by_department(frame: pd.DataFrame) -> go.Figure:
    """Stacked monthly bars, one colour per department."""
    fig = px.bar(_plain_columns(frame, "Department"), x="Month", y="Entries", color="Department")
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title="Entries (drafts excluded)")
    return _tidy(fig)


@_cached
def compliance_by_department(frame: pd.DataFrame, overall: float | None) -> go.Figure:
    """Horizontal bars per department with the pooled overall figure as a dashed line."""
    rows = _plain_columns(frame.sort_values("Department", ascending=False), "Department")
    text = [("–" if pd.isna(v) else f"{v:.2f}%") for v in rows["Compliance %"]]
    fig = go.Figure(
        go.Bar(
            x=rows["Compliance %"].fillna(0),
            y=rows["Department"],
            orientation="h",
            text=text,
            textposition="auto",
            marker_color="#1f6f8b",
            hovertemplate="%{y}: %{text}<extra></extra>",
        )
    )
    if overall is not None:
        fig.add_vline(
            x=overall,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text=f"overall {overall:.2f}%",
            annotation_position="top",
        )
    fig.update_xaxes(range=[0, 105], title="Approved / submitted (%)")
    return _tidy(fig, height=max(200, 44 * len(rows) + 100), legend=False, top=30)


@_cached
def monthly_line(frame: pd.DataFrame, y: str, *, colour: str | None = None, percent: bool = True) -> go.Figure:
    """One line over the months (gaps where there is nothing to divide)."""
    fig = px.line(_plain_columns(frame, colour), x="Month", y=y, color=colour, markers=True)
    fig.update_xaxes(type="category", title=None)
    if percent:
        fig.update_yaxes(range=[0, 105], title=y)
    return _tidy(fig, legend=colour is not None)


def turnaround_histogram(summary: TurnaroundSummary) -> go.Figure:
    """Decisions by whole days from submission, with the median marked."""
    frame = pd.DataFrame(summary.histogram, columns=["Days", "Decisions"])
    fig = px.bar(frame, x="Days", y="Decisions")
    fig.update_traces(marker_color="#1f6f8b")
    if summary.median_days is not None:
        fig.add_vline(
            x=summary.median_days,
            line_dash="dash",
            line_color="#c0392b",
            annotation_text=f"median {summary.median_days:g} d",
            annotation_position="top",
        )
    fig.update_xaxes(title="Days from submission to decision", dtick=1)
    return _tidy(fig, legend=False, top=30)


@_cached
def ageing(frame: pd.DataFrame) -> go.Figure:
    """What is waiting now, by age bucket (green to red)."""
    fig = go.Figure(
        go.Bar(
            x=frame["Waiting"],
            y=frame["Entries"],
            marker_color=list(AGE_COLOURS),
            text=frame["Entries"],
            textposition="auto",
        )
    )
    fig.update_yaxes(title="Pending entries")
    return _tidy(fig, legend=False)


@_cached
def attendance_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Attendance % per department (rows) and month (columns)."""
    grid = (
        _plain_columns(frame, "Department")
        .pivot(index="Department", columns="Month", values="Attendance %")
        .sort_index(ascending=False)
    )
    text = grid.map(lambda v: "–" if pd.isna(v) else f"{v:.1f}")
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=list(grid.columns),
            y=list(grid.index),
            text=text.to_numpy(),
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmin=50,
            zmax=100,
            colorbar={"title": "%"},
            hovertemplate="%{y}, %{x}: %{text}%<extra></extra>",
        )
    )
    fig.update_xaxes(type="category")
    return _tidy(fig, height=max(HEIGHT, 34 * len(grid) + 90), legend=False)


def session_calendar(sessions: pd.DataFrame) -> go.Figure:
    """A trainee's sessions as weeks × weekdays, each day coloured by its worst status, every session in the hover.

    z holds the status's index in STATUS_COLOURS (None: no session that day), text its initial and customdata
    the hover lines; all three are plain lists so the figure's JSON stays readable.
    """
    statuses = list(STATUS_COLOURS)
    frame = sessions.assign(
        rank=sessions["status"].map(statuses.index), line=chart_text(sessions["session"]) + ": " + sessions["status"]
    )
    days = frame.groupby("session_date").agg(rank=("rank", "max"), lines=("line", "<br>".join)).reset_index()
    days["status"] = [statuses[int(rank)] for rank in days["rank"]]
    days["initial"] = days["status"].str[0].str.upper()
    days["hover"] = days["session_date"].dt.strftime("<b>%a %d %b %Y</b> · ") + days["status"] + "<br>" + days["lines"]
    monday = days["session_date"] - pd.to_timedelta(days["session_date"].dt.day_of_week, unit="D")
    days["week"], days["weekday"] = monday.dt.strftime("%d %b %Y"), days["session_date"].dt.day_of_week
    weeks = days.assign(order=monday).drop_duplicates("week").sort_values("order")["week"].tolist()

    def cells(column: str, empty: object = None) -> list[list[object]]:
        grid = days.pivot(index="weekday", columns="week", values=column).reindex(index=range(7), columns=weeks)
        return [[empty if pd.isna(v) else v for v in row] for row in grid.astype(object).to_numpy().tolist()]

    steps = len(statuses)
    colorscale = [[(i + edge) / steps, colour] for i, colour in enumerate(STATUS_COLOURS.values()) for edge in (0, 1)]
    fig = go.Figure(
        go.Heatmap(
            z=cells("rank"),
            x=weeks,
            y=list(WEEKDAYS),
            text=cells("initial", ""),
            customdata=cells("hover", ""),
            texttemplate="%{text}",
            textfont={"color": "#1f2328", "size": 12},
            hovertemplate="%{customdata}<extra></extra>",
            zmin=-0.5,
            zmax=steps - 0.5,
            colorscale=colorscale,
            showscale=False,
            xgap=3,
            ygap=3,
            hoverongaps=False,
        )
    )
    for status, colour in STATUS_COLOURS.items():
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=status.capitalize(),
                hoverinfo="skip",
                marker={"symbol": "square", "size": 14, "color": colour},
            )
        )
    fig.update_xaxes(type="category", title="Week starting (Monday)")
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_layout(
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "x": 0,
            "title": {"text": "Each day shows its worst session:"},
        },
        plot_bgcolor="rgba(0,0,0,0)",
        height=330,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return fig
