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
    TargetProgress,
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


def progress_summary_frame(progress: Sequence[TraineeProgress]) -> pd.DataFrame:
    """One row per trainee: status, what is behind, and every target as approved / minimum."""
    return pd.DataFrame(
        [
            {
                "trainee": p.trainee_name,
                "trainee_id": p.registration_number or "",
                "training_year": p.training_year,
                "cohort": p.cohort or "",
                "status": "behind" if p.behind else "on track",
                "targets": "; ".join(f"{t.label}: {t.approved}/{t.minimum}" for t in p.targets),
                "summary": p.summary,
                "department": p.department_name,
                "supervisor": p.supervisor_name,
            }
            for p in progress
        ],
        columns=[
            "trainee",
            "trainee_id",
            "training_year",
            "cohort",
            "status",
            "targets",
            "summary",
            "department",
            "supervisor",
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
    # One pass over the roll-up: a count per distinct target (category, title) and trainee.
    wanted = sorted({(r.category.lower(), compute_title_key(r.title) or None) for r in requirements}, key=str)
    position = {target: i for i, target in enumerate(wanted)}
    counts = repo.count_approved_for_targets(session, ids, wanted, start=start, end=end)
    nothing = (0,) * len(wanted)
    elapsed = compute_elapsed_share(start, end, today)
    applicable: dict[tuple[int | None, int | None], list[tuple[Requirement, int]]] = {}
    memo: dict[tuple[int, int], Measured] = {}
    found = []
    for row in rows:
        training_year = year if year is not None else row[6]
        key = (training_year, row[3])
        if key not in applicable:
            applicable[key] = [
                (r, position[(r.category.lower(), compute_title_key(r.title) or None)])
                for r in compute_applicable_requirements(
                    requirements, training_year=training_year, department_id=row[3]
                )
            ]
        found.append(
            _one(
                row,
                applicable[key],
                counts.get(row[0], nothing),
                settings,
                memo,
                start=start,
                end=end,
                elapsed=elapsed,
                year=year,
            )
        )
    return found


Measured = tuple[TargetProgress, TargetItem]


def _one(
    row: Any,
    requirements: list[tuple[Requirement, int]],  # those that apply to this trainee, with their count's position
    counts: tuple[int, ...],
    settings: ProgressSettings,
    memo: dict[tuple[int, int], Measured],
    *,
    start: date,
    end: date,
    elapsed: float,
    year: int | None,
) -> TraineeProgress:
    trainee_id, name, reg, _, department, supervisor, current_year, cohort = row
    training_year = year if year is not None else current_year
    measured = [_measure(r, counts[i], settings, memo) for r, i in requirements]
    targets = tuple(item for _, item in measured)
    verdict = compute_verdict(
        [t for t, _ in measured], elapsed_share=elapsed, checkpoint=settings.checkpoint, training_year=training_year
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
        targets=targets,
        behind=verdict.behind,
        summary=verdict.summary,
    )


def _measure(
    requirement: Requirement, approved: int, settings: ProgressSettings, memo: dict[tuple[int, int], Measured]
) -> Measured:
    """A target against a count; the same target and count give equal frozen values, so they are made once
    (2,000 trainees x 8 targets have a few hundred distinct pairs)."""
    key = (requirement.id, approved)
    if key not in memo:
        t = compute_target_progress(requirement, approved, behind_share=settings.behind_share)
        memo[key] = (
            t,
            TargetItem(
                label=t.label,
                category=requirement.category,
                title=requirement.title,
                minimum=t.minimum,
                approved=t.approved,
                still_needed=t.still_needed,
                share=t.share,
                under_share=t.under_share,
            ),
        )
    return memo[key]
