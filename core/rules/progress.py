"""Training progress rules (issue 17): the training-year window, progress against logbook targets,
the 'behind' rule and promotion. Pure functions: plain values in, plain values out.

Progress counts *approved* entries only (verified means approved, DESIGN.md §4.3) whose case date
falls in the trainee's current training year. A trainee is behind when, once the configured point
of the training year has passed (default half-way), any target is under the configured share of its
minimum (default 50 %). Before that point nobody is behind: there is too little of the year to judge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Requirement:
    """A target as the rules see it: approved entries of a category (and optionally one title) in a year."""

    id: int
    training_year: int
    category: str
    minimum: int
    department_id: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class TargetProgress:
    requirement_id: int
    label: str
    minimum: int
    approved: int
    still_needed: int
    share: float  # approved / minimum, capped at 1.0
    under_share: bool  # under the behind share (only decisive once the checkpoint has passed)


@dataclass(frozen=True)
class ProgressVerdict:
    behind: bool
    summary: str  # "on track", "behind: ..." or "no targets for training year N"
    reasons: tuple[str, ...]


def compute_title_key(title: str | None) -> str:
    """How a title is matched against targets: trimmed of spaces and lower-cased.

    The roll-up stores `lower(trim(title))` computed in SQL, so this must stay the same expression
    (SQLite's lower() folds ASCII letters only: titles differing in non-ASCII case stay distinct).
    """
    return (title or "").strip(" ").lower()


def compute_training_year_window(today: date, start_month: int) -> tuple[date, date]:
    """The programme's training year containing `today`: (first day, last day), inclusive.

    Training years start on the first of `start_month` (1..12), so they are whole months and the
    monthly roll-up counts them exactly.
    """
    start = date(today.year, start_month, 1)
    if start > today:
        start = date(today.year - 1, start_month, 1)
    end = date(start.year + 1, start_month, 1) - timedelta(days=1)
    return start, end


def compute_elapsed_share(start: date, end: date, today: date) -> float:
    """How much of [start, end] has passed on `today` (0.0 before it, 1.0 on or after its last day)."""
    total = (end - start).days + 1
    done = min(max((today - start).days + 1, 0), total)
    return round(done / total, 4)


def compute_requirement_label(category: str, title: str | None, minimum: int) -> str:
    """'Central line insertion × 5 (procedure)' or '40 × case'."""
    if title:
        return f"{title} × {minimum} ({category})"
    return f"{minimum} × {category}"


def compute_applicable_requirements(
    requirements: Iterable[Requirement], *, training_year: int | None, department_id: int | None
) -> list[Requirement]:
    """The targets for a trainee: their year's, programme-wide or of their department.

    A department's target replaces the programme-wide one for the same category and title, so a
    department can ask for more (or fewer) than the programme does.
    """
    if training_year is None:
        return []
    mine = [r for r in requirements if r.training_year == training_year]
    departmental = [r for r in mine if r.department_id is not None and r.department_id == department_id]
    overridden = {_target_key(r) for r in departmental}
    programme = [r for r in mine if r.department_id is None and _target_key(r) not in overridden]
    chosen = departmental + programme
    return sorted(chosen, key=lambda r: (*_target_key(r), r.id))


def _target_key(requirement: Requirement) -> tuple[str, str]:
    return requirement.category.lower(), compute_title_key(requirement.title)


def compute_target_progress(requirement: Requirement, approved: int, *, behind_share: float) -> TargetProgress:
    """One target against the approved entries counted for it; `behind_share` is a fraction (0.5 = 50 %)."""
    share = min(approved / requirement.minimum, 1.0) if requirement.minimum > 0 else 1.0
    return TargetProgress(
        requirement_id=requirement.id,
        label=compute_requirement_label(requirement.category, requirement.title, requirement.minimum),
        minimum=requirement.minimum,
        approved=approved,
        still_needed=max(requirement.minimum - approved, 0),
        share=round(share, 4),
        under_share=share < behind_share,
    )


def compute_verdict(
    targets: list[TargetProgress], *, elapsed_share: float, checkpoint: float, training_year: int | None
) -> ProgressVerdict:
    """'on track' or 'behind' (and why): behind once `checkpoint` of the year has passed with a target under its share."""
    if training_year is None:
        return ProgressVerdict(False, "no training year set", ())
    if not targets:
        return ProgressVerdict(False, f"no targets for training year {training_year}", ())
    if elapsed_share < checkpoint:
        return ProgressVerdict(False, "on track", ())
    reasons = tuple(f"{t.label}: {t.approved} of {t.minimum}" for t in targets if t.under_share)
    if reasons:
        return ProgressVerdict(True, "behind: " + "; ".join(reasons), reasons)
    return ProgressVerdict(False, "on track", ())


def compute_promotion(current_year: int | None, *, last_year: int) -> tuple[int | None, str | None]:
    """The year a trainee moves to at year end, or why not: (next year, None) or (None, reason)."""
    if current_year is None:
        return None, "has no training year (set one first)"
    if current_year >= last_year:
        return None, f"is in the final training year ({last_year})"
    return current_year + 1, None


def compute_year_window(
    entered: Iterable[tuple[date, int | None]],
    *,
    year: int,
    current_year: int | None,
    today: date,
    start_month: int,
) -> tuple[date, date] | None:
    """The training year a trainee spent in year `year`: the current one if they are in it now, else the
    programme year containing the latest change into `year` (from (effective date, new year) pairs);
    None when nothing records them in that year."""
    if current_year == year:
        return compute_training_year_window(today, start_month)
    dates = [effective for effective, to_year in entered if to_year == year]
    if not dates:
        return None
    return compute_training_year_window(max(dates), start_month)
