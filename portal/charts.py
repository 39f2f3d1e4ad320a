"""Plotly figures for the dashboard (pure: DataFrame in, figure out)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from core.dto import TurnaroundSummary

HEIGHT = 340
AGE_COLOURS = ("#4c9f70", "#e0b040", "#e07b39", "#c0392b")


def _tidy(fig: go.Figure, *, height: int = HEIGHT, legend: bool = True, top: int = 10) -> go.Figure:
    fig.update_layout(
        height=height, margin={"l": 10, "r": 10, "t": top, "b": 10}, showlegend=legend,
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "title": None},
    )
    return fig


def entries_by_department(frame: pd.DataFrame) -> go.Figure:
    """Stacked monthly bars, one colour per department."""
    fig = px.bar(frame, x="Month", y="Entries", color="Department")
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title="Entries (drafts excluded)")
    return _tidy(fig)


def compliance_by_department(frame: pd.DataFrame, overall: float | None) -> go.Figure:
    """Horizontal bars per department with the pooled overall figure as a dashed line."""
    rows = frame.sort_values("Department", ascending=False)
    text = [("–" if pd.isna(v) else f"{v:.2f}%") for v in rows["Compliance %"]]
    fig = go.Figure(go.Bar(x=rows["Compliance %"].fillna(0), y=rows["Department"], orientation="h",
                           text=text, textposition="auto", marker_color="#1f6f8b",
                           hovertemplate="%{y}: %{text}<extra></extra>"))
    if overall is not None:
        fig.add_vline(x=overall, line_dash="dash", line_color="#c0392b",
                      annotation_text=f"overall {overall:.2f}%", annotation_position="top")
    fig.update_xaxes(range=[0, 105], title="Verified / submitted (%)")
    return _tidy(fig, height=max(200, 44 * len(rows) + 100), legend=False, top=30)


def monthly_line(frame: pd.DataFrame, y: str, *, colour: str | None = None, percent: bool = True) -> go.Figure:
    """One line over the months (gaps where there is nothing to divide)."""
    fig = px.line(frame, x="Month", y=y, color=colour, markers=True)
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
        fig.add_vline(x=summary.median_days, line_dash="dash", line_color="#c0392b",
                      annotation_text=f"median {summary.median_days:g} d", annotation_position="top")
    fig.update_xaxes(title="Days from submission to decision", dtick=1)
    return _tidy(fig, legend=False, top=30)


def ageing(frame: pd.DataFrame) -> go.Figure:
    """What is waiting now, by age bucket (green to red)."""
    fig = go.Figure(go.Bar(x=frame["Waiting"], y=frame["Entries"], marker_color=list(AGE_COLOURS),
                           text=frame["Entries"], textposition="auto"))
    fig.update_yaxes(title="Pending entries")
    return _tidy(fig, legend=False)


def attendance_heatmap(frame: pd.DataFrame) -> go.Figure:
    """Attendance % per department (rows) and month (columns)."""
    grid = frame.pivot(index="Department", columns="Month", values="Attendance %").sort_index(ascending=False)
    text = grid.map(lambda v: "–" if pd.isna(v) else f"{v:.1f}")
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy(), x=list(grid.columns), y=list(grid.index), text=text.to_numpy(), texttemplate="%{text}",
        colorscale="RdYlGn", zmin=50, zmax=100, colorbar={"title": "%"},
        hovertemplate="%{y}, %{x}: %{text}%<extra></extra>",
    ))
    fig.update_xaxes(type="category")
    return _tidy(fig, height=max(HEIGHT, 34 * len(grid) + 90), legend=False)
