"""Logbook rules (DESIGN.md §4.3): the entry state machine, field validation, ageing, compliance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.rules.values import EntryStatus, Role

# Verified means approved (DESIGN.md §4.3): only an approval sets the verifier.
VERIFIED_STATUSES = (EntryStatus.APPROVED,)
# Statuses a decision produces (approve, return, reject): the entry has been reviewed.
DECIDED_STATUSES = (EntryStatus.APPROVED, EntryStatus.RETURNED, EntryStatus.REJECTED)
# Everything the trainee has sent to a supervisor at least once (drafts never count).
SUBMITTED_STATUSES = (EntryStatus.PENDING, *DECIDED_STATUSES)
# Submitted with no verifier: waiting, sent back, or refused.
UNVERIFIED_STATUSES = (EntryStatus.PENDING, EntryStatus.RETURNED, EntryStatus.REJECTED)

# Trainee actions and verifier decisions, keyed by action name: allowed from-states -> to-state.
TRANSITIONS: dict[str, tuple[tuple[EntryStatus, ...], EntryStatus]] = {
    "submit": ((EntryStatus.DRAFT, EntryStatus.RETURNED), EntryStatus.PENDING),
    "approve": ((EntryStatus.PENDING,), EntryStatus.APPROVED),
    "return": ((EntryStatus.PENDING,), EntryStatus.RETURNED),
    "reject": ((EntryStatus.PENDING,), EntryStatus.REJECTED),
}
DECISIONS = ("approve", "return", "reject")
EDITABLE_STATUSES = (EntryStatus.DRAFT, EntryStatus.RETURNED)
DELETABLE_STATUSES = (EntryStatus.DRAFT,)

TITLE_MAX = 200
TEXT_MAX = 10_000
# The one set of ageing boundaries (whole days since submission): 0–7, 8–14, 15–30, over 30.
AGE_BOUNDS = (7, 14, 30)
AGE_BUCKET_LABELS = ("0–7 days", "8–14 days", "15–30 days", "over 30 days")
# The "waiting over N days" figures the queue and the cards show.
AGE_BUCKETS = (7, 14)

# Per-entry outcomes of a bulk approval, in the words the result table shows.
OUTCOME_APPROVED = "approved"
OUTCOME_ALREADY_VERIFIED = "already verified"
OUTCOME_ALREADY_DECIDED = "already decided"
OUTCOME_NOT_YOURS = "not yours"
OUTCOME_NOT_PENDING = "not pending"
OUTCOME_NOT_FOUND = "not found"


class TransitionError(ValueError):
    """A status change the state machine does not allow; the message is user-safe."""


@dataclass(frozen=True)
class EntryFields:
    """The trainee-editable fields of an entry, trimmed."""

    title: str
    case_date: date
    category: str
    description: str
    reflection: str | None


def compute_next_status(action: str, current: str) -> EntryStatus:
    """The status `action` leads to from `current`. Raises TransitionError when not allowed."""
    if action not in TRANSITIONS:
        raise TransitionError(f"Unknown action: {action}.")
    sources, target = TRANSITIONS[action]
    if current in sources:
        return target
    if action in DECISIONS:
        if current in VERIFIED_STATUSES:
            raise TransitionError("This entry is already verified (approved); nothing was changed.")
        if current in DECIDED_STATUSES:
            raise TransitionError(f"This entry is already decided ({current}); nothing was changed.")
        raise TransitionError(f"Only pending entries can be verified; this one is {current}.")
    raise TransitionError(f"A {current} entry cannot be submitted; only drafts and returned entries can.")


def is_editable(status: str) -> bool:
    """True when the trainee may still change the entry's fields."""
    return status in EDITABLE_STATUSES


def is_deletable(status: str) -> bool:
    """True when the trainee may delete the entry (drafts only)."""
    return status in DELETABLE_STATUSES


def validate_entry_fields(
    *,
    title: str | None,
    case_date: date | None,
    category: str | None,
    description: str | None,
    reflection: str | None,
    categories: Sequence[str],
    today: date,
) -> tuple[EntryFields | None, list[str]]:
    """Check a trainee's form; returns the clean fields or every problem found."""
    problems: list[str] = []
    clean_title = (title or "").strip()
    clean_description = (description or "").strip()
    clean_reflection = (reflection or "").strip() or None
    if not clean_title:
        problems.append("Case title is required.")
    elif len(clean_title) > TITLE_MAX:
        problems.append(f"Case title is too long ({len(clean_title)} characters; {TITLE_MAX} at most).")
    if case_date is None:
        problems.append("Case date is required.")
    elif case_date > today:
        problems.append(f"Case date {case_date.isoformat()} is in the future.")
    clean_category = _match_category(category, categories)
    if clean_category is None:
        problems.append(f"Category must be one of: {', '.join(categories)}.")
    if not clean_description:
        problems.append("Description is required.")
    elif len(clean_description) > TEXT_MAX:
        problems.append(f"Description is too long ({TEXT_MAX:,} characters at most).")
    if clean_reflection and len(clean_reflection) > TEXT_MAX:
        problems.append(f"Reflection is too long ({TEXT_MAX:,} characters at most).")
    if problems or case_date is None or clean_category is None:
        return None, problems
    return EntryFields(clean_title, case_date, clean_category, clean_description, clean_reflection), []


