"""Results rules (DESIGN.md §4.4): scores, grades, group weights, and which transitions are legal.

Pure functions: plain values in, plain values out. Transition checks return None when the
move is legal and otherwise a message that names the current state.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from core.rules.values import ChangeRequestStatus, DocumentKind, DocumentStatus, ResultState

# (minimum percentage, band) from the top; a result below its pass mark is always "F".
GRADE_BANDS: tuple[tuple[float, str], ...] = ((80.0, "A"), (70.0, "B"), (60.0, "C"), (0.0, "D"))
FAIL_GRADE = "F"
FULL_WEIGHT = Decimal("100")

# What each kind is called on screen and on the document, in the order a trainee chooses from.
DOCUMENT_KINDS: dict[str, str] = {
    DocumentKind.TRANSCRIPT: "Academic transcript",
    DocumentKind.BONAFIDE: "Bonafide certificate",
    DocumentKind.NOC: "No-objection certificate",
    DocumentKind.OTHER: "Other document",
}
# action -> (required current status, next status)
DOCUMENT_TRANSITIONS: dict[str, tuple[DocumentStatus, DocumentStatus]] = {
    "approve": (DocumentStatus.PENDING, DocumentStatus.APPROVED),
    "reject": (DocumentStatus.PENDING, DocumentStatus.REJECTED),
    "complete": (DocumentStatus.APPROVED, DocumentStatus.COMPLETED),
}


@dataclass(frozen=True)
class Grade:
    percentage: float
    passed: bool
    band: str


@dataclass(frozen=True)
class GroupWeight:
    group: str
    total: Decimal
    complete: bool
    message: str


@dataclass(frozen=True)
class ScoreRow:
    row: int
    trainee_id: str
    score: Decimal


def compute_percentage(score: Decimal | float, max_score: Decimal | float) -> float:
    """round(100 * score / max, 2)."""
    return round(100 * float(score) / float(max_score), 2)


def is_pass(score: Decimal | float, pass_mark: Decimal | float) -> bool:
    """A score passes when it reaches the pass mark (both in score units)."""
    return Decimal(str(score)) >= Decimal(str(pass_mark))


def compute_grade(score: Decimal | float, *, max_score: Decimal | float, pass_mark: Decimal | float) -> Grade:
    """Percentage, pass/fail and grade band (A ≥ 80 %, B ≥ 70 %, C ≥ 60 %, D otherwise; F when failed)."""
    percentage = compute_percentage(score, max_score)
    passed = is_pass(score, pass_mark)
    band = FAIL_GRADE
    if passed:
        band = next(label for minimum, label in GRADE_BANDS if percentage >= minimum)
    return Grade(percentage=percentage, passed=passed, band=band)


def compute_score(raw: object, max_score: Decimal) -> tuple[Decimal | None, str | None]:
    """Parse a score: a number with at most 2 decimals, 0 <= score <= max. Returns (score, error)."""
    text = "" if raw is None else str(raw).strip()
    if text == "" or text.lower() == "nan":
        return None, "score is required"
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"score '{text}' is not a number"
    if not value.is_finite():
        return None, f"score '{text}' is not a number"
    if value != value.quantize(Decimal("0.01")):
        return None, f"score {text} has more than 2 decimals"
    if value < 0 or value > max_score:
        return None, f"score {text} is outside 0..{_plain(max_score)}"
    return value.quantize(Decimal("0.01")), None


def compute_assessment_problems(
    *, title: str, max_score: Decimal, pass_mark: Decimal, weight: Decimal, group: str
) -> list[str]:
    """Everything wrong with an assessment's own fields (an empty list when valid)."""
    problems: list[str] = []
    if not title.strip():
        problems.append("a title is required")
    if not group.strip():
        problems.append("a group is required (for example 'Year 2 written')")
    if max_score <= 0:
        problems.append("the maximum score must be above 0")
    if pass_mark < 0 or pass_mark > max_score:
        problems.append(f"the pass mark must be between 0 and the maximum score ({_plain(max_score)})")
    if weight <= 0 or weight > FULL_WEIGHT:
        problems.append("the weight must be above 0 and at most 100%")
    return problems


def compute_weight_problem(existing: list[Decimal], new_weight: Decimal, group: str) -> str | None:
    """Refuse a weight that would take a group's total over 100 %."""
    total = sum(existing, Decimal("0")) + new_weight
    if total > FULL_WEIGHT:
        used = sum(existing, Decimal("0"))
        return (
            f"group '{group}' would total {_plain(total)}% (over 100%): "
            f"{_plain(used)}% is already used, at most {_plain(FULL_WEIGHT - used)}% is left"
        )
    return None


def compute_group_weight(group: str, weights: list[Decimal]) -> GroupWeight:
    """A group's total weight; flagged unless it is exactly 100 %."""
    total = sum(weights, Decimal("0"))
    complete = total == FULL_WEIGHT
    message = "weights total 100%" if complete else f"weights total {_plain(total)}%, not 100%"
    return GroupWeight(group=group, total=total, complete=complete, message=message)


