"""Results analytics (issue 17): score distribution per assessment, pass rate and mean by department.

Read from the same scoped results frame as every results view (published and frozen results only, so a
draft never shows in a figure); a supervisor's figures cover their trainees only. Pooled figures are
Σ passed / Σ results and the mean of the percentages of those results, never a mean of departments' rates.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.rules.values import ResultState, Role
from core.services.access import authorize
from core.services.results.assessments import results_frame

BANDS = (0, 40, 50, 60, 70, 80, 100.01)
BAND_LABELS = ("under 40%", "40-49%", "50-59%", "60-69%", "70-79%", "80% and over")
DEPARTMENT_COLUMNS = ["department", "results", "passed", "pass_rate_pct", "mean_pct"]


def _published(
    session: Session,
    actor: UserSummary,
    department: str | None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """Published and frozen results in the viewer's scope, narrowed (never widened) by the filters given."""
    frame = results_frame(session, actor)
    if frame.empty:
        return frame
    frame = frame[frame["state"].isin([ResultState.PUBLISHED, ResultState.FROZEN])]
    if department is not None:
        frame = frame[frame["department"] == department]
    if training_year is not None:
        frame = frame[frame["training_year"] == training_year]
    if cohort is not None:
        frame = frame[frame["cohort"] == cohort]
    return frame


def results_by_department(
    session: Session,
    actor: UserSummary,
    *,
    department: str | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """Published results per department: count, passed, pass rate % and mean % (with an OVERALL row)."""
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.LEADERSHIP)
    frame = _published(session, actor, department, training_year, cohort)
    if frame.empty:
        return pd.DataFrame(columns=DEPARTMENT_COLUMNS)
    passed = frame["result"].str.startswith("pass")
    frame = frame.assign(passed=passed.astype(int))
    rows = [_department_row(str(name), part) for name, part in frame.groupby("department", sort=True)] + [
        _department_row("OVERALL", frame)
    ]
    return pd.DataFrame(rows, columns=DEPARTMENT_COLUMNS)


def _department_row(name: str, part: pd.DataFrame) -> dict[str, object]:
    results, passed = len(part), int(part["passed"].sum())
    return {
        "department": name,
        "results": results,
        "passed": passed,
        "pass_rate_pct": round(100 * passed / results, 2) if results else 0.0,
        "mean_pct": round(float(part["percentage"].mean()), 2) if results else 0.0,
    }


def score_distribution(
    session: Session,
    actor: UserSummary,
    *,
    department: str | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> pd.DataFrame:
    """Published results per assessment by score band (percentage of the maximum)."""
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.LEADERSHIP)
    frame = _published(session, actor, department, training_year, cohort)
    columns = ["assessment", "department", "results", *BAND_LABELS]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    banded = pd.cut(frame["percentage"].astype(float), bins=list(BANDS), labels=list(BAND_LABELS), right=False)
    table = (
        frame.assign(band=banded)
        .groupby(["assessment", "department", "band"], observed=False, sort=True)
        .size()
        .unstack("band", fill_value=0)
        .reset_index()
    )
    table = table[table[list(BAND_LABELS)].sum(axis=1) > 0]
    table.insert(2, "results", table[list(BAND_LABELS)].sum(axis=1))
    return table[columns].reset_index(drop=True)
