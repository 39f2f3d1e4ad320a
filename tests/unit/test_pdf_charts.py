"""The pack's trend charts: a month without data is a gap, the axis holds every value, the legend sits below."""

from __future__ import annotations

import pandas as pd
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, Group, String

from core.pdf.charts import Trend, segments, trend_chart, trend_series, value_range


def _frame(values: dict[str, list[float | None]]) -> pd.DataFrame:
    months = ["2026-08", "2026-09", "2026-10", "2026-11"]
    rows = [(m, d, v) for d, series in values.items() for m, v in zip(months, series, strict=True)]
    return pd.DataFrame(rows, columns=["month", "department", "value"])


def test_a_month_without_data_stays_missing_and_is_never_summed_to_zero() -> None:
    months, departments, values = trend_series(_frame({"Surgery": [80.0, None, 70.0, None]}))
    assert months == ["2026-08", "2026-09", "2026-10", "2026-11"] and departments == ["Surgery"]
    assert values == [[80.0, None, 70.0, None]]


def test_a_gap_splits_the_line_into_separate_runs() -> None:
    assert segments([80.0, None, 70.0, 75.0, None]) == [[80.0, None, None, None, None], [None, None, 70.0, 75.0, None]]
    assert segments([None, None]) == []


def test_the_value_axis_holds_every_value() -> None:
    assert value_range([3.0, 62.5, 99.0], "%") == (0.0, 100.0, 10.0)
    low, high, _ = value_range([56.0, 91.0], "%")
    assert low <= 56.0 and high >= 91.0 and low == 50.0
    low, high, step = value_range([0.0, 37.0], "count")
    assert low == 0.0 and high >= 37.0 and high % step == 0


def _chart(drawing: Drawing) -> HorizontalLineChart:
    return next(c for c in drawing.contents if isinstance(c, HorizontalLineChart))


def _strings(node: object) -> list[String]:
    if isinstance(node, String):
        return [node]
    if isinstance(node, Group):
        return [s for child in node.contents for s in _strings(child)]
    return []


def test_the_chart_plots_no_zero_for_the_partial_month_and_marks_it() -> None:
    trend = Trend("Attendance %", _frame({"Surgery": [80.0, 60.0, 70.0, None]}), "%", partial_month="2026-11")
    drawing = trend_chart(trend, 480)
    chart = _chart(drawing)
    plotted = [v for row in chart.data for v in row if v is not None]
    assert 0.0 not in plotted and sorted(plotted) == [60.0, 70.0, 80.0]
    assert chart.categoryAxis.categoryNames[-1].endswith("*")
    assert any("still in progress" in s.text for s in _strings(drawing))


def test_the_legend_lies_below_the_plot_however_many_departments() -> None:
    names = {f"Department {i}": [50.0 + i, 60.0, None, 70.0] for i in range(10)}
    drawing = trend_chart(Trend("Attendance %", _frame(names), "%"), 480)
    chart = _chart(drawing)
    legend = [s for child in drawing.contents if not isinstance(child, HorizontalLineChart) for s in _strings(child)]
    names_drawn = [s for s in legend if s.text.startswith("Department")]
    assert len(names_drawn) == 10
    assert all(0 <= s.y < chart.y - 10 for s in names_drawn)  # under the axis labels, inside the drawing


def test_a_zero_count_in_the_month_in_progress_is_no_data_yet_not_a_fall_to_zero() -> None:
    frame = _frame({"Surgery": [96.0, 90.0, 88.0, 0.0], "Medicine": [80.0, 85.0, 82.0, 3.0]})
    chart = _chart(trend_chart(Trend("Entries", frame, "count", partial_month="2026-11"), 480))
    plotted = [v for row in chart.data for v in row if v is not None]
    assert 0.0 not in plotted and 3.0 in plotted  # Medicine's 3 entries so far are shown; Surgery's 0 is a gap


def test_the_month_in_progress_is_a_lone_point_never_joined_to_the_line() -> None:
    frame = _frame({"Surgery": [96.0, 90.0, 88.0, 4.0]})
    chart = _chart(trend_chart(Trend("Entries", frame, "count", partial_month="2026-11"), 480))
    assert [list(row) for row in chart.data] == [[96.0, 90.0, 88.0, None], [None, None, None, 4.0]]