def compute_group_key(group: str, department_id: int | None = None) -> str:
    """What identifies an assessment group: its owner (a department, or the programme when None)
    and its trimmed name, ignoring letter case. Two departments may each have "Final exam 2026"."""
    owner = "programme" if department_id is None else f"department {department_id}"
    return f"{owner}: {group.strip().casefold()}"


def compute_group_weights(weights: Iterable[tuple[str, int | None, Decimal]]) -> dict[str, GroupWeight]:
    """Each group's total from (group name, owning department or None, weight), keyed by `compute_group_key`.

    Spellings that differ only in letter case are one group, named by its first spelling in
    `weights` (pass them oldest first).
    """
    names: dict[str, str] = {}
    grouped: dict[str, list[Decimal]] = {}
    for group, owner, weight in weights:
        key = compute_group_key(group, owner)
        names.setdefault(key, group.strip())
        grouped.setdefault(key, []).append(weight)
    return {key: compute_group_weight(names[key], shares) for key, shares in grouped.items()}


@dataclass(frozen=True)
class WeightedTotal:
    """A trainee's weighted total in one group, or why there is none (total None)."""

    group: str
    total: float | None
    reason: str


def compute_weighted_total(
    group: GroupWeight, parts: Iterable[tuple[str, Decimal | float | None, Decimal | float, Decimal | float]]
) -> WeightedTotal:
    """Σ score / max × weight over a group's assessments, from (title, published score or None, max, weight).

    Only a group whose weights total exactly 100 % has a total, and only when every one of its
    assessments has a published score: a missing one is named rather than counted as zero.
    """
    if not group.complete:
        return WeightedTotal(group.group, None, f"no total: {group.message}")
    rows = list(parts)
    missing = [title for title, score, _, _ in rows if score is None]
    if missing:
        return WeightedTotal(group.group, None, "no total yet: no published result for " + ", ".join(missing))
    total = sum(
        (Decimal(str(score)) / Decimal(str(maximum)) * Decimal(str(weight)) for _, score, maximum, weight in rows),
        Decimal("0"),
    )
    return WeightedTotal(group.group, round(float(total), 2), "weights total 100%")


def can_edit_score(state: str) -> str | None:
    """Scores change only in draft; a published result only through a change request, a frozen one never."""
    if state == ResultState.DRAFT:
        return None
    if state == ResultState.PUBLISHED:
        return f"published results change only through a change request; current state: {state}"
    return f"scores can be changed only in draft; current state: {state}"


def can_publish(state: str) -> str | None:
    """Publish only from draft; publishing a published (or frozen) result says it is already published."""
    if state == ResultState.DRAFT:
        return None
    if state in (ResultState.PUBLISHED, ResultState.FROZEN):
        return f"already published; current state: {state}"
    return f"only draft results can be published; current state: {state}"


def can_freeze(state: str) -> str | None:
    """Freeze only from published; frozen is final."""
    return None if state == ResultState.PUBLISHED else f"only published results can be frozen; current state: {state}"


def can_request_change(state: str) -> str | None:
    """Change requests are for published results only."""
    if state == ResultState.PUBLISHED:
        return None
    return f"change requests are only for published results; current state: {state}"


def can_decide_change(*, status: str, requested_by_id: int | None, decider_id: int | None) -> str | None:
    """A pending request, decided by someone other than the requester (the two-person rule)."""
    if status != ChangeRequestStatus.PENDING:
        return f"this change request was already decided; current state: {status}"
    if decider_id is None or requested_by_id is None or decider_id == requested_by_id:
        return "you raised this change request, so another admin must decide it"
    return None


def can_move_document(action: str, status: str) -> str | None:
    """pending -> approved -> completed, or pending -> rejected; nothing else."""
    required, target = DOCUMENT_TRANSITIONS[action]
    if status == required:
        return None
    return f"only {required} requests can be {target}; current state: {status}"


def compute_score_rows(text: str, max_score: Decimal) -> tuple[list[ScoreRow], list[str]]:
    """Parse a `trainee_id,score` CSV (header row 1). Returns rows and `row N: message` errors."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return [], ["row 1: the file is empty"]
    names = [h.strip().lower() for h in header]
    missing = [c for c in ("trainee_id", "score") if c not in names]
    if missing:
        return [], [f"row 1: missing column(s): {', '.join(missing)}"]
    id_col, score_col = names.index("trainee_id"), names.index("score")
    rows: list[ScoreRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        trainee = cells[id_col].strip() if id_col < len(cells) else ""
        raw = cells[score_col] if score_col < len(cells) else ""
        if not trainee:
            errors.append(f"row {number}: trainee_id is required")
            continue
        if trainee.lower() in seen:
            errors.append(f"row {number}: duplicate of row {seen[trainee.lower()]}")
            continue
        seen[trainee.lower()] = number
        score, error = compute_score(raw, max_score)
        if error or score is None:
            errors.append(f"row {number}: {error}")
            continue
        rows.append(ScoreRow(row=number, trainee_id=trainee, score=score))
    if not rows and not errors:
        errors.append("row 2: the file has a header but no rows")
    return rows, errors


def compute_token_hash(token: str) -> str:
    """sha256 hex of a verification token (the only form stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_token_valid(*, expires_at: datetime, now: datetime) -> bool:
    """A token is valid strictly before its expiry."""
    return now < expires_at


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
