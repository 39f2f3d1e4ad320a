"""Weighted totals (issue 17): for each trainee and assessment group whose weights total exactly
100 %, Σ score / max × weight over the group's published (or frozen) results.

A group belongs to its assessments' department unless they are programme-wide, so two departments
can each run "Final exam 2026". A group that is not at 100 %, or where a trainee has no published
result for one of its assessments yet, has no total and says why.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dto import UserSummary
from core.models import Assessment, Department
from core.rules import results as rules
from core.rules.access import ALL_ROLES
from core.rules.values import ResultState
from core.services.access import authorize
from core.services.results.assessments import results_frame

PROGRAMME_WIDE = "Programme-wide"
TOTAL_COLUMNS = ["trainee_pk", "trainee_id", "trainee", "group", "owner", "weighted_total", "note"]


def group_owner(department_id: int, programme_wide: bool) -> int | None:
    """The department a group belongs to, or None for a programme-wide group."""
    return None if programme_wide else department_id


def list_weighted_totals(session: Session, actor: UserSummary, *, trainee_id: int | None = None) -> pd.DataFrame:
    """One row per trainee and group they have a published result in: the weighted total, or why none.

    Scoped like every results read (a trainee: their own; a supervisor: their trainees).
    """
    authorize(session, actor, *ALL_ROLES)
    frame = results_frame(session, actor, trainee_id=trainee_id)
    if frame.empty:
        return pd.DataFrame(columns=TOTAL_COLUMNS)
    shown = frame[frame["state"].isin([ResultState.PUBLISHED, ResultState.FROZEN])]
    members, weights, owners = _groups(session)
    key_of = {assessment_id: key for key, ids in members.items() for assessment_id, _, _, _ in ids}
    rows: list[dict[str, Any]] = []
    for _, part in shown.groupby("trainee_pk", sort=True):
        first = part.iloc[0]
        pk, reg, name = int(first["trainee_pk"]), first["trainee_id"], first["trainee"]
        scores = {int(a): s for a, s in zip(part["assessment_id"], part["score"], strict=True)}
        for key in sorted({key_of[a] for a in scores if a in key_of}):
            parts = [(title, scores.get(aid), maximum, weight) for aid, title, maximum, weight in members[key]]
            total = rules.compute_weighted_total(weights[key], parts)
            rows.append(
                {
                    "trainee_pk": pk,
                    "trainee_id": reg,
                    "trainee": name,
                    "group": total.group,
                    "owner": owners[key],
                    "weighted_total": total.total,
                    "note": total.reason,
                }
            )
    return pd.DataFrame(rows, columns=TOTAL_COLUMNS)


def _groups(
    session: Session,
) -> tuple[dict[str, list[tuple[int, str, Decimal, Decimal]]], dict[str, rules.GroupWeight], dict[str, str]]:
    """Every group: its assessments (id, title, max, weight), its weight status and who owns it."""
    rows = session.execute(
        select(
            Assessment.id,
            Assessment.title,
            Assessment.group_name,
            Assessment.department_id,
            Assessment.programme_wide,
            Assessment.max_score,
            Assessment.weight,
            Department.name,
        )
        .join(Department, Department.id == Assessment.department_id)
        .order_by(Assessment.id)
    ).all()
    members: dict[str, list[tuple[int, str, Decimal, Decimal]]] = {}
    names: dict[str, str] = {}
    owners: dict[str, str] = {}
    for aid, title, group, department_id, programme_wide, maximum, weight, department in rows:
        key = rules.compute_group_key(group, group_owner(department_id, programme_wide))
        names.setdefault(key, group.strip())
        owners.setdefault(key, PROGRAMME_WIDE if programme_wide else department)
        members.setdefault(key, []).append((aid, title, Decimal(str(maximum)), Decimal(str(weight))))
    weights = {key: rules.compute_group_weight(names[key], [m[3] for m in ms]) for key, ms in members.items()}
    return members, weights, owners