def _match_category(category: str | None, categories: Sequence[str]) -> str | None:
    wanted = (category or "").strip().lower()
    for option in categories:
        if option.lower() == wanted:
            return option
    return None


def compute_feedback(decision: str, feedback: str | None) -> str | None:
    """The feedback to store; return and reject need a comment. Raises ValueError when missing."""
    clean = (feedback or "").strip() or None
    if decision in ("return", "reject") and clean is None:
        verb = "return" if decision == "return" else "reject"
        raise ValueError(f"Please write a comment: the trainee needs to know why you {verb} the entry.")
    if clean is not None and len(clean) > TEXT_MAX:
        raise ValueError(f"Feedback is too long ({TEXT_MAX:,} characters at most).")
    return clean


def can_verify(*, actor_role: str, actor_id: int | None, trainee_supervisor_id: int | None) -> bool:
    """Only an admin or the trainee's assigned supervisor may verify an entry."""
    if actor_role == Role.ADMIN:
        return True
    return actor_role == Role.SUPERVISOR and actor_id is not None and trainee_supervisor_id == actor_id


def compute_bulk_outcome(
    *, status: str | None, actor_role: str, actor_id: int | None, trainee_supervisor_id: int | None
) -> str | None:
    """Why a selected entry cannot be approved (an OUTCOME_* value), or None when it can."""
    if status is None:
        return OUTCOME_NOT_FOUND
    if not can_verify(actor_role=actor_role, actor_id=actor_id, trainee_supervisor_id=trainee_supervisor_id):
        return OUTCOME_NOT_YOURS
    if status in VERIFIED_STATUSES:
        return OUTCOME_ALREADY_VERIFIED
    if status in DECIDED_STATUSES:
        return OUTCOME_ALREADY_DECIDED
    if status != EntryStatus.PENDING:
        return OUTCOME_NOT_PENDING
    return None


def compute_age_days(submitted_at: datetime | None, now: datetime) -> int:
    """Whole days an entry has waited since submission (0 when not submitted)."""
    if submitted_at is None:
        return 0
    return max(0, (now - submitted_at).days)


def compute_ageing_counts(ages: Sequence[int]) -> dict[int, int]:
    """How many entries have waited more than each AGE_BUCKETS threshold (days)."""
    return {limit: sum(1 for age in ages if age > limit) for limit in AGE_BUCKETS}


def compute_over_from_buckets(buckets: Sequence[int]) -> dict[int, int]:
    """Waiting over each AGE_BUCKETS threshold, from counts per AGE_BOUNDS bucket (one set of boundaries)."""
    return {limit: sum(buckets[AGE_BOUNDS.index(limit) + 1 :]) for limit in AGE_BUCKETS}


def compute_compliance(approved: int, submitted: int) -> float | None:
    """Compliance: approved / submitted as a percentage to 2 decimals (None when nothing was submitted)."""
    if submitted <= 0:
        return None
    return round(100 * approved / submitted, 2)


def compute_reviewed(decided: int, submitted: int) -> float | None:
    """Reviewed %: decided (approved + returned + rejected) / submitted, to 2 decimals (None when nothing)."""
    if submitted <= 0:
        return None
    return round(100 * decided / submitted, 2)


def compute_compliance_from_counts(counts: Mapping[str, int]) -> float | None:
    """Compliance from per-status counts; pool groups by summing their counts first."""
    submitted = sum(counts.get(status, 0) for status in SUBMITTED_STATUSES)
    approved = sum(counts.get(status, 0) for status in VERIFIED_STATUSES)
    return compute_compliance(approved, submitted)


def compute_reviewed_from_counts(counts: Mapping[str, int]) -> float | None:
    """Reviewed % from per-status counts."""
    submitted = sum(counts.get(status, 0) for status in SUBMITTED_STATUSES)
    decided = sum(counts.get(status, 0) for status in DECIDED_STATUSES)
    return compute_reviewed(decided, submitted)


def compute_pooled_compliance(groups: Sequence[Mapping[str, int]]) -> float | None:
    """Overall compliance across groups: Σapproved / Σsubmitted, never the mean of group figures."""
    totals: dict[str, int] = {}
    for counts in groups:
        for status, count in counts.items():
            totals[status] = totals.get(status, 0) + count
    return compute_compliance_from_counts(totals)


def compute_age_cutoff(now: datetime, more_than_days: int) -> datetime:
    """Latest submission time whose age in whole days exceeds `more_than_days` (for SQL filters)."""
    return now - timedelta(days=more_than_days + 1)
