"""Logbook progress against the training-year targets: one trainee's, a scoped list with who is
behind, and the share on track by department and training year.

Counts come from the title roll-up (`rollup_logbook_titles`, kept current by every logbook write in
`core.services.dashboards.rollups`), summed over the months of the programme's current training year.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from core.dto import TargetItem, TraineeProgress, UserSummary
from core.errors import NotFoundError
from core.repositories import training as repo
from core.rules.access import ALL_ROLES
from core.rules.progress import (
    Requirement,
    compute_applicable_requirements,
    compute_elapsed_share,
    compute_target_progress,
    compute_title_key,
    compute_verdict,
)
from core.rules.values import Role
from core.services.access import authorize
from core.services.training._common import ProgressSettings, progress_settings
from core.services.training.requirements import load_rule_requirements

ON_TRACK_COLUMNS = ["department", "training_year", "trainees", "on_track", "behind", "on_track_pct"]


def get_my_progress(session: Session, actor: UserSummary, *, today: date) -> TraineeProgress:
    """The acting trainee's own progress this training year.

    Raises:
        PermissionDeniedError: the actor is not an active trainee.
    """
    authorize(session, actor, Role.TRAINEE)
    assert actor.id is not None
    return get_trainee_progress(session, actor, trainee_id=actor.id, today=today)


def get_trainee_progress(
    session: Session,
    actor: UserSummary,
    *,
    trainee_id: int,
    today: date,
    training_year: int | None = None,
    window: tuple[date, date] | None = None,
) -> TraineeProgress:
    """One trainee's progress (in scope), this training year or in a given year's window.

    Raises:
        NotFoundError: no such trainee in the actor's scope.
    """
    authorize(session, actor, *ALL_ROLES)
    rows = repo.list_trainee_rows(session, actor.scope, trainee_id=trainee_id)
    if not rows:
        raise NotFoundError("No such trainee.")
    settings = progress_settings(session)
    start, end = window or settings.window(today)
    return _progress(session, rows, settings, start=start, end=end, today=today, year=training_year)[0]


def list_progress(
    session: Session,
    actor: UserSummary,
    *,
    today: date,
    department_id: int | None = None,
    training_year: int | None = None,
    cohort: str | None = None,
) -> list[TraineeProgress]:
    """Progress of every active trainee the actor may see this training year (behind first, then by name)."""
    authorize(session, actor, Role.ADMIN, Role.SUPERVISOR, Role.LEADERSHIP)
    rows = repo.list_trainee_rows(
        session, actor.scope, department_id=department_id, training_year=training_year, cohort=cohort
    )
    settings = progress_settings(session)
    start, end = settings.window(today)
    everyone = actor.role != Role.SUPERVISOR and department_id is None and training_year is None and cohort is None
    found = _progress(session, rows, settings, start=start, end=end, today=today, all_trainees=everyone)
    return sorted(found, key=lambda p: (not p.behind, p.trainee_name))


def progress_frame(progress: Sequence[TraineeProgress]) -> pd.DataFrame:
    """One row per trainee and target (for tables and downloads)."""
    rows: list[dict[str, Any]] = []
    for p in progress:
        base = {
            "trainee_id": p.registration_number or "",
            "trainee": p.trainee_name,
            "department": p.department_name,
            "supervisor": p.supervisor_name,
            "training_year": p.training_year,
            "cohort": p.cohort or "",
            "status": "behind" if p.behind else "on track",
        }
        if not p.targets:
            rows.append(
                {**base, "target": "", "approved": None, "minimum": None, "still_needed": None, "summary": p.summary}
            )
        for t in p.targets:
            rows.append(
                {
                    **base,
                    "target": t.label,
                    "approved": t.approved,
                    "minimum": t.minimum,
                    "still_needed": t.still_needed,
                    "summary": p.summary,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "trainee_id",
            "trainee",
            "department",
            "supervisor",
            "training_year",
            "cohort",
            "status",
            "target",
            "approved",
            "minimum",
            "still_needed",
            "summary",
        ],
    )


def on_track_frame(progress: Sequence[TraineeProgress]) -> pd.DataFrame:
    """Share of trainees on track by department and training year (trainees with targets only)."""
    counted: dict[tuple[str, int], list[int]] = {}
    for p in progress:
        if p.training_year is None or not p.targets:
            continue
        tally = counted.setdefault((p.department_name, p.training_year), [0, 0])
        tally[0 if not p.behind else 1] += 1
    rows = [
        {
            "department": department,
            "training_year": year,
            "trainees": on + behind,
            "on_track": on,
            "behind": behind,
            "on_track_pct": round(100 * on / (on + behind), 2),
        }
        for (department, year), (on, behind) in sorted(counted.items())
    ]
    return pd.DataFrame(rows, columns=ON_TRACK_COLUMNS)


def _progress(
    session: Session,
    rows: Sequence[Any],
    settings: ProgressSettings,
    *,
    start: date,
    end: date,
    today: date,
    year: int | None = None,
    all_trainees: bool = False,
) -> list[TraineeProgress]:
    requirements = load_rule_requirements(session)
    ids = None if all_trainees else [int(r[0]) for r in rows]
    if ids == []:
        return []
    by_category = {
        (int(t), str(c)): int(n) for t, c, n in repo.count_approved_by_category(session, ids, start=start, end=end)
    }
    keys = [compute_title_key(r.title) for r in requirements if r.title]
    by_title = {
        (int(t), str(c), str(k)): int(n)
        for t, c, k, n in repo.count_approved_by_title(session, ids, keys, start=start, end=end)
    }
    elapsed = compute_elapsed_share(start, end, today)
    return [
        _one(row, requirements, by_category, by_title, settings, start=start, end=end, elapsed=elapsed, year=year)
        for row in rows
    ]


def _one(
    row: Any,
    requirements: list[Requirement],
    by_category: dict[tuple[int, str], int],
    by_title: dict[tuple[int, str, str], int],
    settings: ProgressSettings,
    *,
    start: date,
    end: date,
    elapsed: float,
    year: int | None,
) -> TraineeProgress:
    trainee_id, name, reg, department_id, department, supervisor, current_year, cohort = row
    training_year = year if year is not None else current_year
    measured = []
    for requirement in compute_applicable_requirements(
        requirements, training_year=training_year, department_id=department_id
    ):
        category = requirement.category.lower()
        if requirement.title:
            approved = by_title.get((trainee_id, category, compute_title_key(requirement.title)), 0)
        else:
            approved = by_category.get((trainee_id, category), 0)
        measured.append(
            (requirement, compute_target_progress(requirement, approved, behind_share=settings.behind_share))
        )
    targets = [
        TargetItem(
            label=t.label,
            category=r.category,
            title=r.title,
            minimum=t.minimum,
            approved=t.approved,
            still_needed=t.still_needed,
            share=t.share,
            under_share=t.under_share,
        )
        for r, t in measured
    ]
    verdict = compute_verdict(
        [t for _, t in measured], elapsed_share=elapsed, checkpoint=settings.checkpoint, training_year=training_year
    )
    return TraineeProgress(
        trainee_id=int(trainee_id),
        trainee_name=str(name),
        registration_number=reg,
        department_name=department or "",
        supervisor_name=supervisor or "",
        training_year=training_year,
        cohort=cohort,
        window_start=start,
        window_end=end,
        elapsed_share=elapsed,
        targets=tuple(targets),
        behind=verdict.behind,
        summary=verdict.summary,
    )
