"""Chart text stays text (issue 14): Plotly reads legend entries, axis categories and hover lines as its own small
HTML, so names from people or files reach a figure only through portal.charts.chart_text."""

from __future__ import annotations

import pandas as pd

from portal import charts

NAME = "Dept <a href='https://evil.example/x'>x</a> & <b>co</b>"
SHOWN = "Dept &lt;a href='https://evil.example/x'&gt;x&lt;/a&gt; &amp; &lt;b&gt;co&lt;/b&gt;"


def test_department_names_reach_every_dashboard_chart_as_entities() -> None:
    months = pd.DataFrame({"Month": ["2026-10", "2026-11"], "Department": [NAME, NAME], "Entries": [3, 4]})
    assert {trace.name for trace in charts.entries_by_department(months).data} == {SHOWN}
    by_department = pd.DataFrame({"Department": [NAME], "Compliance %": [50.0]})
    assert list(charts.compliance_by_department(by_department, 50.0).data[0].y) == [SHOWN]
    grid = pd.DataFrame({"Department": [NAME], "Month": ["2026-11"], "Attendance %": [80.0]})
    assert list(charts.attendance_heatmap(grid).data[0].y) == [SHOWN]
    lines = pd.DataFrame({"Month": ["2026-11"], "Percent": [80.0], "Measure": [NAME]})
    assert {trace.name for trace in charts.monthly_line(lines, "Percent", colour="Measure").data} == {SHOWN}


def test_an_imported_session_label_shows_as_typed_in_the_calendar_hover() -> None:
    sessions = pd.DataFrame(
        {"session_date": pd.to_datetime(["2026-11-02"]), "session": ["<a href='https://evil.example'>AM</a>"],
         "status": ["late"]}
    )  # fmt: skip
    hover = [cell for row in charts.session_calendar(sessions).data[0].customdata for cell in row if cell]
    assert hover == ["<b>Mon 02 Nov 2026</b> · late<br>&lt;a href='https://evil.example'&gt;AM&lt;/a&gt;: late"]
